"""Moderators publish or reject practices and nothing else: they lose the change permission.

With it they could edit every content field, import (and so create) practices, export them
with the submitters' addresses and revert them from their history. Viewing a practice and
the moderate permission (the publish and reject actions) are all the group needs.
"""

from django.db import migrations

GROUP = "Moderators"
CHANGE = "change_practicesubmission"


def _change_permission(apps):
    return apps.get_model("auth", "Permission").objects.get(
        content_type__app_label="practices",
        content_type__model="practicesubmission",
        codename=CHANGE,
    )


def _group(apps):
    return apps.get_model("auth", "Group").objects.filter(name=GROUP).first()


def drop_change(apps, schema_editor):
    if group := _group(apps):
        group.permissions.remove(_change_permission(apps))


def restore_change(apps, schema_editor):
    if group := _group(apps):
        group.permissions.add(_change_permission(apps))


class Migration(migrations.Migration):
    dependencies = [("practices", "0007_catalogue_version")]

    operations = [migrations.RunPython(drop_change, restore_change)]
