"""Editing country profiles in the admin, as a member of the Editors group."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from countries.models import (
    Attendance,
    Contribution,
    Country,
    CountryUpdate,
    ForumYear,
    RoundtableRole,
    ThematicMeeting,
    ThematicMeetingParticipation,
)
from tests.admin_forms import FormData, add_inline_row, form_data
from tests.factories import (
    AttendanceFactory,
    ContributionFactory,
    CountryFactory,
    ForumYearFactory,
    RoundtableFactory,
    ThematicMeetingFactory,
)

NON_FIELD = "__all__"
ONE_TARGET = (
    "Give either a roundtable or a session without number; 'No Participation' takes neither."
)


@pytest.fixture
def year_2011(db):
    return ForumYearFactory(label="2011", sort_year=2011)


@pytest.fixture
def rt_1_2(year_2011):
    return RoundtableFactory(
        forum_year=year_2011,
        number="1.2",
        title="Temporary labor migration as a contribution to development",
    )


@pytest.fixture
def marseille(year_2011):
    return ThematicMeetingFactory(
        forum_year=year_2011,
        title="Managing Migration for Development",
        start_date=datetime.date(2011, 6, 14),
        end_date=datetime.date(2011, 6, 15),
        city="Marseille",
    )


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def add_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def country_form(client, country: Country) -> FormData:
    return form_data(client.get(change_url(country)), "country_form")


def inline_formset(response, prefix: str):
    (formset,) = [
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == prefix
    ]
    return formset


def test_editor_saves_a_whole_profile_through_the_country_inlines(
    editor_client, morocco, year_2011, rt_1_2, marseille
):
    data = country_form(editor_client, morocco)
    data["official_name"] = ["Kingdom of Morocco (the)"]
    add_inline_row(data, "attendances", forum_year=year_2011.pk, attended_summit="on")
    add_inline_row(data, "roundtable_roles", forum_year=year_2011.pk, role="co_chair")
    data["roundtable_roles-0-roundtable"] = [str(rt_1_2.pk)]
    add_inline_row(
        data, "roundtable_roles", forum_year=year_2011.pk, role="coordinator", session="the RT"
    )
    add_inline_row(data, "thematic_participations", meeting=marseille.pk, role="co_chair")
    add_inline_row(
        data,
        "contributions",
        forum_year=year_2011.pk,
        amount="50000",
        currency="USD",
        earmarked="no",
    )

    response = editor_client.post(change_url(morocco), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    morocco.refresh_from_db()
    assert morocco.official_name == "Kingdom of Morocco (the)"
    attendance = Attendance.objects.get(country=morocco)
    assert attendance.lines == ["Attended Summit"]
    assert sorted(role.line for role in RoundtableRole.objects.filter(country=morocco)) == [
        'Co-Chair in RT 1.2 "Temporary labor migration as a contribution to development"',
        "Coordinator of the RT",
    ]
    participation = ThematicMeetingParticipation.objects.get(country=morocco)
    assert (participation.meeting, participation.role) == (marseille, "co_chair")
    contribution = Contribution.objects.get(country=morocco)
    assert contribution.line == "USD 50,000 non-earmarked"
    assert morocco.history.count() == 2  # created, then edited: staff can see and revert


def test_country_page_lists_contributions_in_year_order(editor_client, morocco):
    later = ContributionFactory(country=morocco, forum_year=ForumYearFactory(sort_year=2012))
    earlier = ContributionFactory(country=morocco, forum_year=ForumYearFactory(sort_year=2008))

    response = editor_client.get(change_url(morocco))

    formset = inline_formset(response, "contributions")
    assert [form.instance for form in formset.initial_forms] == [earlier, later]


def test_profile_inlines_choose_related_records_without_editing_them(editor_client, morocco):
    ContributionFactory(country=morocco)

    html = editor_client.get(change_url(morocco)).content.decode()

    assert 'id="id_contributions-0-forum_year"' in html
    for link in ("add", "change", "delete", "view"):
        assert f'id="{link}_id_contributions-0-forum_year"' not in html


def test_view_on_site_leads_to_the_public_country_page(editor_client, morocco):
    content_type = ContentType.objects.get_for_model(Country)
    link = reverse("admin:view_on_site", args=[content_type.pk, morocco.pk])

    page = editor_client.get(change_url(morocco)).content.decode()
    response = editor_client.get(link)

    assert f'href="{link}"' in page
    assert response.status_code == 302
    assert response["Location"].endswith("/countries/morocco/")


def test_editor_reverts_a_country_to_an_earlier_version(editor_client, morocco):
    data = country_form(editor_client, morocco)
    data["name"] = ["Morroco"]
    editor_client.post(change_url(morocco), data)
    first = morocco.history.earliest()
    revert_url = reverse("admin:countries_country_simple_history", args=[morocco.pk, first.pk])

    history = editor_client.get(reverse("admin:countries_country_history", args=[morocco.pk]))
    revert_form = editor_client.get(revert_url)
    response = editor_client.post(revert_url, form_data(revert_form, "historicalcountry_form"))

    assert revert_url in history.content.decode()
    assert response.status_code == 302
    morocco.refresh_from_db()
    assert morocco.name == "Morocco"


# Bad input: refused with the message on the field at fault, nothing saved.


def post_new_country(client, **fields: str):
    data = form_data(client.get(add_url(Country)), "country_form")
    data.update(
        {
            "name": ["Atlantis"],
            "slug": ["atlantis"],
            "latitude": ["10"],
            "longitude": ["20"],
            "iso2": ["AT"],
            "iso3": ["ATL"],
        }
    )
    data.update({name: [value] for name, value in fields.items()})
    return client.post(add_url(Country), data)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param(
            {"iso2": "at"}, "iso2", "Enter two capital letters, e.g. MA.", id="iso2-lower"
        ),
        pytest.param(
            {"iso2": "ATL"},
            "iso2",
            "Ensure this value has at most 2 characters (it has 3).",
            id="iso2-long",
        ),
        pytest.param({"iso2": "A"}, "iso2", "Enter two capital letters, e.g. MA.", id="iso2-short"),
        pytest.param(
            {"iso3": "atl"}, "iso3", "Enter three capital letters, e.g. MAR.", id="iso3-lower"
        ),
        pytest.param(
            {"iso3": "AT"}, "iso3", "Enter three capital letters, e.g. MAR.", id="iso3-short"
        ),
        pytest.param(
            {"iso2": "MA"}, "iso2", "Country with this ISO2 code already exists.", id="iso2-taken"
        ),
        pytest.param(
            {"iso3": "MAR"}, "iso3", "Country with this ISO3 code already exists.", id="iso3-taken"
        ),
        pytest.param(
            {"slug": "morocco"}, "slug", "Country with this Slug already exists.", id="slug-taken"
        ),
        pytest.param(
            {"latitude": "91"}, "latitude", "A latitude lies between -90 and 90.", id="latitude"
        ),
        pytest.param(
            {"longitude": "-180.5"},
            "longitude",
            "A longitude lies between -180 and 180.",
            id="longitude",
        ),
    ],
)
def test_bad_country_codes_are_refused_on_their_field(
    editor_client, morocco, fields, field, message
):
    response = post_new_country(editor_client, **fields)

    errors = response.context["adminform"].form.errors
    assert message in errors[field]
    assert NON_FIELD not in errors
    assert list(Country.objects.all()) == [morocco]


def test_a_valid_new_country_is_saved(editor_client):
    response = post_new_country(editor_client)

    assert response.status_code == 302
    assert Country.objects.get().iso3 == "ATL"


THE_ROUNDTABLE = "the 2011 roundtable"  # stands for rt_1_2's pk in the rows below


@pytest.mark.parametrize(
    ("prefix", "row", "field", "message"),
    [
        pytest.param(
            "contributions",
            {"amount": "-5", "currency": "USD"},
            "amount",
            "Ensure this value is greater than or equal to 0.",
            id="negative-amount",
        ),
        pytest.param(
            "contributions",
            {"amount": "100", "currency": ""},
            "currency",
            "An amount needs a currency code.",
            id="amount-without-currency",
        ),
        pytest.param(
            "contributions",
            {"amount": "100", "currency": "usd"},
            "currency",
            "Enter an ISO 4217 currency code of three capital letters, e.g. USD.",
            id="lowercase-currency",
        ),
        pytest.param(
            "contributions",
            {"note": ""},
            NON_FIELD,
            "Give an amount, a note, or both.",
            id="neither-amount-nor-note",
        ),
        pytest.param(
            "roundtable_roles",
            {"role": "co_chair"},
            NON_FIELD,
            ONE_TARGET,
            id="role-without-target",
        ),
        pytest.param(
            "roundtable_roles",
            {"role": "co_chair", "session": "Meeting", "roundtable": THE_ROUNDTABLE},
            NON_FIELD,
            ONE_TARGET,
            id="role-with-two-targets",
        ),
        pytest.param(
            "roundtable_roles",
            {"role": "no_participation", "roundtable": THE_ROUNDTABLE},
            NON_FIELD,
            ONE_TARGET,
            id="no-participation-in-a-roundtable",
        ),
    ],
)
def test_bad_profile_rows_are_refused_in_the_country_inlines(
    editor_client, morocco, year_2011, rt_1_2, prefix, row, field, message
):
    data = country_form(editor_client, morocco)
    data["official_name"] = ["Changed"]
    row = {name: rt_1_2.pk if value == THE_ROUNDTABLE else value for name, value in row.items()}
    add_inline_row(data, prefix, forum_year=year_2011.pk, **row)

    response = editor_client.post(change_url(morocco), data)

    assert response.status_code == 200
    assert inline_formset(response, prefix).errors[0][field] == [message]
    morocco.refresh_from_db()
    assert morocco.official_name == "Kingdom of Morocco"
    assert not Contribution.objects.exists()
    assert not RoundtableRole.objects.exists()


def test_role_in_a_roundtable_of_another_year_is_refused_on_the_roundtable(
    editor_client, morocco, rt_1_2
):
    other_year = ForumYearFactory(label="2012", sort_year=2012)
    data = country_form(editor_client, morocco)
    add_inline_row(
        data, "roundtable_roles", forum_year=other_year.pk, role="co_chair", roundtable=rt_1_2.pk
    )

    response = editor_client.post(change_url(morocco), data)

    errors = inline_formset(response, "roundtable_roles").errors[0]
    assert errors["roundtable"] == ["Choose a roundtable of the same forum year."]
    assert not RoundtableRole.objects.exists()


def test_second_attendance_for_a_year_is_refused(editor_client, morocco, year_2011):
    AttendanceFactory(country=morocco, forum_year=year_2011)
    data = country_form(editor_client, morocco)
    add_inline_row(data, "attendances", forum_year=year_2011.pk, attended_meeting="on")

    response = editor_client.post(change_url(morocco), data)

    formset = inline_formset(response, "attendances")
    assert formset.errors[1][NON_FIELD] == ["Please correct the duplicate values below."]
    assert formset.non_form_errors() == ["Please correct the duplicate data for forum_year."]
    assert Attendance.objects.count() == 1


def test_second_attendance_for_a_year_is_refused_in_the_attendance_admin(
    editor_client, morocco, year_2011
):
    AttendanceFactory(country=morocco, forum_year=year_2011)
    data = form_data(editor_client.get(add_url(Attendance)), "attendance_form")
    data.update({"country": [str(morocco.pk)], "forum_year": [str(year_2011.pk)]})

    response = editor_client.post(add_url(Attendance), data)

    errors = response.context["adminform"].form.errors
    assert errors[NON_FIELD] == ["This country already has attendance for that year."]
    assert Attendance.objects.count() == 1


def post_new_meeting(client, forum_year: ForumYear, **fields: str):
    data = form_data(client.get(add_url(ThematicMeeting)), "thematicmeeting_form")
    data.update({"forum_year": [str(forum_year.pk)], "title": ["Workshop"]})
    data.update({name: [value] for name, value in fields.items()})
    return client.post(add_url(ThematicMeeting), data)


@pytest.mark.parametrize(
    ("dates", "field", "message"),
    [
        pytest.param(
            {"start_date": "2011-06-15", "end_date": "2011-06-14"},
            "end_date",
            "The meeting cannot end before it starts.",
            id="end-before-start",
        ),
        pytest.param(
            {"end_date": "2011-06-14"},
            "start_date",
            "Give the start date as well as the end date.",
            id="end-without-start",
        ),
    ],
)
def test_meeting_dates_out_of_order_are_refused_on_their_field(
    editor_client, year_2011, dates, field, message
):
    response = post_new_meeting(editor_client, year_2011, **dates)

    assert response.context["adminform"].form.errors[field] == [message]
    assert not ThematicMeeting.objects.exists()


def test_meeting_is_saved_with_its_countries(editor_client, year_2011, morocco):
    data = form_data(editor_client.get(add_url(ThematicMeeting)), "thematicmeeting_form")
    data.update({"forum_year": [str(year_2011.pk)], "title": ["Workshop"]})
    data.update({"start_date": ["2011-06-14"], "end_date": ["2011-06-15"]})
    add_inline_row(data, "participations", country=morocco.pk, role="attended")

    response = editor_client.post(add_url(ThematicMeeting), data)

    assert response.status_code == 302
    meeting = ThematicMeeting.objects.get()
    assert [(p.country, p.role) for p in meeting.participations.all()] == [(morocco, "attended")]


def test_summit_ending_before_it_starts_is_refused_on_the_end_date(editor_client, morocco):
    data = form_data(editor_client.get(add_url(ForumYear)), "forumyear_form")
    data.update({"label": ["2011"], "sort_year": ["2011"], "chairs": [str(morocco.pk)]})
    data.update({"summit_start": ["2011-12-01"], "summit_end": ["2011-11-30"]})

    response = editor_client.post(add_url(ForumYear), data)

    errors = response.context["adminform"].form.errors
    assert errors["summit_end"] == ["The summit cannot end before it starts."]
    assert not ForumYear.objects.exists()


@pytest.mark.parametrize(
    ("model_name", "field_name", "term", "expected"),
    [
        ("contribution", "country", "moroc", "Morocco"),
        ("contribution", "forum_year", "2011", "2011"),
        ("roundtablerole", "roundtable", "labor", "2011 RT 1.2: Temporary labor migration"),
        ("thematicmeetingparticipation", "meeting", "managing", "2011: Managing Migration"),
    ],
)
def test_editor_finds_related_objects_by_autocomplete(
    editor_client, morocco, rt_1_2, marseille, model_name, field_name, term, expected
):
    CountryFactory(name="Mali", iso2="ML", iso3="MLI")

    response = editor_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "countries",
            "model_name": model_name,
            "field_name": field_name,
            "term": term,
        },
    )

    results = [result["text"] for result in response.json()["results"]]
    assert len(results) == 1
    assert results[0].startswith(expected)


def test_contribution_amount_is_kept_exactly(editor_client, morocco, year_2011):
    data = country_form(editor_client, morocco)
    add_inline_row(
        data, "contributions", forum_year=year_2011.pk, amount="48342.50", currency="USD"
    )

    editor_client.post(change_url(morocco), data)

    assert Contribution.objects.get().amount == Decimal("48342.50")


def test_editor_takes_a_years_contribution_off_the_record_in_the_inline(
    editor_client, client, morocco, year_2011
):
    attendance = AttendanceFactory(country=morocco, forum_year=year_2011)
    data = country_form(editor_client, morocco)
    assert data.pop("attendances-0-contribution_recorded") == ["on"]  # on record by default

    response = editor_client.post(change_url(morocco), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    attendance.refresh_from_db()
    assert attendance.contribution_recorded is False
    assert CountryUpdate.objects.get(country=morocco).summary == (
        "2011: removed No Financial Contribution"
    )
    page = client.get(morocco.get_absolute_url()).content.decode()
    assert "Financial Contribution</h3>" not in page
    assert "2011: removed No Financial Contribution" in page  # its recent updates
