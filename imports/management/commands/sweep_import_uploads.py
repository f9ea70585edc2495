"""Delete the uploads of import previews that were never confirmed.

Each new upload already sweeps the old ones (imports/uploads.py); this command is for a
site that stopped importing, or for a cron job.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from imports.uploads import uploads_sweep


class Command(BaseCommand):
    help = "Delete uploads of import previews older than IMPORT_UPLOAD_MAX_AGE_HOURS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours",
            type=float,
            default=settings.IMPORT_UPLOAD_MAX_AGE_HOURS,
            help="Age in hours beyond which an upload is deleted (default: %(default)s).",
        )

    def handle(self, *args, hours: float, verbosity: int, **options) -> None:
        deleted = uploads_sweep(older_than=datetime.timedelta(hours=hours))
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} old import upload(s)."))
