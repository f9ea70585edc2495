"""Every kind of change shows on the next anonymous visit of a cached page (README, Caching
and HTTP).

Each change runs as if committed, and only the commit moves the data version here: the test
never read the version in the writer's own transaction, so what invalidates the page is what
does in production (core/data_version.py)."""

from __future__ import annotations

import shutil
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

import core.data_version
from countries.models import Attendance, Contribution, Country, CountryUpdate, RoundtableRole
from practices.models import PracticeSubmission
from tests.admin_forms import add_inline_row, form_data
from tests.countries.test_admin import change_url, country_form
from tests.factories import ForumYearFactory, PracticeFactory
from tests.gfmd.test_import_gfmd_pages import REFERENCE
from tests.gfmd.test_pages_admin import confirm_data, preview, url
from tests.gfmd.test_roles import CHANGELIST, IMPORT, PROCESS_IMPORT, csv_rows
from tests.importing import confirm, upload

COUNTRY_PAGE = "/countries/morocco/"


class _NotRead:
    """The version as never read in this transaction: no bump before the commit."""

    seen = property(lambda self: False, lambda self, value: None)


@pytest.fixture
def committed(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(core.data_version, "_reads", _NotRead())

    @contextmanager
    def change():
        connection.run_on_commit.clear()  # what came before counts as committed
        with django_capture_on_commit_callbacks(execute=True):
            yield

    return change


@pytest.fixture
def visitor(db) -> Client:
    return Client()


def fresh(path: str) -> bytes:
    """The page as rendered now: a visitor with a session cookie is never served from the
    cache."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = "none"
    return client.get(path).content


def assert_shows_the_change(visitor: Client, path: str, before: bytes, text: str) -> None:
    after = visitor.get(path).content
    assert after != before
    assert after == fresh(path)
    assert text in after.decode()


def test_an_admin_save(visitor, committed, editor_client, morocco):
    before = visitor.get(COUNTRY_PAGE).content
    data = country_form(editor_client, morocco)
    data["official_name"] = ["Kingdom of Morocco (the)"]

    with committed():
        assert editor_client.post(change_url(morocco), data).status_code == 302

    assert_shows_the_change(visitor, COUNTRY_PAGE, before, "Kingdom of Morocco (the)")
    assert "Kingdom of Morocco (the)" in visitor.get("/api/countries/MAR/").content.decode()


def test_an_inline_row(visitor, committed, editor_client, morocco):
    year = ForumYearFactory(label="2011", sort_year=2011)
    before = visitor.get(COUNTRY_PAGE).content
    data = country_form(editor_client, morocco)
    add_inline_row(data, "attendances", forum_year=year.pk, attended_summit="on")

    with committed():
        assert editor_client.post(change_url(morocco), data).status_code == 302

    assert_shows_the_change(visitor, COUNTRY_PAGE, before, "2011")


def test_a_bulk_action(visitor, committed, client, staff, morocco):
    year = ForumYearFactory(label="2031", sort_year=2031)
    before = visitor.get("/forum/").content
    assert "2031" in before.decode()
    client.force_login(staff)
    delete = {"action": "delete_selected", "_selected_action": [year.pk], "post": "yes"}

    with committed():
        client.post(reverse("admin:countries_forumyear_changelist"), delete)

    assert_shows_the_change(visitor, "/forum/", before, "Forum years")
    assert "2031" not in visitor.get("/forum/").content.decode()


def test_an_import_through_the_admin(visitor, committed, editor_client, morocco):
    practice = PracticeFactory(slug="visas", title="Visas", countries=[morocco])
    path = practice.get_absolute_url()
    before = visitor.get(path).content
    preview_page = upload(
        editor_client, IMPORT, csv_rows("visas,Visas for all,<p>Text</p>,Ana,,,"), "p.csv"
    )

    with committed():
        confirm(editor_client, PROCESS_IMPORT, preview_page)

    assert_shows_the_change(visitor, path, before, "Visas for all")


def test_a_history_revert(visitor, committed, editor_client, morocco):
    original = morocco.history.latest()
    morocco.official_name = "Edited"
    morocco.save()
    before = visitor.get(COUNTRY_PAGE).content
    assert "Edited" in before.decode()
    revert = reverse("admin:countries_country_simple_history", args=[morocco.pk, original.pk])
    data = form_data(editor_client.get(revert), "historicalcountry_form")

    with committed():
        assert editor_client.post(revert, data).status_code == 302

    assert_shows_the_change(visitor, COUNTRY_PAGE, before, "Kingdom of Morocco")


def test_a_moderation(visitor, committed, moderator_client, morocco):
    practice = PracticeFactory(
        title="Waiting", status=PracticeSubmission.Status.PENDING, countries=[morocco]
    )
    before = visitor.get("/practices/").content
    publish = {"action": "publish_selected", "_selected_action": [practice.pk]}

    with committed():
        moderator_client.post(reverse(CHANGELIST), publish)

    assert_shows_the_change(visitor, "/practices/", before, "Waiting")
    assert "Waiting" in visitor.get(COUNTRY_PAGE).content.decode()
    assert visitor.get(practice.get_absolute_url()).status_code == 200


def test_the_reference_data_loader(visitor, committed):
    before = visitor.get("/countries/").content

    with committed():
        call_command("load_gfmd_data", verbosity=0)

    assert_shows_the_change(visitor, "/countries/", before, "Afghanistan")


@pytest.fixture
def morocco_without_profile(db) -> Country:
    call_command("load_gfmd_data", verbosity=0)
    morocco = Country.objects.get(iso3="MAR")
    for model in (Attendance, RoundtableRole, Contribution):
        model.objects.filter(country=morocco).delete()
    CountryUpdate.objects.all().delete()
    return morocco


def test_import_gfmd_pages(visitor, committed, morocco_without_profile, tmp_path):
    shutil.copy(REFERENCE / "morocco-profile.txt", tmp_path / "morocco.txt")
    before = visitor.get(COUNTRY_PAGE).content

    with committed():
        call_command("import_gfmd_pages", str(tmp_path), "--year", "morocco.txt:106=2019")

    assert_shows_the_change(visitor, COUNTRY_PAGE, before, "Co-Chair")


def test_the_page_reader_confirm(visitor, committed, editor_client, morocco_without_profile):
    before = visitor.get(COUNTRY_PAGE).content
    previewed = preview(editor_client, morocco_without_profile, year_106="2019")

    with committed():
        editor_client.post(url(morocco_without_profile), confirm_data(previewed))

    assert_shows_the_change(visitor, COUNTRY_PAGE, before, "Co-Chair")
