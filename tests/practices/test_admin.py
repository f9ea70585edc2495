"""Practices and themes in the admin, as a member of the Editors group."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from countries.models import CountryUpdate
from practices.models import PracticeSubmission, Theme
from tests.admin_forms import form_data
from tests.factories import CountryFactory, PracticeFactory, ThemeFactory

ADD_URL = reverse("admin:practices_practicesubmission_add")


def post_new_practice(client, **fields: object):
    data = form_data(client.get(ADD_URL), "practicesubmission_form")
    data.update(
        {
            "title": ["Migrant resource centres"],
            "slug": ["migrant-resource-centres"],
            "description": ["<p>One-stop shops.</p>"],
            "submitted_by_name": ["Ms. Laurence BRON"],
        }
    )
    for name, value in fields.items():
        data[name] = [str(item) for item in value] if isinstance(value, list) else [str(value)]
    return client.post(ADD_URL, data)


def test_editor_adds_a_practice_with_its_countries_and_themes(editor, editor_client, morocco):
    mali = CountryFactory(name="Mali", iso2="ML", iso3="MLI")
    theme = ThemeFactory(name="Diaspora")

    response = post_new_practice(
        editor_client,
        countries=[morocco.pk, mali.pk],
        themes=[theme.pk],
        submitted_on="2012-03-01",
        status="published",
    )

    assert response.status_code == 302
    practice = PracticeSubmission.objects.get()
    assert set(practice.countries.all()) == {morocco, mali}
    assert list(practice.themes.all()) == [theme]
    assert practice.submitted_on == datetime.date(2012, 3, 1)
    assert {record.history_user for record in practice.history.all()} == {editor}


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param(
            {"start_year": 2015, "end_year": 2010},
            "__all__",
            "The end year cannot come before the start year.",
            id="end-before-start",
        ),
        pytest.param(
            {"slug": "taken"}, "slug", "Practice with this Slug already exists.", id="slug-taken"
        ),
    ],
)
def test_bad_practice_is_refused_with_a_message(editor_client, fields, field, message):
    PracticeFactory(slug="taken")

    response = post_new_practice(editor_client, **fields)

    errors = response.context["adminform"].form.errors
    assert errors[field] == [message]
    assert PracticeSubmission.objects.count() == 1


def test_practice_list_names_the_countries_or_says_global(editor_client, morocco):
    PracticeFactory(title="Moroccan practice", countries=[morocco])
    PracticeFactory(title="Worldwide practice", is_global=True)

    response = editor_client.get(reverse("admin:practices_practicesubmission_changelist"))

    rows = {
        practice.title: response.context["cl"].model_admin.country_list(practice)
        for practice in response.context["cl"].result_list
    }
    assert rows == {"Moroccan practice": "Morocco", "Worldwide practice": "Global"}


def test_theme_list_counts_its_practices(editor_client):
    theme = ThemeFactory(name="Labour mobility")
    PracticeFactory.create_batch(2, themes=[theme])

    response = editor_client.get(reverse("admin:practices_theme_changelist"))

    counts = {listed: listed.practice_count for listed in response.context["cl"].result_list}
    assert counts[theme] == 2
    assert counts[Theme.objects.get(slug="gender")] == 0  # seeded by a data migration


def test_practice_autocomplete_finds_countries_for_editors(editor_client, morocco):
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "practices",
            "model_name": "practicesubmission",
            "field_name": "countries",
            "term": "moro",
        },
    )

    assert [result["text"] for result in response.json()["results"]] == ["Morocco"]


def change_url(practice: PracticeSubmission) -> str:
    return reverse("admin:practices_practicesubmission_change", args=[practice.pk])


def edit(client, practice: PracticeSubmission, **fields: object):
    data = form_data(client.get(change_url(practice)), "practicesubmission_form")
    for name, value in fields.items():
        data[name] = [str(item) for item in value] if isinstance(value, list) else [str(value)]
    return client.post(change_url(practice), data)


def updates() -> list[tuple[str, str, str]]:
    return list(
        CountryUpdate.objects.order_by("country__name").values_list(
            "country__iso3", "summary", "source"
        )
    )


def test_renaming_a_published_practice_records_an_update_on_each_country(
    editor_client, morocco, france
):
    practice = PracticeFactory(title="Diaspora bonds", countries=[morocco, france])

    assert edit(editor_client, practice, title="Diaspora bonds for housing").status_code == 302

    summary = 'Practices: added "Diaspora bonds for housing"\nPractices: removed "Diaspora bonds"'
    assert updates() == [("FRA", summary, "admin"), ("MAR", summary, "admin")]


def test_moving_a_published_practice_updates_the_removed_and_the_added_country(
    editor_client, morocco, france, mexico
):
    practice = PracticeFactory(title="Diaspora bonds", countries=[morocco, france])

    assert edit(editor_client, practice, countries=[france.pk, mexico.pk]).status_code == 302

    assert updates() == [
        ("MEX", 'Practices: added "Diaspora bonds"', "admin"),
        ("MAR", 'Practices: removed "Diaspora bonds"', "admin"),
    ]


@pytest.mark.parametrize(
    "status", [PracticeSubmission.Status.PUBLISHED, PracticeSubmission.Status.PENDING]
)
def test_edits_no_country_page_shows_record_nothing(editor_client, morocco, status):
    practice = PracticeFactory(title="Diaspora bonds", countries=[morocco], status=status)
    changes = {"description": "<p>Rewritten.</p>", "partners": "IOM"}
    if status == PracticeSubmission.Status.PENDING:
        changes["title"] = "Diaspora bonds, revised"  # not shown until published

    assert edit(editor_client, practice, **changes).status_code == 302

    assert updates() == []


def test_reverting_a_practice_records_the_change_on_its_countries(editor_client, morocco):
    practice = PracticeFactory(title="Diaspora bonds", countries=[morocco])
    edit(editor_client, practice, title="Diaspora bond")
    first = practice.history.earliest()
    revert = reverse(
        "admin:practices_practicesubmission_simple_history", args=[practice.pk, first.pk]
    )

    response = editor_client.post(
        revert, form_data(editor_client.get(revert), "historicalpracticesubmission_form")
    )

    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.title == "Diaspora bonds"
    assert list(CountryUpdate.objects.values_list("summary", flat=True)) == [  # newest first
        'Practices: added "Diaspora bonds"\nPractices: removed "Diaspora bond"',
        'Practices: added "Diaspora bond"\nPractices: removed "Diaspora bonds"',
    ]


def test_deleting_a_published_practice_records_its_removal(editor_client, morocco):
    practice = PracticeFactory(title="Diaspora bonds", countries=[morocco])
    delete = reverse("admin:practices_practicesubmission_delete", args=[practice.pk])

    assert editor_client.post(delete, {"post": "yes"}).status_code == 302

    assert not PracticeSubmission.objects.exists()
    assert updates() == [("MAR", 'Practices: removed "Diaspora bonds"', "admin")]
