"""The data migration that creates the Editors group, run forwards, again, and backwards."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

migration = import_module("countries.migrations.0002_editors_group")


@pytest.fixture
def state_apps(db):
    """The models as that migration sees them, as `migrate` would pass them."""
    executor = MigrationExecutor(connection)
    return executor.loader.project_state(("countries", "0002_editors_group")).apps


@pytest.fixture
def schema_editor():
    # The migration only reads the connection alias from it; a real schema editor
    # cannot be opened inside the test's transaction on SQLite.
    return SimpleNamespace(connection=connection)


def editors_permissions() -> set[str]:
    group = Group.objects.get(name="Editors")
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }


def test_group_is_created_before_any_permission_exists(state_apps, schema_editor):
    granted_before = editors_permissions()
    Group.objects.filter(name="Editors").delete()
    Permission.objects.filter(
        content_type__app_label__in=["countries", "practices", "subscriptions"]
    ).delete()

    migration.create_editors_group(state_apps, schema_editor)

    assert editors_permissions() == granted_before
    assert len(granted_before) == 41


def test_running_it_again_changes_nothing(state_apps, schema_editor):
    granted_before = editors_permissions()

    migration.create_editors_group(state_apps, schema_editor)

    assert editors_permissions() == granted_before
    assert Group.objects.filter(name="Editors").count() == 1


def test_reverse_removes_the_group_and_forward_restores_it(state_apps, schema_editor):
    granted_before = editors_permissions()

    migration.delete_editors_group(state_apps, schema_editor)
    removed = not Group.objects.filter(name="Editors").exists()
    migration.create_editors_group(state_apps, schema_editor)

    assert removed
    assert editors_permissions() == granted_before
