from __future__ import annotations

import pytest

from countries.models import CountryUpdate
from practices.models import PracticeSubmission
from practices.resources import PracticeResource
from tests.factories import PracticeFactory, ThemeFactory
from tests.importing import run_import

pytestmark = pytest.mark.django_db

HEADER = (
    "slug,title,description,countries,themes,submitted_by_name,status,published_on,"
    "start_year,end_year\n"
)


@pytest.fixture
def theme(db):
    return ThemeFactory(name="Labour migration", slug="labour-migration")


def test_practices_are_imported_with_their_countries_themes_and_history(world, theme, staff):
    content = (
        HEADER + "skills,Skills partnerships,<p>Text</p>,MAR; tun,labour-migration,Ana,"
        "Published,2020-06-01,2019,2021\n"
        "pending-one,A pending practice,<p>Text</p>,,,Ana,Pending moderation,,,\n"
    ).encode()

    preview, _confirmed = run_import(PracticeResource, content, user=staff)

    assert [row.status for row in preview.preview()] == ["new", "new"]
    assert "MAR; TUN" in preview.preview()[0].cells[3]  # the links show before they exist
    practice = PracticeSubmission.objects.get(slug="skills")
    assert set(practice.countries.values_list("iso3", flat=True)) == {"MAR", "TUN"}
    assert list(practice.themes.all()) == [theme]
    record = practice.history.get()
    assert (record.history_type, record.history_user) == ("+", staff)
    assert record.history_change_reason == "Imported from upload"
    assert {link.country.iso3 for link in record.countries.all()} == {"MAR", "TUN"}
    assert set(CountryUpdate.objects.values_list("summary", flat=True)) == {
        'Practices: added "Skills partnerships"'
    }


def test_an_update_replaces_the_links_and_keeps_the_old_version(world, theme, staff):
    practice = PracticeFactory(slug="skills", title="Skills", countries=[world["MAR"]])
    content = (
        HEADER + "skills,Skills,<p>A description of the practice.</p>,TUN,labour-migration,"
        "Ms. Laurence BRON,Published,2020-06-01,,\n"
    ).encode()

    preview, _confirmed = run_import(PracticeResource, content, user=staff)

    assert [row.status for row in preview.preview()] == ["updated"]
    assert list(practice.countries.values_list("iso3", flat=True)) == ["TUN"]
    latest = practice.history.latest()
    assert latest.history_type == "~"
    assert [link.country.iso3 for link in latest.countries.all()] == ["TUN"]
    summaries = dict(CountryUpdate.objects.values_list("country__iso3", "summary"))
    assert summaries == {
        "MAR": 'Practices: removed "Skills"',
        "TUN": 'Practices: added "Skills"',
    }


def test_an_import_taking_a_practice_offline_records_its_removal(world, theme, staff):
    PracticeFactory(slug="skills", title="Skills", countries=[world["MAR"], world["TUN"]])
    content = (
        HEADER + "skills,Skills,<p>A description of the practice.</p>,MAR;TUN,labour-migration,"
        "Ms. Laurence BRON,Pending moderation,,,\n"
    ).encode()

    run_import(PracticeResource, content, user=staff)

    assert sorted(CountryUpdate.objects.values_list("country__iso3", "summary")) == [
        ("MAR", 'Practices: removed "Skills"'),
        ("TUN", 'Practices: removed "Skills"'),
    ]


def test_unknown_countries_and_themes_are_named(world):
    content = (HEADER + "x,X,<p>x</p>,MAR;XXX;YYY,nothing,Ana,Pending moderation,,,\n").encode()

    preview, _confirmed = run_import(PracticeResource, content)

    assert preview.error_messages() == [
        "row 2: unknown country code 'XXX', 'YYY'",
        "row 2: unknown theme 'nothing'",
    ]


def test_a_broken_rule_in_a_bulk_import_names_its_row_and_writes_nothing(world, theme):
    content = (
        HEADER + "a,A,<p>x</p>,MAR,,Ana,Pending moderation,,2019,2020\n"
        "b,B,<p>x</p>,MAR,,Ana,Pending moderation,,2021,2020\n"
    ).encode()

    preview, _confirmed = run_import(PracticeResource, content)

    assert preview.error_messages() == ["row 3: The end year cannot come before the start year."]
    assert not PracticeSubmission.objects.exists()
    assert not PracticeSubmission.history.exists()


def test_imported_descriptions_are_sanitised_like_the_form(staff):
    payload = (
        '<p onclick=""steal()"">Hi<script>alert(1)</script><a href=""javascript:x()"">go</a></p>'
    )
    content = (HEADER + f'xss,XSS attempt,"{payload}",,,Ana,Pending moderation,,,\n').encode()

    _preview, confirmed = run_import(PracticeResource, content, user=staff)

    assert confirmed is not None
    description = PracticeSubmission.objects.get(slug="xss").description
    assert description.startswith("<p>Hi")
    for harmful in ("script", "onclick", "javascript:"):
        assert harmful not in description
