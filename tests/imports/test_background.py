"""Previews and confirms of more than IMPORT_BACKGROUND_ROWS rows run in the worker, with a
status page.

The tasks run in-process (ImmediateBackend), once the request's transaction commits."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from countries.models import Attendance, Contribution, CountryUpdate
from imports.models import ImportJob
from imports.tasks import run_import_job
from tests.factories import UserFactory
from tests.importing import attendance_job, confirm, upload

ATTENDANCE = (
    b"country,forum_year,attended_meeting,attended_summit\nMAR,2011,yes,yes\nTUN,2011,no,yes\n"
)
CONTRIBUTION = b"country,forum_year,amount,currency,earmarked,note\nMAR,2011,50000,USD,no,\n"
PROCESS = "admin:countries_attendance_process_import"


@pytest.fixture
def admin_client(client, staff, settings):
    settings.IMPORT_BACKGROUND_ROWS = 0
    client.force_login(staff)
    return client


def preview_in_worker(client, url_name, content, name, capture):
    """The upload, then the worker's preview of it, then the status page that shows it."""
    with capture(execute=True):
        response = upload(client, url_name, content, name)
    assert response.status_code == 302
    return client.get(response.url)


def confirm_in_worker(client, url_name, preview, capture):
    """The confirm, then the worker's run of the job it queued, then the status page."""
    with capture(execute=True):
        response = confirm(client, url_name, preview)
    assert response.status_code == 302
    return client.get(response.url)


def test_a_large_confirm_is_imported_by_the_worker_and_followed_on_its_page(
    admin_client, world, staff, django_capture_on_commit_callbacks
):
    preview = preview_in_worker(
        admin_client,
        "admin:countries_attendance_import",
        ATTENDANCE,
        "a.csv",
        django_capture_on_commit_callbacks,
    )
    rows = [(row.label, row.status) for row in preview.context["result"].preview()]
    assert rows == [("row 2", "new"), ("row 3", "new")]
    assert b"2 new, 0 updated, 0 unchanged, 0 error" in preview.content
    assert not Attendance.objects.exists()

    page = confirm_in_worker(admin_client, PROCESS, preview, django_capture_on_commit_callbacks)

    job = ImportJob.objects.get(kind="confirm")
    assert (job.state, job.user, job.rows_total, job.file_name) == ("done", staff, 2, "a.csv")
    text = page.content.decode()
    assert "Import finished: 2 new, 0 updated, 0 deleted and 0 skipped attendance." in text
    assert 'http-equiv="refresh"' not in text
    imported = Attendance.objects.get(country=world["MAR"])
    assert imported.history.get().history_user == staff
    assert imported.history.get().history_change_reason == "Imported from a.csv"
    assert LogEntry.objects.filter(user=staff, object_id=str(imported.pk)).exists()
    assert CountryUpdate.objects.count() == 2  # one per country page changed


def test_a_job_still_waiting_shows_rows_done_and_reloads(admin_client, world, staff):
    job = attendance_job(staff, rows_total=10)
    job.count_rows_done(4)

    page = admin_client.get(reverse("admin:countries_attendance_import_job", args=[job.pk]))

    text = page.content.decode()
    assert "Waiting for the worker: a.csv" in text
    assert "4 of 10 rows" in text
    assert '<meta http-equiv="refresh" content="3">' in text


def test_the_job_page_is_only_for_the_user_who_confirmed(admin_client, staff, client):
    job = ImportJob.objects.create(
        kind="preview", user=staff, model="countries.attendance", form_data={}, rows_total=10
    )
    url = reverse("admin:countries_attendance_import_job", args=[job.pk])
    client.force_login(UserFactory(username="ben", is_staff=True, is_superuser=True))

    assert client.get(url).status_code == 404
    other_model = reverse("admin:countries_contribution_import_job", args=[job.pk])
    assert admin_client.get(other_model).status_code == 404


def test_a_job_whose_preview_is_stale_writes_nothing_and_says_so(
    admin_client, world, django_capture_on_commit_callbacks
):
    url = "admin:countries_contribution_import"
    capture = django_capture_on_commit_callbacks
    first = preview_in_worker(admin_client, url, CONTRIBUTION, "c.csv", capture)
    second = preview_in_worker(admin_client, url, CONTRIBUTION, "c.csv", capture)
    process = "admin:countries_contribution_process_import"
    confirm_in_worker(admin_client, process, first, django_capture_on_commit_callbacks)

    page = confirm_in_worker(admin_client, process, second, django_capture_on_commit_callbacks)

    assert ImportJob.objects.filter(kind="confirm").latest("pk").state == "failed"
    text = page.content.decode()
    assert "Nothing was imported: the file has problems." in text
    assert "Someone else imported changes to these rows while you were looking" in text
    assert Contribution.objects.count() == 1
    assert CountryUpdate.objects.count() == 1


