"""Staff edits in the admin record one country update per country whose page changed."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from countries.models import (
    Attendance,
    Contribution,
    Country,
    CountryUpdate,
    RoundtableRole,
    ThematicMeeting,
)
from countries.profile import countries_shown_with
from tests.admin_forms import add_inline_row, form_data
from tests.concurrency import at_once, meet_before_saving, require_postgres, staff_client
from tests.factories import (
    AttendanceFactory,
    ContributionFactory,
    CountryFactory,
    ForumYearFactory,
    RoundtableFactory,
    RoundtableRoleFactory,
    SubscriptionFactory,
    ThematicMeetingParticipationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_2011(db):
    return ForumYearFactory(label="2011", sort_year=2011)


@pytest.fixture
def rt_1_2(year_2011):
    return RoundtableFactory(forum_year=year_2011, number="1.2", title="Labour mobility")


@pytest.fixture
def tunisia(db):
    return CountryFactory(name="Tunisia", slug="tunisia", iso2="TN", iso3="TUN")


def change_url(obj) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def summaries(country) -> list[str]:
    return list(CountryUpdate.objects.for_country(country).values_list("summary", flat=True))


def test_country_form_with_inlines_is_one_update_and_one_email(
    editor_client, morocco, year_2011, rt_1_2, django_capture_on_commit_callbacks
):
    SubscriptionFactory(country=morocco, email="reader@example.org")
    data = form_data(editor_client.get(change_url(morocco)), "country_form")
    data["official_name"] = ["Kingdom of Morocco (the)"]
    add_inline_row(data, "attendances", forum_year=year_2011.pk, attended_summit="on")
    add_inline_row(
        data, "roundtable_roles", forum_year=year_2011.pk, role="co_chair", roundtable=rt_1_2.pk
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(change_url(morocco), data)

    assert response.status_code == 302
    assert summaries(morocco) == [
        'Official name: "Kingdom of Morocco" changed to "Kingdom of Morocco (the)"\n'
        "2011: added Attended Summit\n"
        '2011: added Co-Chair in RT 1.2 "Labour mobility"'
    ]
    assert CountryUpdate.objects.get().source == CountryUpdate.Source.ADMIN
    [message] = mail.outbox
    assert message.to == ["reader@example.org"]
    assert "2011: added Attended Summit" in message.body


def test_saving_without_a_visible_change_records_nothing(editor_client, morocco):
    AttendanceFactory(country=morocco)
    data = form_data(editor_client.get(change_url(morocco)), "country_form")
    data["region"] = ["Northern Africa, again"]  # not on the page's profile lines

    assert editor_client.post(change_url(morocco), data).status_code == 302
    assert summaries(morocco) == []


def test_roundtable_title_edit_updates_every_country_with_a_role_in_it(
    editor_client, morocco, tunisia, rt_1_2
):
    RoundtableRoleFactory(country=morocco, roundtable=rt_1_2, role="co_chair")
    RoundtableRoleFactory(country=tunisia, roundtable=rt_1_2, role="team_member")
    bystander = CountryFactory()
    AttendanceFactory(country=bystander, forum_year=rt_1_2.forum_year)
    data = form_data(editor_client.get(change_url(rt_1_2)), "roundtable_form")
    data["title"] = ["Labour mobility and skills"]

    assert editor_client.post(change_url(rt_1_2), data).status_code == 302

    assert summaries(morocco) == [
        '2011: added Co-Chair in RT 1.2 "Labour mobility and skills"\n'
        '2011: removed Co-Chair in RT 1.2 "Labour mobility"'
    ]
    assert len(summaries(tunisia)) == 1
    assert summaries(bystander) == []


def test_moving_a_role_to_another_country_updates_both(editor_client, morocco, tunisia, rt_1_2):
    role = RoundtableRoleFactory(country=morocco, roundtable=rt_1_2, role="co_chair")
    data = form_data(editor_client.get(change_url(role)), "roundtablerole_form")
    data["country"] = [str(tunisia.pk)]

    assert editor_client.post(change_url(role), data).status_code == 302

    assert summaries(morocco) == ['2011: removed Co-Chair in RT 1.2 "Labour mobility"']
    assert summaries(tunisia) == ['2011: added Co-Chair in RT 1.2 "Labour mobility"']


def test_new_meeting_with_participants_updates_their_countries(editor_client, morocco, year_2011):
    add = reverse("admin:countries_thematicmeeting_add")
    data = form_data(editor_client.get(add), "thematicmeeting_form")
    data.update({"forum_year": [str(year_2011.pk)], "title": ["Skills"]})
    data.update({"start_date": ["2011-06-14"], "city": ["Rabat"]})
    add_inline_row(data, "participations", country=morocco.pk, role="attended")

    assert editor_client.post(add, data).status_code == 302

    assert ThematicMeeting.objects.get().title == "Skills"
    assert summaries(morocco) == [
        '2011: added Attended Thematic Meeting on "Skills" on 14 June 2011 in Rabat.'
    ]


def test_delete_view_records_the_removal(editor_client, morocco):
    attendance = AttendanceFactory(country=morocco, forum_year__label="2009")
    delete = reverse("admin:countries_attendance_delete", args=[attendance.pk])

    assert editor_client.post(delete, {"post": "yes"}).status_code == 302

    assert not Attendance.objects.exists()
    assert summaries(morocco) == ["2009: removed Attended Summit"]


def test_bulk_delete_records_one_update_per_country(editor_client, morocco, tunisia):
    year = ForumYearFactory(label="2010")
    gone = [
        ContributionFactory(country=morocco, forum_year=year),
        ContributionFactory(country=morocco, forum_year=year, amount=20),
        ContributionFactory(country=tunisia, forum_year=year),
    ]
    changelist = reverse("admin:countries_contribution_changelist")
    data = {
        "action": "delete_selected",
        "_selected_action": [str(c.pk) for c in gone],
        "post": "yes",
    }

    assert editor_client.post(changelist, data).status_code == 302

    assert not Contribution.objects.exists()
    assert summaries(morocco) == [
        "2010: removed USD 50,000 non-earmarked\n2010: removed USD 20 non-earmarked"
    ]
    assert summaries(tunisia) == ["2010: removed USD 50,000 non-earmarked"]


def test_reverting_to_an_earlier_version_records_an_update(editor_client, morocco):
    data = form_data(editor_client.get(change_url(morocco)), "country_form")
    data["name"] = ["Morroco"]
    editor_client.post(change_url(morocco), data)
    first = morocco.history.earliest()
    revert = reverse("admin:countries_country_simple_history", args=[morocco.pk, first.pk])

    response = editor_client.post(
        revert, form_data(editor_client.get(revert), "historicalcountry_form")
    )

    assert response.status_code == 302
    assert summaries(morocco) == [
        'Name: "Morroco" changed to "Morocco"',
        'Name: "Morocco" changed to "Morroco"',
    ]


def test_forum_year_label_change_updates_the_countries_with_records_that_year(
    editor_client, morocco, tunisia, year_2011
):
    AttendanceFactory(country=morocco, forum_year=year_2011)
    ThematicMeetingParticipationFactory(country=tunisia, meeting__forum_year=year_2011)
    data = form_data(editor_client.get(change_url(year_2011)), "forumyear_form")
    data["label"] = ["2011-2012"]

    assert editor_client.post(change_url(year_2011), data).status_code == 302

    assert summaries(morocco) == ["2011-2012: added Attended Summit\n2011: removed Attended Summit"]
    assert len(summaries(tunisia)) == 1


def test_countries_shown_with(morocco, tunisia, rt_1_2):
    role = RoundtableRoleFactory(country=morocco, roundtable=rt_1_2)
    RoundtableRoleFactory(country=tunisia, roundtable=rt_1_2)
    assert countries_shown_with(morocco) == {morocco.pk}
    assert countries_shown_with(role) == {morocco.pk}
    assert countries_shown_with(rt_1_2) == {morocco.pk, tunisia.pk}
    assert countries_shown_with(rt_1_2.forum_year) == {morocco.pk, tunisia.pk}
    assert countries_shown_with(RoundtableRole(roundtable=rt_1_2)) == set()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_saving_the_same_change_at_once_record_one_update(morocco, monkeypatch):
    require_postgres()
    SubscriptionFactory(country=morocco, email="reader@example.org")
    clients = [staff_client("ana"), staff_client("ben")]
    posts = []
    for client in clients:
        data = form_data(client.get(change_url(morocco)), "country_form")
        data["official_name"] = ["Kingdom of Morocco (the)"]
        posts.append(lambda client=client, data=data: client.post(change_url(morocco), data))
    meet_before_saving(monkeypatch, Country, parties=2)

    responses = at_once(*posts)

    assert [response.status_code for response in responses] == [302, 302]
    assert summaries(morocco) == [
        'Official name: "Kingdom of Morocco" changed to "Kingdom of Morocco (the)"'
    ]
    assert len(mail.outbox) == 1
