"""The "Moderators" group: may see, edit, publish and reject practices, and nothing else.

Permissions are normally created after migrate; they are created here first so that the group
gets them on a fresh database. Members still need "staff status" to log in to the admin.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Moderators"
CODENAMES = [
    "moderate_practicesubmission",
    "view_practicesubmission",
    "change_practicesubmission",
]


def add_group(apps, schema_editor):
    app_config = apps.get_app_config("practices")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="practices",
            content_type__model="practicesubmission",
            codename__in=CODENAMES,
        )
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0004_seed_themes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(add_group, remove_group)]
