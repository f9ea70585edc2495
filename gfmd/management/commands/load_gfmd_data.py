"""Load the reference data the site ships with: countries, forum years, Morocco's profile.

The files in countries/data/ are import files of the admin (see gfmd.services): this
command imports them all, in one transaction, through the admin's import resources and
checks. A mistake stops it with the file and line, and the database is left as it was.
It lives in the project package because it loads countries and practices and records
country updates.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from countries.models import Country
from gfmd.services import (
    DEFAULT_DATA_DIR,
    DataFileError,
    FileReport,
    LoadReport,
    reference_data_load,
)


class Command(BaseCommand):
    help = (
        "Load the 249 ISO 3166-1 countries, the GFMD forum years and Morocco's profile and "
        "practices from the CSV files in countries/data/, in one transaction, through the "
        "admin's import. Idempotent: rows are matched by their import keys and brought to the "
        "files' values (overwriting edits made in the admin), never deleted."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=DEFAULT_DATA_DIR,
            help="Folder holding the CSV files (default: countries/data).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the files and report what would change, then roll everything back.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=(
                "Load only into a database without countries (a new deployment's first "
                "start), so that a restart never brings edited records back to the files."
            ),
        )

    def handle(
        self, *args, data_dir: Path, dry_run: bool, if_empty: bool, verbosity: int, **options
    ) -> None:
        if if_empty and Country.objects.exists():
            if verbosity >= 1:
                self.stdout.write("The database has countries already: nothing loaded.")
            return

        def progress(report: FileReport) -> None:
            if verbosity >= 1:
                self.stdout.write(str(report))
            if verbosity >= 2:
                for change in report.changes:
                    self.stdout.write(f"  {change}")

        try:
            report = reference_data_load(data_dir=data_dir, dry_run=dry_run, progress=progress)
        except DataFileError as exc:
            raise CommandError(f"{exc}\nNothing was written.") from exc
        except DatabaseError as exc:
            raise CommandError(
                f"The database refused the data, nothing was written: {exc}"
            ) from exc
        if verbosity >= 1:
            self.write_report(report, dry_run=dry_run, verbosity=verbosity)

    def write_report(self, report: LoadReport, *, dry_run: bool, verbosity: int) -> None:
        for update in report.updates:
            lines = update.summary.splitlines()
            self.stdout.write(f"Country update for {update.country}: {len(lines)} changed lines")
            if verbosity >= 2:
                for line in lines:
                    self.stdout.write(f"  {line}")
        if not report.changed:
            self.stdout.write(self.style.SUCCESS("Nothing changed."))
        elif dry_run:
            self.stdout.write(self.style.WARNING("Dry run: rolled back, nothing was written."))
        else:
            self.stdout.write(self.style.SUCCESS("Reference data loaded."))
