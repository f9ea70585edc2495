"""A country's "Read a page from the current site" in the admin (gfmd/pages_admin.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from countries.models import (
    Attendance,
    Contribution,
    Country,
    CountryUpdate,
    RoundtableRole,
    ThematicMeetingParticipation,
)
from practices.models import PracticeSubmission
from tests.conftest import staff_in_group
from tests.factories import UserFactory

TEXT = (
    Path(__file__).resolve().parents[1] / "data" / "reference" / "morocco-profile.txt"
).read_text(encoding="utf-8")
PROFILE_MODELS = [Attendance, RoundtableRole, ThematicMeetingParticipation, Contribution]


@pytest.fixture
def morocco(db) -> Country:
    """The reference data without Morocco's profile and practices: the page brings them."""
    call_command("load_gfmd_data", verbosity=0)
    country = Country.objects.get(iso3="MAR")
    for model in PROFILE_MODELS:
        model.objects.filter(country=country).delete()
    PracticeSubmission.objects.all().delete()
    CountryUpdate.objects.all().delete()
    return country


def url(country: Country) -> str:
    return reverse("country_read_page", args=[country.pk])


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in [*PROFILE_MODELS, PracticeSubmission]}


def sections(html: str) -> dict[str, list[tuple[str, str]]]:
    """(line number, status) of each row of each year's section."""
    found = {}
    for key, body in re.findall(
        r'<section class="page-year" id="year-([^"]+)">(.*?)</section>', html, re.S
    ):
        found[key] = re.findall(
            r'<tr class="status-[^"]+">\s*<th scope="row">(\d+)</th>'
            r'.*?<td class="page-status">([^<]+)</td>',
            body,
            re.S,
        )
    return found


def preview(client, country, **data):
    return client.post(url(country), {"text": TEXT, "preview": "Preview", **data})


def confirm_data(response) -> dict[str, str]:
    html = response.content.decode()
    form = re.search(r'<form method="post" class="page-confirm">(.*?)</form>', html, re.S)[1]
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    data.pop("csrfmiddlewaretoken", None)
    data["text"] = TEXT
    data["confirm"] = "Confirm import"
    return data


def test_the_change_page_links_to_it(editor_client, morocco):
    response = editor_client.get(reverse("admin:countries_country_change", args=[morocco.pk]))
    assert f'href="{url(morocco)}"' in response.content.decode()
    page = editor_client.get(url(morocco)).content.decode()
    assert "Read a page from the current site: Morocco" in page
    assert 'name="upload"' in page


def test_the_preview_shows_each_year_with_what_each_line_becomes_and_writes_nothing(
    editor_client, morocco
):
    before = counts()
    response = preview(editor_client, morocco)
    html = response.content.decode()
    assert response.status_code == 200
    found = sections(html)
    # Header facts are unchanged; the years the evidence settles are new.
    assert list(found)[:3] == ["country", "2007", "2008"]
    assert set(status for _n, status in found["country"]) == {"unchanged"}
    assert found["2011"] == [
        ("38", "new"), ("39", "new"), ("42", "new"), ("45", "new"),
        ("48", "new"), ("49", "new"),
    ]  # fmt: skip
    assert "Co-Chair in Thematic Meeting on &quot;Managing Migration for Development" in html
    # 2019's block is open: a chooser, no confirm yet.
    assert "the block&#x27;s year is open" in html
    assert re.search(r'<select name="year_106" id="year_106">\s*<option value="2019">', html)
    assert 'class="page-confirm"' not in html
    assert "Every line was read." in html
    assert counts() == before
    assert CountryUpdate.objects.count() == 0


