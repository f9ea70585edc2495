"""Delete the uploads of import previews that were never confirmed, and old finished
background import jobs.

Each new upload already sweeps the old ones (imports/uploads.py); this command is for a
site that stopped importing, or for a cron job.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from imports.models import ImportJob
from imports.uploads import uploads_sweep


class Command(BaseCommand):
    help = (
        "Delete uploads of import previews older than IMPORT_UPLOAD_MAX_AGE_HOURS, and "
        "background import jobs finished more than IMPORT_JOB_MAX_AGE_DAYS ago."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours",
            type=float,
            default=settings.IMPORT_UPLOAD_MAX_AGE_HOURS,
            help="Age in hours beyond which an upload is deleted (default: %(default)s).",
        )
        parser.add_argument(
            "--job-days",
            type=float,
            default=settings.IMPORT_JOB_MAX_AGE_DAYS,
            help="Days after its end beyond which a job is deleted (default: %(default)s).",
        )

    def handle(self, *args, hours: float, job_days: float, verbosity: int, **options) -> None:
        uploads = uploads_sweep(older_than=datetime.timedelta(hours=hours))
        jobs = ImportJob.sweep(older_than=datetime.timedelta(days=job_days))
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Deleted {uploads} old import upload(s) and {jobs} finished import job(s)."
                )
            )
