"""Bring many country pages of the GFMD's current site over at once.

Staff copy each page's text from a browser into a .txt file, one per country, named by the
country's slug or ISO3 code (`morocco.txt`, `MAR.txt`); a file named otherwise is matched
by the ISO codes, official name or "Subscribe to <country>" line on the page. Each page is
read and imported as the admin's "Read a page from the current site" does (gfmd/pages.py),
and the whole run is one transaction: any problem in any file (a line the import refuses, a
block whose year the page leaves open, a page for another country) writes nothing at all.
Lines that could not be read are listed but are not a problem: they are not records.
It lives in the top layer because a page writes countries' records and practices.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from countries.models import Country
from countries.pagetext import Catalogue, read_page, title_key
from gfmd.pages import WrongCountry, page_catalogue, page_import

YEAR_CHOICE = re.compile(r"^(?P<file>.+):(?P<line>\d+)=(?P<label>\S+)$")


class Command(BaseCommand):
    help = (
        "Import country pages copied from the GFMD's current site: one .txt file per country "
        "in DIR. All or nothing: any problem in any file writes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path, help="Folder of .txt files, one per country.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and check everything, write nothing."
        )
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="Print what each page reads as, one JSON object per country and line.",
        )
        parser.add_argument(
            "--year",
            action="append",
            default=[],
            metavar="FILE:LINE=LABEL",
            help=(
                "The year of a block the page leaves open, by the file and the block's first "
                "line (as the problem report names it), e.g. morocco.txt:106=2019."
            ),
        )

    def handle(self, *args, directory: Path, dry_run: bool, as_json: bool, year: list[str],
               verbosity: int, **options) -> None:  # fmt: skip
        if not directory.is_dir():
            raise CommandError(f"{directory}: not a folder")
        files = sorted(directory.glob("*.txt"))
        if not files:
            raise CommandError(f"{directory}: no .txt files")
        choices = parse_choices(year)
        catalogue = page_catalogue()
        progress = self.stderr if as_json else self.stdout
        problems: list[str] = []
        with transaction.atomic():
            for path in files:
                problems += self.import_file(
                    path,
                    catalogue=catalogue,
                    choices=choices.get(path.name, {}),
                    dry_run=dry_run,
                    as_json=as_json,
                    progress=progress if verbosity >= 1 else None,
                )
            if problems or dry_run:
                transaction.set_rollback(True)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(
                f"{len(problems)} problem(s): nothing was written (the run is all or nothing)."
            )
        if verbosity >= 1:
            done = "checked; nothing written (dry run)" if dry_run else "imported"
            progress.write(self.style.SUCCESS(f"{len(files)} page(s) {done}."))

    def import_file(self, path: Path, *, catalogue: Catalogue, choices: dict[int, str],
                    dry_run: bool, as_json: bool, progress) -> list[str]:  # fmt: skip
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (UnicodeDecodeError, OSError) as error:
            return [f"{path.name}: cannot be read as UTF-8 text ({error})"]
        country = country_for(path, text, catalogue)
        if country is None:
            return [f"{path.name}:1: no country matches the file name or the page"]
        try:
            result = page_import(
                country=country,
                text=text,
                dry_run=dry_run,
                choices=choices,
                file_name=path.name,
                catalogue=catalogue,
            )
        except WrongCountry as error:
            return [f"{path.name}:1: {error}"]
        except ValueError as error:  # a --year choice that is not a candidate
            return [f"{path.name}:{error}"]
        reading = result.reading
        if as_json:
            self.stdout.write(json.dumps(reading.as_json(country.iso3), ensure_ascii=False))
        if progress is not None:
            counts = ", ".join(f"{n} {status}" for status, n in result.counts().items())
            years = len(reading.years())
            line = f"{path.name}: {country.iso3}, {years} years; lines {counts}"
            if reading.unread:
                numbers = ", ".join(str(item.number) for item in reading.unread)
                line += f"; not read: line {numbers}"
            if reading.stopped_at:
                line += f"; the copy stops at line {reading.stopped_at} (cut off)"
            progress.write(line)
        return [
            f"{path.name}:{problem.removeprefix('line ')}"
            if problem.startswith("line ")
            else f"{path.name}: {problem}"
            for problem in result.problems
        ]


def parse_choices(values: list[str]) -> dict[str, dict[int, str]]:
    choices: dict[str, dict[int, str]] = {}
    for value in values:
        match = YEAR_CHOICE.match(value)
        if not match:
            raise CommandError(f"--year {value}: write it as FILE:LINE=LABEL")
        choices.setdefault(match["file"], {})[int(match["line"])] = match["label"]
    return choices


def country_for(path: Path, text: str, catalogue: Catalogue) -> Country | None:
    """By the file's name (slug or ISO3), else by what the page says."""
    stem = path.stem
    found = Country.objects.filter(Q(slug__iexact=stem) | Q(iso3__iexact=stem)).first()
    if found:
        return found
    reading = read_page(text, catalogue)
    header = reading.header
    if header.iso3 or header.iso2:
        return Country.objects.filter(
            Q(iso3=header.iso3) if header.iso3 else Q(iso2=header.iso2)
        ).first()
    names = [name for name in (header.official_name, reading.subscribe_name) if name]
    for country in Country.objects.all():
        known = {title_key(country.name), title_key(country.official_name)}
        if any(title_key(name) in known for name in names):
            return country
    return None
