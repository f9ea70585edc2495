"""The data migration that creates the Editors group, run forwards, again, and backwards; the
move of the country updates from subscriptions to countries, with their rows."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

migration = import_module("countries.migrations.0002_editors_group")
# The country updates (and their "view" permission, held by Editors) moved to countries later.
content_type_migration = import_module(
    "countries.migrations.0006_countryupdate_table_and_content_type"
)
content_type_move = content_type_migration.content_type_move("subscriptions", "countries")


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
    content_type_move(state_apps, schema_editor)

    assert editors_permissions() == granted_before
    assert len(granted_before) == 41
    assert "countries.view_countryupdate" in granted_before


def test_running_it_again_changes_nothing(state_apps, schema_editor):
    granted_before = editors_permissions()

    migration.create_editors_group(state_apps, schema_editor)
    content_type_move(state_apps, schema_editor)

    assert editors_permissions() == granted_before
    assert Group.objects.filter(name="Editors").count() == 1


def test_reverse_removes_the_group_and_forward_restores_it(state_apps, schema_editor):
    granted_before = editors_permissions()

    migration.delete_editors_group(state_apps, schema_editor)
    removed = not Group.objects.filter(name="Editors").exists()
    migration.create_editors_group(state_apps, schema_editor)
    content_type_move(state_apps, schema_editor)

    assert removed
    assert editors_permissions() == granted_before


BEFORE_MOVE = [
    ("countries", "0004_attendance_contribution_recorded"),
    ("subscriptions", "0006_delivery_attempts_and_retries"),
]
AFTER_MOVE = [
    ("countries", "0006_countryupdate_table_and_content_type"),
    ("subscriptions", "0007_countryupdate_to_countries"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def table_names() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def granted(group: Group) -> set[tuple[str, str]]:
    permissions = group.permissions.select_related("content_type")
    return {(p.content_type.app_label, p.codename) for p in permissions}


@pytest.mark.django_db(transaction=True)
def test_country_updates_move_to_countries_with_their_rows_and_deliveries():
    """Countries 0005-0006 and subscriptions 0007: the table is renamed, not copied; the
    deliveries keep pointing at their updates; groups keep their view permission (Editors); and the
    way back restores the table under its old name."""
    try:
        apps = migrate(BEFORE_MOVE)
        country = apps.get_model("countries", "Country").objects.create(
            name="Morocco", slug="morocco", iso2="MA", iso3="MAR", latitude=32, longitude=-5
        )
        update = apps.get_model("subscriptions", "CountryUpdate").objects.create(
            country=country, summary="2018: added Attended Summit", source="admin"
        )
        subscription = apps.get_model("subscriptions", "Subscription").objects.create(
            email="reader@example.org", mailbox="reader@example.org", country=country
        )
        delivery = apps.get_model("subscriptions", "Delivery").objects.create(
            subscription=subscription, update=update
        )
        assert "subscriptions_countryupdate" in table_names()
        content_type, _ = ContentType.objects.get_or_create(
            app_label="subscriptions", model="countryupdate"
        )
        view, _ = Permission.objects.get_or_create(
            content_type=content_type, codename="view_countryupdate", defaults={"name": "view"}
        )
        readers = Group.objects.create(name="Update readers")
        readers.permissions.add(view)

        apps = migrate(AFTER_MOVE)

        assert "countries_countryupdate" in table_names()
        assert "subscriptions_countryupdate" not in table_names()
        CountryUpdate = apps.get_model("countries", "CountryUpdate")
        moved = CountryUpdate.objects.get()
        assert (moved.pk, moved.country_id, moved.summary) == (
            update.pk,
            country.pk,
            "2018: added Attended Summit",
        )
        delivered = apps.get_model("subscriptions", "Delivery").objects.get(pk=delivery.pk)
        assert delivered.update == moved
        assert list(moved.deliveries.all()) == [delivered]
        # New rows take the next keys; deleting an update still takes its deliveries.
        later = CountryUpdate.objects.create(country_id=country.pk, summary="2019", source="admin")
        assert later.pk > moved.pk
        moved.delete()
        assert not apps.get_model("subscriptions", "Delivery").objects.exists()
        assert granted(readers) == {("countries", "view_countryupdate")}

        apps = migrate(BEFORE_MOVE)

        assert "subscriptions_countryupdate" in table_names()
        back = apps.get_model("subscriptions", "CountryUpdate").objects.get()
        assert (back.pk, back.summary) == (later.pk, "2019")
        assert granted(readers) == {("subscriptions", "view_countryupdate")}
    finally:
        Group.objects.filter(name="Update readers").delete()
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_updates_recorded_before_sections_keep_linking_to_the_page_top():
    """Countries 0008 adds the sections an update changed: the updates already recorded get
    none, so their links stay the top of the country page; and the way back drops the field."""
    from countries.models import CountryUpdate

    before, after = (
        [("countries", "0007_more_roles")],
        [("countries", "0008_countryupdate_sections")],
    )
    try:
        apps = migrate(before)
        country = apps.get_model("countries", "Country").objects.create(
            name="Morocco", slug="morocco", iso2="MA", iso3="MAR", latitude=32, longitude=-5
        )
        old = apps.get_model("countries", "CountryUpdate").objects.create(
            country=country, summary="2012: added Attended Meeting", source="admin"
        )

        apps = migrate(after)

        assert apps.get_model("countries", "CountryUpdate").objects.get(pk=old.pk).sections == []
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        assert CountryUpdate.objects.get(pk=old.pk).get_absolute_url() == "/countries/morocco/"

        apps = migrate(before)

        assert apps.get_model("countries", "CountryUpdate").objects.get(pk=old.pk).summary == (
            "2012: added Attended Meeting"
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
