"""Load the reference data the site ships with: countries, forum years, Morocco's profile.

The data lives in CSV files under countries/data/ (see its README for where the figures come
from), keyed by what a person can type (ISO3 codes, forum-year labels, roundtable numbers)
rather than by database ids, so that the files can be read, reviewed and fixed by hand, and
loaded again into a database that editors have since worked on. Rows are matched on those
keys, created or brought back to the files' values, never deleted; a second run changes
nothing. Every file is checked before anything is written: a mistake stops the command with
the file and line, and the database is left as it was.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction

from countries.datafiles import DEFAULT_DATA_DIR, DataFileError, data_set_read, display_path
from countries.loading import LoadReport, gfmd_data_load
from countries.models import Country


class Command(BaseCommand):
    help = (
        "Load the 249 ISO 3166-1 countries, the GFMD forum years and Morocco's profile and "
        "practices from the CSV files in countries/data/, in one transaction. Idempotent: "
        "existing rows are matched by natural keys and updated, never deleted."
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
        try:
            data = data_set_read(data_dir=data_dir)
        except DataFileError as exc:
            raise CommandError(str(exc)) from exc
        if verbosity >= 1:
            for path, rows in data.files:
                self.stdout.write(f"Read {display_path(path)}: {rows} rows")
        try:
            with transaction.atomic():
                report = gfmd_data_load(data=data)
                if dry_run:
                    transaction.set_rollback(True)
        except DatabaseError as exc:
            raise CommandError(
                f"The database refused the data, nothing was written: {exc}"
            ) from exc
        if verbosity >= 1:
            self.write_report(report, dry_run=dry_run, verbosity=verbosity)

    def write_report(self, report: LoadReport, *, dry_run: bool, verbosity: int) -> None:
        for tally in report.tallies:
            self.stdout.write(str(tally))
            if verbosity >= 2:
                for change in tally.changes:
                    self.stdout.write(f"  {change}")
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