def test_a_job_run_after_the_user_lost_the_permission_writes_nothing(
    client, world, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 0
    user = UserFactory(username="cleo", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_attendance", "add_attendance"])
    )
    client.force_login(user)
    capture = django_capture_on_commit_callbacks
    preview = preview_in_worker(
        client, "admin:countries_attendance_import", ATTENDANCE, "a.csv", capture
    )
    with capture(execute=False) as callbacks:
        confirm(client, PROCESS, preview)
    user.user_permissions.clear()

    for callback in callbacks:
        callback()

    job = ImportJob.objects.get(kind="confirm")
    assert job.state == "failed"
    assert job.messages == ["Nothing was imported: you may no longer import these records."]
    assert not Attendance.objects.exists()


def test_a_job_is_run_once(admin_client, world, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    preview = preview_in_worker(
        admin_client, "admin:countries_attendance_import", ATTENDANCE, "a.csv", capture
    )
    confirm_in_worker(admin_client, PROCESS, preview, capture)

    assert run_import_job.call(ImportJob.objects.get(kind="confirm").pk) == "not queued"
    assert Attendance.objects.count() == 2


def test_a_small_file_is_still_previewed_and_imported_in_the_request(admin_client, world, settings):
    settings.IMPORT_BACKGROUND_ROWS = 2
    preview = upload(admin_client, "admin:countries_attendance_import", ATTENDANCE, "a.csv")
    assert preview.status_code == 200

    response = confirm(admin_client, PROCESS, preview)

    assert response.url == reverse("admin:countries_attendance_changelist")
    assert Attendance.objects.count() == 2
    assert not ImportJob.objects.exists()


def test_an_import_tells_its_progress_the_rows_done(world, monkeypatch):
    from countries.resources import AttendanceResource
    from imports import resources
    from imports.formats import CSV

    monkeypatch.setattr(resources, "PROGRESS_ROWS", 1)
    told = []
    dataset = CSV(encoding="utf-8-sig").create_dataset(ATTENDANCE)

    AttendanceResource().import_data(dataset, dry_run=True, progress=told.append)

    assert told == [1, 2]


def test_a_preview_in_the_worker_with_problems_lists_them_and_keeps_no_upload(
    admin_client, world, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.IMPORT_UPLOAD_DIR = str(tmp_path)
    bad = ATTENDANCE + b"XXX,2011,yes,<b>no</b>\n"

    page = preview_in_worker(
        admin_client,
        "admin:countries_attendance_import",
        bad,
        "bad.csv",
        django_capture_on_commit_callbacks,
    )

    text = page.content.decode()
    assert "Nothing will be imported" in text
    assert "row 4: unknown country code &#x27;XXX&#x27;" in text
    assert "&lt;b&gt;no&lt;/b&gt;" in text  # a cell as read, escaped
    assert "confirm_form" not in page.context or page.context["confirm_form"] is None
    assert list(tmp_path.iterdir()) == []


def test_each_user_finds_their_own_jobs_in_the_admin_linked_to_their_status_pages(
    admin_client, staff, editor
):
    mine = attendance_job(staff, state="done")
    someone_elses = attendance_job(editor, file_name="b.csv")
    status_url = reverse("admin:countries_attendance_import_job", args=[mine.pk])

    page = admin_client.get(reverse("admin:imports_importjob_changelist"))

    text = page.content.decode()
    assert f'<a href="{status_url}">a.csv</a>' in text
    assert '<td class="field-records">attendance</td>' in text
    assert '<td class="field-state">done</td>' in text
    assert "b.csv" not in text
    assert "Add import job" not in text
    assert (
        admin_client.get(reverse("admin:imports_importjob_change", args=[mine.pk])).url
        == status_url
    )
    other = reverse("admin:imports_importjob_change", args=[someone_elses.pk])
    assert admin_client.get(other).status_code == 404
    delete = reverse("admin:imports_importjob_delete", args=[mine.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert ImportJob.objects.count() == 2

    editor_client = Client()
    editor_client.force_login(editor)  # an Editor, not a superuser, sees their own
    text = editor_client.get(reverse("admin:imports_importjob_changelist")).content.decode()
    assert "b.csv" in text and "a.csv" not in text
