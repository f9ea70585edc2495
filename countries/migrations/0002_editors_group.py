"""The "Editors" group: staff who maintain country profiles and practices, not accounts.

Permissions are created by a post_migrate signal, after every migration has run, so on
a fresh database they do not exist yet here: create them first for the apps concerned.
The model list is frozen on purpose; a later model gets its permissions in its own
migration.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Editors"
EDITED_MODELS = {
    "countries": [
        "country",
        "forumyear",
        "attendance",
        "roundtable",
        "roundtablerole",
        "thematicmeeting",
        "thematicmeetingparticipation",
        "contribution",
    ],
    "practices": ["practicesubmission", "theme"],
}
VIEWED_MODELS = {"subscriptions": ["countryupdate"]}


def wanted_permissions():
    for actions, models in [
        (["view", "add", "change", "delete"], EDITED_MODELS),
        (["view"], VIEWED_MODELS),
    ]:
        for app_label, model_names in models.items():
            for model_name in model_names:
                for action in actions:
                    yield app_label, f"{action}_{model_name}"


def create_editors_group(apps, schema_editor):
    alias = schema_editor.connection.alias
    for app_label in [*EDITED_MODELS, *VIEWED_MODELS]:
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True  # migration state apps have none; the signal needs it
        create_permissions(app_config, verbosity=0, using=alias, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = set(wanted_permissions())
    permissions = [
        permission
        for permission in Permission.objects.using(alias).select_related("content_type")
        if (permission.content_type.app_label, permission.codename) in wanted
    ]
    found = {(p.content_type.app_label, p.codename) for p in permissions}
    if missing := wanted - found:
        raise RuntimeError(f"Permissions missing for the Editors group: {sorted(missing)}")
    group, _ = Group.objects.using(alias).get_or_create(name=GROUP_NAME)
    group.permissions.set(permissions)


def delete_editors_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("countries", "0001_initial"),
        ("practices", "0001_initial"),
        ("subscriptions", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_editors_group, delete_editors_group)]
