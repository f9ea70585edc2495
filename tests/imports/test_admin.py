"""Import, export, history and restore through the admin pages, as staff use them."""

from __future__ import annotations

import datetime
import io
import os
import time

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from countries.models import Attendance, Contribution, CountryUpdate
from imports.models import ImportJob
from tests.admin_forms import form_values
from tests.concurrency import at_once, meet_before_saving, require_postgres, staff_client
from tests.factories import (
    AttendanceFactory,
    ContributionFactory,
    PracticeFactory,
    RoundtableRoleFactory,
)
from tests.importing import CSV_FORMAT, DATA, XLSX_FORMAT, attendance_job, confirm, upload

ATTENDANCE = "country,forum_year,attended_meeting,attended_prep_meetings,attended_summit\n"


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


def test_an_upload_is_previewed_then_imported_on_confirm(admin_client, world, staff):
    AttendanceFactory(country=world["TUN"], forum_year=world["2011"], attended_summit=True)
    content = (ATTENDANCE + "MAR,2011,yes,no,yes\nTUN,2011,no,no,yes\n").encode()

    preview = upload(admin_client, "admin:countries_attendance_import", content, "a.csv")

    assert preview.status_code == 200
    rows = [(row.label, row.status) for row in preview.context["result"].preview()]
    assert rows == [("row 2", "new"), ("row 3", "unchanged")]
    assert b"1 new, 0 updated, 1 unchanged, 0 error" in preview.content
    assert Attendance.objects.count() == 1

    done = confirm(admin_client, "admin:countries_attendance_process_import", preview)

    assert done.status_code == 302
    imported = Attendance.objects.get(country=world["MAR"])
    assert imported.history.get().history_user == staff
    assert imported.history.get().history_change_reason == "Imported from a.csv"
    assert LogEntry.objects.filter(user=staff, object_id=str(imported.pk)).exists()
    update = CountryUpdate.objects.get()
    assert (update.country, update.source) == (world["MAR"], CountryUpdate.Source.IMPORT)
    assert update.summary == "2011: added Attended Meeting\n2011: added Attended Summit"


@pytest.mark.parametrize(
    ("file_name", "file_format", "message"),
    [
        ("bad_country_code.csv", CSV_FORMAT, "row 4: unknown country code &#x27;MRC&#x27;"),
        ("missing_column.csv", CSV_FORMAT, "The file has no column &quot;forum_year&quot;"),
        ("duplicate_row.csv", CSV_FORMAT, "row 4: repeats row 2 (same country, forum_year)"),
        ("empty.csv", CSV_FORMAT, "The submitted file is empty."),
        ("binary_renamed.csv", CSV_FORMAT, "This file is not text in UTF-8"),
        ("bad_country_code.csv", XLSX_FORMAT, "This file is not an XLSX workbook."),
    ],
)
def test_a_bad_upload_shows_one_clear_message_and_no_confirm_button(
    admin_client, world, file_name, file_format, message
):
    content = (DATA / file_name).read_bytes()

    response = upload(
        admin_client, "admin:countries_attendance_import", content, file_name, file_format
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert "confirm_form" not in response.context
    assert Attendance.objects.count() == 0


def test_an_oversized_upload_is_refused_by_the_form(admin_client, world, settings):
    settings.IMPORT_MAX_FILE_SIZE = 1_000
    content = (ATTENDANCE + "MAR,2011,yes,no,yes\n" * 100).encode()

    response = upload(admin_client, "admin:countries_attendance_import", content, "big.csv")

    assert response.context["form"].errors["import_file"] == [
        "The file is 2.0\xa0KB; the most that can be imported at once is 1000\xa0bytes."
    ]
    assert Attendance.objects.count() == 0


def test_a_confirm_that_finds_a_changed_database_writes_nothing(admin_client, world):
    """Between preview and confirm the file is read again and the database may have changed:
    row 2 is now invalid, row 3 still valid. Nothing may be written, and no success shown."""
    content = (ATTENDANCE + "MAR,2011,yes,no,yes\nTUN,2011,yes,no,yes\n").encode()
    preview = upload(admin_client, "admin:countries_attendance_import", content, "a.csv")
    world["MAR"].iso3 = "MRC"  # meanwhile, someone edits the country's code
    world["MAR"].save()

    response = confirm(admin_client, "admin:countries_attendance_process_import", preview)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "row 2: unknown country code &#x27;MAR&#x27;" in page
    assert Attendance.objects.count() == 0
    assert CountryUpdate.objects.count() == 0


def test_the_admin_export_escapes_formulas(admin_client, world):
    ContributionFactory(country=world["MAR"], forum_year=world["2011"], note="=1+1")
    page = admin_client.get(reverse("admin:countries_contribution_export"))
    values = form_values(page.context["form"]) | {"format": CSV_FORMAT}

    response = admin_client.post(reverse("admin:countries_contribution_export"), values)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert b"'=1+1" in response.content


def test_the_country_page_exports_the_whole_profile_as_one_workbook(admin_client, world):
    morocco = world["MAR"]
    AttendanceFactory(country=morocco, forum_year=world["2011"])
    RoundtableRoleFactory(country=morocco, roundtable__forum_year=world["2011"])
    ContributionFactory(country=morocco, forum_year=world["2012"], note="@risk")
    PracticeFactory(title="Return and reintegration", countries=[morocco])
    PracticeFactory(title="Someone else's practice", countries=[world["TUN"]])
    change_page = admin_client.get(reverse("admin:countries_country_change", args=[morocco.pk]))
    url = reverse("admin:countries_country_export_profile", args=[morocco.pk])
    assert f'href="{url}"' in change_page.content.decode()

    response = admin_client.get(url)

    assert response.status_code == 200
    assert 'filename="gfmd-profile-morocco-' in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Country",
        "Attendance",
        "Roundtable roles",
        "Thematic meetings",
        "Thematic participations",
        "Contributions",
        "Practices",
    ]

    def rows(sheet: str) -> list[tuple]:
        return list(book[sheet].iter_rows(min_row=2, values_only=True))

    assert [row[0] for row in rows("Country")] == ["MAR"]
    assert [row[:2] for row in rows("Attendance")] == [("MAR", "2011")]
    assert len(rows("Roundtable roles")) == 1
    assert rows("Thematic participations") == []
    contribution = rows("Contributions")[0]
    assert contribution[-1] == "'@risk"
    assert contribution[2] == 50000
    assert [row[1] for row in rows("Practices")] == ["Return and reintegration"]