def test_confirm_writes_with_the_user_in_history_and_one_country_update(
    editor, editor_client, morocco
):
    response = preview(editor_client, morocco, year_106="2019")
    assert 'class="page-confirm"' in response.content.decode()
    last_history = {
        m: m.history.order_by("-pk").values_list("pk", flat=True).first() or 0
        for m in PROFILE_MODELS
    }
    confirmed = editor_client.post(url(morocco), confirm_data(response))
    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("admin:countries_country_change", args=[morocco.pk])

    assert Attendance.objects.filter(country=morocco).count() == 12
    assert RoundtableRole.objects.filter(country=morocco).count() == 21
    assert ThematicMeetingParticipation.objects.filter(country=morocco).count() == 11
    assert Contribution.objects.filter(country=morocco).count() == 5
    assert PracticeSubmission.objects.filter(countries=morocco).count() == 6
    attendance = Attendance.objects.get(country=morocco, forum_year__label="2019")
    assert (attendance.attended_summit, attendance.contribution_recorded) == (True, False)
    history = Attendance.history.filter(pk__gt=last_history[Attendance])
    assert history.count() == 12
    assert {h.history_user for h in history} == {editor}
    assert {h.history_change_reason for h in history} == {
        "Imported from the page of Morocco on the GFMD's current site"
    }
    roles = RoundtableRole.history.filter(pk__gt=last_history[RoundtableRole])
    assert roles.count() == 21
    assert {h.history_user for h in roles} == {editor}
    updates = CountryUpdate.objects.filter(country=morocco)
    assert updates.count() == 1
    assert "2007: added Attended Meeting" in updates.get().summary

    # The same page again: every line unchanged, nothing recorded.
    again = preview(editor_client, morocco, year_106="2019")
    statuses = {status for rows in sections(again.content.decode()).values() for _n, status in rows}
    assert statuses == {"unchanged"}
    editor_client.post(url(morocco), confirm_data(again))
    assert CountryUpdate.objects.filter(country=morocco).count() == 1
    assert Attendance.objects.filter(country=morocco).count() == 12


def test_a_record_that_differs_shows_as_changed(editor_client, morocco):
    call_command("load_gfmd_data", verbosity=0)  # Morocco's profile back
    Attendance.objects.filter(country=morocco, forum_year__label="2009").update(
        attended_prep_meetings=False
    )
    found = sections(preview(editor_client, morocco, year_106="2019").content.decode())
    assert found["2009"][:2] == [("20", "changed"), ("21", "changed")]
    assert {status for _n, status in found["2010"]} == {"unchanged"}


def test_confirm_must_be_the_text_and_years_previewed(editor_client, morocco):
    response = preview(editor_client, morocco, year_106="2019")
    data = confirm_data(response)
    tampered = editor_client.post(url(morocco), {**data, "text": TEXT.replace("Summit", "Summit ")})
    assert tampered.status_code == 400
    other_year = editor_client.post(url(morocco), {**data, "year_106": "2020"})
    assert other_year.status_code == 400
    assert Attendance.objects.filter(country=morocco).count() == 0


def test_a_page_for_another_country_is_refused(editor_client, morocco):
    tunisia = Country.objects.get(iso3="TUN")
    response = preview(editor_client, tunisia)
    assert "The page is for Kingdom of Morocco / Morocco" in response.content.decode()
    assert Attendance.objects.count() == 0


def test_an_uploaded_text_file_reads_as_pasted(editor_client, morocco):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("morocco.txt", TEXT.encode(), content_type="text/plain")
    response = editor_client.post(url(morocco), {"upload": upload, "preview": "Preview"})
    assert "year-2018" in response.content.decode()


def test_without_change_permission_403(client, moderator_client, morocco):
    assert moderator_client.get(url(morocco)).status_code == 403
    assert preview(moderator_client, morocco).status_code == 403
    # Change permission on countries but not on practices, which the page writes: 403.
    user = UserFactory(username="partial", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="countries", codename__startswith="change_"
        ),
        *Permission.objects.filter(
            content_type__app_label="countries", codename__startswith="add_"
        ),
    )
    client.force_login(user)
    assert client.get(url(morocco)).status_code == 200
    assert preview(client, morocco, year_106="2019").status_code == 403
    assert Attendance.objects.count() == 0


def test_a_staff_member_without_a_group_gets_403(client, morocco):
    client.force_login(staff_in_group("nobody", "Editors"))
    assert client.get(url(morocco)).status_code == 200
    client.force_login(UserFactory(username="bare", is_staff=True))
    assert client.get(url(morocco)).status_code == 403


def test_a_cut_off_copy_and_an_unreadable_line_are_shown_with_their_numbers(editor_client, morocco):
    lines = TEXT.splitlines()
    lines.insert(16, "  • Morocco sent a letter of support")  # line 17, in 2008's roles
    cut = "\n".join(lines[:35]) + "\n" + lines[35][:20]  # stops in line 36
    html = editor_client.post(url(morocco), {"text": cut, "preview": "Preview"}).content.decode()
    assert "The copy stops at line 36: it was cut off there." in html
    unread = re.search(r'<section class="page-unread">(.*?)</section>', html, re.S)[1]
    assert re.findall(r'<th scope="row">(\d+)</th><td>([^<]*)</td>', unread) == [
        ("17", "Morocco sent a letter of support"),
        ("36", lines[35][:20].strip()),
    ]
    assert list(sections(html)) == ["country", "2007", "2008", "2009", "2010"]
