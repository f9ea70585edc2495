"""Background tasks of imports (django-tasks): large confirmed imports, run by the worker."""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.utils.translation import gettext
from django_tasks import task

from imports.models import ImportJob


@task()
def run_import_job(job_id: int) -> str:
    """Import a job's file through its model's admin (`import_in_worker`)."""
    with ImportJob.claimed(job_id) as job:
        if job is None:
            return "not queued"  # deleted, or run already
        try:
            admin.site._registry[apps.get_model(job.model)].import_in_worker(job)
        except Exception:
            # The import's transaction is rolled back: say so on the status page, keep the
            # error.
            job.finish(
                ImportJob.State.FAILED,
                [gettext("Nothing was imported: the import stopped on an unexpected error.")],
            )
            raise
        return job.state
