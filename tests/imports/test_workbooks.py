"""A workbook of several sheets imports through one upload: the whole-profile workbook that a
country's admin page exports comes back in, each sheet by its resource, all or nothing."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from countries.models import Attendance, Contribution, Country, CountryUpdate
from tests import factories
from tests.importing import XLSX_FORMAT, confirm, upload

IMPORT = "admin:countries_country_import"
PROCESS = "admin:countries_country_process_import"


@pytest.fixture
def morocco(world):
    morocco = world["MAR"]
    factories.AttendanceFactory(country=morocco, forum_year=world["2011"], attended_summit=True)
    factories.RoundtableRoleFactory(country=morocco, roundtable__forum_year=world["2011"])
    meeting = factories.ThematicMeetingFactory(forum_year=world["2011"], host_country=morocco)
    factories.ThematicMeetingParticipationFactory(meeting=meeting, country=morocco)
    factories.ContributionFactory(country=morocco, forum_year=world["2012"], note="=risk")
    factories.PracticeFactory(title="Return and reintegration", countries=[morocco])
    return morocco


def exported_profile(client, country: Country) -> openpyxl.Workbook:
    response = client.get(reverse("admin:countries_country_export_profile", args=[country.pk]))
    return openpyxl.load_workbook(io.BytesIO(response.content))


def saved(book: openpyxl.Workbook) -> bytes:
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def test_the_exported_profile_imports_back_unchanged_through_one_upload(editor_client, morocco):
    content = saved(exported_profile(editor_client, morocco))

    preview = upload(editor_client, IMPORT, content, "profile.xlsx", XLSX_FORMAT)

    result = preview.context["result"]
    assert result.error_messages() == []
    assert [title for title, _sheet in result.sheets] == [
        "Country",
        "Attendance",
        "Roundtable roles",
        "Thematic meetings",
        "Thematic participations",
        "Contributions",
        "Practices",
    ]
    assert {row.status for row in result.preview()} == {"unchanged"}
    assert len(result.preview()) == 7
    page = preview.content.decode()
    assert "Sheet &#x27;Attendance&#x27;" in page
    assert "confirm_form" in preview.context

    done = confirm(editor_client, PROCESS, preview)

    assert done.status_code == 302
    assert CountryUpdate.objects.count() == 0


def test_changes_on_several_sheets_are_previewed_then_written_together(editor_client, morocco):
    book = exported_profile(editor_client, morocco)
    attendance = book["Attendance"]
    headers = [cell.value for cell in attendance[1]]
    attendance.cell(row=2, column=headers.index("attended_meeting") + 1, value="yes")
    contributions = book["Contributions"]
    contributions.append(["MAR", "2011", 1000, "EUR", "no", ""])

    preview = upload(editor_client, IMPORT, saved(book), "profile.xlsx", XLSX_FORMAT)

    rows = [(row.label, row.status) for row in preview.context["result"].preview()]
    assert ("Sheet 'Attendance', row 2", "updated") in rows
    assert ("Sheet 'Contributions', row 3", "new") in rows
    assert Contribution.objects.count() == 1

    confirm(editor_client, PROCESS, preview)

    assert Attendance.objects.get().attended_meeting
    assert Contribution.objects.count() == 2
    (update,) = CountryUpdate.objects.all()  # one update for the whole workbook
    assert update.country == morocco


def test_an_invalid_row_on_a_later_sheet_writes_nothing_of_any_sheet(editor_client, morocco):
    book = exported_profile(editor_client, morocco)
    attendance = book["Attendance"]
    headers = [cell.value for cell in attendance[1]]
    attendance.cell(row=2, column=headers.index("attended_meeting") + 1, value="yes")
    book["Contributions"].append([])
    book["Contributions"].append(["MAR", "2011", -5, "EUR", "no", ""])

    preview = upload(editor_client, IMPORT, saved(book), "profile.xlsx", XLSX_FORMAT)

    assert preview.context["result"].error_messages() == [
        "Sheet 'Contributions', row 4: column \"amount\": Ensure this value is greater than or "
        "equal to 0."
    ]
    assert "confirm_form" not in preview.context
    assert not Attendance.objects.get().attended_meeting


def test_an_unexpected_sheet_is_an_error_naming_it(editor_client, morocco):
    book = exported_profile(editor_client, morocco)
    book.create_sheet("Notes").append(["to do", "check 2012"])

    preview = upload(editor_client, IMPORT, saved(book), "profile.xlsx", XLSX_FORMAT)

    (message,) = preview.context["result"].error_messages()
    assert message.startswith("Sheet 'Notes' is not expected in this workbook; its sheets are")
    assert "confirm_form" not in preview.context


def test_a_second_sheet_on_a_one_sheet_page_is_an_error_naming_it(editor_client, world):
    book = openpyxl.Workbook()
    book.active.title = "attendance"
    book.active.append(["country", "forum_year", "attended_summit"])
    book.active.append(["MAR", "2011", "yes"])
    book.create_sheet("more").append(["country", "forum_year", "attended_summit"])
    book["more"].append(["TUN", "2011", "perhaps"])

    preview = upload(
        editor_client, "admin:countries_attendance_import", saved(book), "a.xlsx", XLSX_FORMAT
    )

    assert preview.context["result"].error_messages() == [
        "Sheet 'more' is not expected here: this page imports one sheet of attendance. "
        "Remove the other sheets, or import each on its own page."
    ]
    assert Attendance.objects.count() == 0


def test_a_large_profile_is_previewed_then_imported_by_the_worker_sheet_by_sheet(
    editor_client, morocco, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 0
    book = exported_profile(editor_client, morocco)
    book["Attendance"]["C2"] = "yes"  # attended_meeting
    with django_capture_on_commit_callbacks(execute=True):
        queued = upload(editor_client, IMPORT, saved(book), "profile.xlsx", XLSX_FORMAT)
    preview = editor_client.get(queued.url)

    titles = [title for title, _rows in preview.context["result"].sheets]
    assert titles[:2] == ["Country", "Attendance"]
    assert "1 updated" in preview.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        queued = confirm(editor_client, PROCESS, preview)
    page = editor_client.get(queued.url).content.decode()

    assert "Import finished: 0 new, 1 updated" in page
    assert Attendance.objects.get(country=morocco).attended_meeting
