"""A background import whose worker dies (killed, or the database restarted under it) wrote
nothing, its transaction rolled back; its status page says so instead of "reading the file"
for ever, and offers to start it again.

The worker holds its job's advisory lock while it runs it; a running job whose lock is free
has lost its worker (PostgreSQL only)."""

from __future__ import annotations

import subprocess
import sys
import threading

import psycopg2
import pytest
from django.contrib import admin
from django.db import connection
from django.urls import reverse

from countries.models import Attendance
from imports import models as import_models
from imports.models import WORKER_LOCK_NAMESPACE, ImportJob
from imports.resources import IMPORT_LOCK_NAMESPACE, import_lock_key
from imports.tasks import run_import_job
from tests.importing import attendance_job, confirm, upload
from tests.processes import (
    BASE_DIR,
    enqueue_in_database,
    require_postgres,
    subprocess_env,
    wait_until,
)

ATTENDANCE = (
    b"country,forum_year,attended_meeting,attended_summit\nMAR,2011,yes,yes\nTUN,2011,no,yes\n"
)


@pytest.fixture
def admin_client(client, staff, settings, tmp_path):
    settings.IMPORT_BACKGROUND_ROWS = 0
    settings.IMPORT_UPLOAD_DIR = str(tmp_path)
    client.force_login(staff)
    return client


def other_session():
    """A second connection to the test database, as a worker's would be."""
    db = connection.settings_dict
    return psycopg2.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
    )


def status_page(client, job: ImportJob) -> str:
    return client.get(
        reverse("admin:countries_attendance_import_job", args=[job.pk])
    ).content.decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_running_job_is_running_while_its_worker_holds_it_and_stopped_once_it_is_gone(
    admin_client, staff
):
    require_postgres()
    job = attendance_job(staff, state="running")
    worker = other_session()
    worker.autocommit = True
    with worker.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [WORKER_LOCK_NAMESPACE, job.pk])

    text = status_page(admin_client, job)
    assert "Reading the file: a.csv" in text
    assert 'http-equiv="refresh"' in text

    worker.close()  # the worker's connection ends, and its lock with it
    text = status_page(admin_client, job)

    job.refresh_from_db()
    assert job.state == "interrupted"
    assert "Stopped before the end: a.csv" in text
    assert "The worker stopped before the end (it was restarted, or lost the database)" in text
    assert ">Start again</button>" in text
    assert 'http-equiv="refresh"' not in text


def test_starting_an_interrupted_job_again_runs_it_once(
    admin_client, staff, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the preview, by the worker
        job_page = upload(admin_client, "admin:countries_attendance_import", ATTENDANCE, "a.csv")
    preview = admin_client.get(job_page.url)
    with django_capture_on_commit_callbacks(execute=False):  # queued, and the worker dies
        job_url = confirm(admin_client, "admin:countries_attendance_process_import", preview).url
    job = ImportJob.objects.get(kind="confirm")
    ImportJob.objects.filter(pk=job.pk).update(state="interrupted")

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = admin_client.post(job_url)
        admin_client.post(job_url)  # a second click: the job is no longer interrupted

    assert response.status_code == 302 and response.url == job_url
    assert len(queued) == 1
    job.refresh_from_db()
    assert job.state == "done"
    assert Attendance.objects.count() == 2
    assert "Import finished: 2 new" in status_page(admin_client, job)


def test_a_running_job_cannot_be_started_again(admin_client, staff, monkeypatch):
    job = attendance_job(staff, state="running")
    monkeypatch.setattr(import_models.ImportJob, "check_worker", lambda job: None)  # alive

    admin_client.post(reverse("admin:countries_attendance_import_job", args=[job.pk]))

    job.refresh_from_db()
    assert job.state == "running"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_job_run_it_once(staff, monkeypatch):
    require_postgres()
    job = attendance_job(staff)
    inside = threading.Event()
    leave = threading.Event()
    runs = []

    def import_in_worker(job):
        runs.append(job.pk)
        inside.set()
        leave.wait(timeout=10)
        job.finish(ImportJob.State.DONE, [])

    monkeypatch.setattr(admin.site._registry[Attendance], "import_in_worker", import_in_worker)
    results = []

    def work():
        try:
            results.append(run_import_job.call(job.pk))
        finally:
            connection.close()

    first = threading.Thread(target=work)
    first.start()
    assert inside.wait(timeout=10)
    second = threading.Thread(target=work)
    second.start()
    second.join(timeout=1)
    assert second.is_alive()  # waits for the first worker's lock, then finds it claimed
    leave.set()
    first.join(timeout=10)
    second.join(timeout=10)

    assert sorted(results) == ["done", "not queued"]
    assert runs == [job.pk]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_an_import_leaves_nothing_and_the_job_can_run_again(
    admin_client, world, tmp_path, monkeypatch
):
    """The real worker (`manage.py run_worker`), killed while its import waits for another
    import's lock, then a second worker after "Start again"."""
    require_postgres()
    preview = admin_client.get(
        upload(admin_client, "admin:countries_attendance_import", ATTENDANCE, "a.csv").url
    )
    # Queued in the database for the real worker, not run in the test's process.
    monkeypatch.setattr(
        "imports.admin.run_import_job",
        type(
            "Queue",
            (),
            {"enqueue": staticmethod(lambda pk: enqueue_in_database(run_import_job, pk))},
        ),
    )
    job_url = confirm(admin_client, "admin:countries_attendance_process_import", preview).url
    job = ImportJob.objects.get(kind="confirm")
    other_import = other_session()  # holds the imports' lock: the worker will wait for it
    with other_import.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)",
            [IMPORT_LOCK_NAMESPACE, import_lock_key(Attendance)],
        )
    environment = subprocess_env(IMPORT_UPLOAD_DIR=str(tmp_path))

    def start_worker(*options: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--no-startup-delay", *options],
            cwd=BASE_DIR,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def waiting_for_the_import_lock() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            )
            return cursor.fetchone()[0] == 1

    worker = start_worker("--interval", "0.2")
    try:
        assert wait_until(waiting_for_the_import_lock), "the worker did not start the import"
        assert "Reading the file: a.csv" in status_page(admin_client, job)
        worker.kill()
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    # Its server session goes once it answers: when the other import ends.
    other_import.rollback()
    other_import.close()

    assert wait_until(lambda: "Stopped before the end" in status_page(admin_client, job))
    assert not Attendance.objects.exists()

    admin_client.post(job_url)
    second = start_worker("--batch")
    assert second.wait(timeout=60) == 0

    job.refresh_from_db()
    assert job.state == "done", job.messages
    assert Attendance.objects.count() == 2
