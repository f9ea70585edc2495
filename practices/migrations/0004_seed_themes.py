"""The GFMD's themes for the practice database; editors can add more in the admin."""

from django.db import migrations

THEMES = [
    ("Labour mobility", "labour-mobility"),
    ("Diaspora engagement", "diaspora-engagement"),
    ("Remittances", "remittances"),
    ("Migrant protection", "migrant-protection"),
    (
        "Mainstreaming migration into development planning",
        "mainstreaming-migration-into-development-planning",
    ),
    ("Data and research", "data-and-research"),
    ("Irregular migration", "irregular-migration"),
    ("Return and reintegration", "return-and-reintegration"),
    ("Climate and migration", "climate-and-migration"),
    ("Gender", "gender"),
    ("Children and youth", "children-and-youth"),
]


def seed(apps, schema_editor):
    Theme = apps.get_model("practices", "Theme")
    for name, slug in THEMES:
        Theme.objects.get_or_create(slug=slug, defaults={"name": name})


def unseed(apps, schema_editor):
    Theme = apps.get_model("practices", "Theme")
    Theme.objects.filter(slug__in=[slug for _, slug in THEMES], practices=None).delete()


class Migration(migrations.Migration):
    dependencies = [("practices", "0003_search_vector_trigger")]

    operations = [migrations.RunPython(seed, unseed)]