def test_staff_see_old_and_new_values_and_can_restore_a_version(admin_client, world):
    attendance = AttendanceFactory(
        country=world["MAR"], forum_year=world["2011"], attended_summit=True
    )
    content = (ATTENDANCE + "MAR,2011,yes,yes,no\n").encode()
    preview = upload(admin_client, "admin:countries_attendance_import", content, "a.csv")
    confirm(admin_client, "admin:countries_attendance_process_import", preview)
    attendance.refresh_from_db()
    assert not attendance.attended_summit
    history_url = reverse("admin:countries_attendance_history", args=[attendance.pk])

    history = admin_client.get(history_url).content.decode()

    assert "Imported from a.csv" in history
    assert "attended summit" in history.lower()
    first = attendance.history.earliest()
    revert_url = reverse(
        "admin:countries_attendance_simple_history", args=[attendance.pk, first.history_id]
    )
    form = admin_client.get(revert_url).context["adminform"].form
    response = admin_client.post(revert_url, form_values(form) | {"_save": "Save"})

    assert response.status_code == 302
    attendance.refresh_from_db()
    assert attendance.attended_summit and not attendance.attended_meeting
    assert attendance.history.count() == 3


CONTRIBUTION = b"country,forum_year,amount,currency,earmarked,note\nMAR,2011,50000,USD,no,\n"


def test_a_confirm_after_someone_else_imported_the_same_rows_writes_nothing(admin_client, world):
    """Two previews of the same file; the first confirm writes it, the second would now
    find the row there ("unchanged", not "new" as its preview said): refused, said so."""
    url = "admin:countries_contribution_import"
    first = upload(admin_client, url, CONTRIBUTION, "c.csv")
    second = upload(admin_client, url, CONTRIBUTION, "c.csv")
    confirm(admin_client, "admin:countries_contribution_process_import", first)
    assert Contribution.objects.count() == 1

    response = confirm(admin_client, "admin:countries_contribution_process_import", second)

    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Someone else imported changes to these rows while you were looking at the preview" in page
    )
    assert Contribution.objects.count() == 1
    assert CountryUpdate.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_confirming_the_same_file_at_once_write_it_once(world, monkeypatch):
    require_postgres()
    clients = [staff_client("ana"), staff_client("ben")]
    previews = [
        upload(client, "admin:countries_contribution_import", CONTRIBUTION, "c.csv")
        for client in clients
    ]
    meet_before_saving(monkeypatch, Contribution, parties=2)

    responses = at_once(
        *[
            lambda client=client, preview=preview: confirm(
                client, "admin:countries_contribution_process_import", preview
            )
            for client, preview in zip(clients, previews, strict=True)
        ]
    )

    assert sorted(response.status_code for response in responses) == [200, 302]
    loser = next(response for response in responses if response.status_code == 200)
    assert "Someone else imported changes to these rows" in loser.content.decode()
    assert Contribution.objects.count() == 1
    assert Contribution.history.count() == 1
    assert CountryUpdate.objects.count() == 1


