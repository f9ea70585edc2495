"""The public data's version (core/data_version.py): it moves after every committed write to a
public table, whatever wrote it, and writers never wait for each other because of it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from core.data_version import data_version
from countries.models import Country, Roundtable
from countries.views import CountryDetailView
from practices.models import Theme
from tests.concurrency import require_postgres
from tests.factories import (
    CountryFactory,
    PracticeFactory,
    RoundtableFactory,
    SubscriptionFactory,
    ThemeFactory,
    UserFactory,
)


def moves(change: Callable[[], object]) -> bool:
    before = data_version()
    change()
    return data_version() != before


def test_every_kind_of_write_to_public_data_moves_the_version(db):
    country = CountryFactory()
    practice = PracticeFactory()
    roundtable = RoundtableFactory()

    def raw_update() -> None:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE countries_roundtable SET title = 'Raw' WHERE 1 = 1")

    assert moves(lambda: CountryFactory())
    assert moves(lambda: Country.objects.filter(pk=country.pk).update(official_name="Bulk"))
    assert moves(lambda: Roundtable.objects.bulk_create([Roundtable(**_copy(roundtable))]))
    assert moves(lambda: practice.countries.add(country))
    assert moves(lambda: Theme.objects.create(name="Labour", slug="labour"))
    assert moves(raw_update)
    assert moves(lambda: practice.delete())


def _copy(roundtable: Roundtable) -> dict[str, object]:
    return {"forum_year": roundtable.forum_year, "number": "9.9", "title": "Copy"}


def test_writes_to_other_tables_leave_it(db):
    country = CountryFactory()
    assert not moves(lambda: UserFactory())
    assert not moves(lambda: SubscriptionFactory(country=country))


def test_it_moves_again_when_the_transaction_commits(db, django_capture_on_commit_callbacks):
    before = data_version()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            CountryFactory()
            during = data_version()  # read your own writes: not what was cached before
            CountryFactory()
            assert data_version() != during
            during = data_version()
        assert data_version() == during
    assert len({before, during, data_version()}) == 3


def test_a_write_after_a_savepoint_rolled_back_still_moves_it_on_commit(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                CountryFactory()
                raise RuntimeError
        except RuntimeError:
            pass
        CountryFactory()
    assert len(callbacks) == 1


# --- Two connections (PostgreSQL) ----------------------------------------------------------


@contextmanager
def open_transaction(write: Callable[[], object]) -> Iterator[threading.Event]:
    """`write` in a transaction of another connection, left open until the block ends
    (then committed)."""
    written, commit = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with transaction.atomic():
                write()
                written.set()
                commit.wait(30)
        except BaseException as error:
            errors.append(error)
            written.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    written.wait(30)
    try:
        yield commit
    finally:
        commit.set()
        thread.join(30)
    if errors:
        raise errors[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_open_transaction_does_not_hold_up_another_writer():
    """Issue 14: an open transaction that touched a country held an insert into
    practices_theme up (both updated the catalogue version's row, until migration 0009)."""
    require_postgres()
    country = CountryFactory()

    with (
        open_transaction(
            lambda: Country.objects.filter(pk=country.pk).update(official_name="Held")
        ),
        transaction.atomic(),
    ):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        ThemeFactory(name="Labour")
        PracticeFactory(title="Submitted meanwhile")

    assert Theme.objects.filter(name="Labour").exists()
    assert Country.objects.get(pk=country.pk).official_name == "Held"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_page_read_during_an_open_transaction_is_not_served_after_its_commit():
    """A visitor reads the page while a writer's transaction is open (so before its commit,
    under the version of that moment); after the commit the next visitor gets the change."""
    require_postgres()
    country = CountryFactory(slug="morocco", official_name="Before")
    visitor = Client()

    with open_transaction(
        lambda: Country.objects.filter(pk=country.pk).update(official_name="After")
    ):
        assert "Before" in visitor.get("/countries/morocco/").content.decode()

    assert "After" in visitor.get("/countries/morocco/").content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_page_rendered_across_a_commit_is_not_served_after_it(monkeypatch):
    """The race: a visitor reads the version, then the data; a writer commits in between;
    the visitor stores the old page, under the version it read, which the commit replaced."""
    require_postgres()
    country = CountryFactory(slug="morocco", official_name="Before")
    build = CountryDetailView.get_context_data

    def commit_meanwhile(self, **kwargs):
        context = build(self, **kwargs)

        def write() -> None:
            with transaction.atomic():
                Country.objects.filter(pk=country.pk).update(official_name="After")
            connections.close_all()

        thread = threading.Thread(target=write)
        thread.start()
        thread.join(30)
        return context

    monkeypatch.setattr(CountryDetailView, "get_context_data", commit_meanwhile)
    visitor = Client()
    assert "Before" in visitor.get("/countries/morocco/").content.decode()
    monkeypatch.setattr(CountryDetailView, "get_context_data", build)

    assert "After" in visitor.get("/countries/morocco/").content.decode()