def test_a_preview_with_problems_keeps_no_upload(admin_client, world, settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = str(tmp_path)
    bad = ATTENDANCE.encode() + b"XXX,2011,yes,no,yes\n"

    upload(admin_client, "admin:countries_attendance_import", bad, "bad.csv")

    assert list(tmp_path.iterdir()) == []


def test_an_unconfirmed_upload_is_swept_after_the_age_limit(
    admin_client, world, settings, tmp_path, staff
):
    settings.IMPORT_UPLOAD_DIR = str(tmp_path)
    settings.IMPORT_UPLOAD_MAX_AGE_HOURS = 6
    url = "admin:countries_attendance_import"
    good = ATTENDANCE.encode() + b"MAR,2011,yes,no,yes\n"
    preview = upload(admin_client, url, good, "a.csv")
    (kept,) = tmp_path.iterdir()
    seven_hours_ago = time.time() - 7 * 3600
    os.utime(kept, (seven_hours_ago, seven_hours_ago))

    old_job = attendance_job(staff, state="done")
    ImportJob.objects.filter(pk=old_job.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=31)
    )

    upload(admin_client, url, good, "again.csv")  # a new upload sweeps the old ones

    assert not kept.exists()
    assert not ImportJob.objects.filter(pk=old_job.pk).exists()  # finished 31 days ago
    assert len(list(tmp_path.iterdir())) == 1
    response = confirm(admin_client, "admin:countries_attendance_process_import", preview)
    assert response.status_code == 302
    assert Attendance.objects.count() == 0
    assert "This preview is too old" in str(next(iter(get_messages(response.wsgi_request))))


def test_the_sweep_command_deletes_only_old_uploads_and_old_finished_jobs(
    settings, tmp_path, staff
):
    settings.IMPORT_UPLOAD_DIR = str(tmp_path)
    old, recent = tmp_path / "upload-old", tmp_path / "upload-recent"
    old.write_text("x")
    recent.write_text("y")
    os.utime(old, (time.time() - 3 * 3600,) * 2)
    jobs = {state: attendance_job(staff, state=state) for state in ("done", "failed", "running")}
    recent_job = attendance_job(staff, state="interrupted")
    eleven_days_ago = timezone.now() - datetime.timedelta(days=11)
    ImportJob.objects.filter(pk__in=[job.pk for job in jobs.values()]).update(
        updated_at=eleven_days_ago
    )
    output = io.StringIO()

    call_command("sweep_import_uploads", "--hours", "2", "--job-days", "10", stdout=output)

    assert (old.exists(), recent.exists()) == (False, True)
    left = set(ImportJob.objects.values_list("pk", flat=True))
    assert left == {jobs["running"].pk, recent_job.pk}  # a running job is never swept
    assert "Deleted 1 old import upload(s) and 2 finished import job(s)." in output.getvalue()


def test_a_long_preview_shows_its_first_rows_but_counts_and_problems_for_all(
    admin_client, world, monkeypatch
):
    monkeypatch.setattr("imports.results.PREVIEW_ROWS", 3)
    monkeypatch.setattr("imports.resources.PREVIEW_ROWS", 3)
    rows = "".join(f"MAR,2011,{1000 + n},USD,no,\n" for n in range(5))
    content = b"country,forum_year,amount,currency,earmarked,note\n" + rows.encode()
    content += b"MAR,2011,-1,USD,no,\n"

    preview = upload(admin_client, "admin:countries_contribution_import", content, "c.csv")

    result = preview.context["result"]
    assert [row.label for row in result.preview()] == ["row 2", "row 3", "row 4"]
    assert result.counts() == {"new": 5, "updated": 0, "unchanged": 0, "error": 1}
    page = preview.content.decode()
    assert "The table shows the first 3 of 6 rows" in page
    assert (
        "row 7: column &quot;amount&quot;: Ensure this value is greater than or equal to 0." in page
    )


def test_the_admin_xlsx_export_keeps_numbers_as_numbers(admin_client, world):
    """Without the library's global BINARY_FORMATS: our XLSX says it is binary."""
    from import_export.formats import base_formats

    from imports.formats import XLSX

    assert XLSX not in base_formats.BINARY_FORMATS
    ContributionFactory(country=world["MAR"], forum_year=world["2011"], amount=1234.5)
    page = admin_client.get(reverse("admin:countries_contribution_export"))
    values = form_values(page.context["form"]) | {"format": XLSX_FORMAT}

    response = admin_client.post(reverse("admin:countries_contribution_export"), values)

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers = [cell.value for cell in sheet[1]]
    assert sheet.cell(row=2, column=headers.index("amount") + 1).value == 1234.5
