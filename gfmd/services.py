"""Loading the reference data the site ships with (countries/data/*.csv) through the admin's
import: the same resources, widgets and checks, so one rule gives one message in one place.

Each file is an import file in the columns of its model's admin import (a staff member can
open one, edit it and import it in the admin). The files are imported in order (countries and
forum years before the records that name them) in one transaction; any invalid row stops the
load with the file and the line, and nothing is written. Rows are matched on their import
keys (ISO3 code, forum-year label, ...): created, or brought back to the files' values,
never deleted. A second run finds every row unchanged and writes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from import_export.results import RowResult

from countries.models import CountryUpdate
from countries.resources import (
    AttendanceResource,
    ContributionResource,
    CountryResource,
    ForumYearResource,
    RoundtableResource,
    RoundtableRoleResource,
    ThematicMeetingParticipationResource,
    ThematicMeetingResource,
)
from countries.services import CountryUpdateRecorder
from imports.formats import CSV, ImportFileError
from imports.resources import GfmdResource
from imports.results import ImportResult
from practices.resources import PracticeResource

DEFAULT_DATA_DIR = Path(settings.BASE_DIR) / "countries" / "data"
#: The files in the order they are loaded: each names only records of the files before it.
#: The files list every contribution of Morocco: one whose year they corrected is moved.
DATA_FILES: list[tuple[str, type[GfmdResource], dict]] = [
    ("countries.csv", CountryResource, {}),
    ("forum_years.csv", ForumYearResource, {}),
    ("roundtables.csv", RoundtableResource, {}),
    ("attendance.csv", AttendanceResource, {}),
    ("roundtable_roles.csv", RoundtableRoleResource, {}),
    ("thematic_meetings.csv", ThematicMeetingResource, {}),
    ("thematic_participations.csv", ThematicMeetingParticipationResource, {}),
    ("contributions.csv", ContributionResource, {"moves": True}),
    ("practices.csv", PracticeResource, {}),
]
ROW_REFERENCE = re.compile(r"\brow (\d+)\b")


def display_path(path: Path) -> str:
    """Paths inside the project as people type them (countries/data/x.csv), others in full."""
    try:
        return str(path.resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return str(path)


class DataFileError(Exception):
    """Problems of one data file, each as "file, line N: message"."""

    def __init__(self, path: Path, problems: list[tuple[int | None, str]]) -> None:
        self.path, self.problems = path, problems
        where = display_path(path)
        super().__init__(
            "\n".join(
                f"{where}: {message}" if line is None else f"{where}, line {line}: {message}"
                for line, message in problems
            )
        )


@dataclass
class FileReport:
    path: Path
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{display_path(self.path)}: {self.rows} rows, created {self.created}, "
            f"updated {self.updated}, unchanged {self.unchanged}"
        )


@dataclass
class LoadReport:
    files: list[FileReport] = field(default_factory=list)
    updates: list[CountryUpdate] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.updates) or any(f.created or f.updated for f in self.files)


def record_lines(text: str) -> dict[int, int]:
    """The line of the file each record starts on, by its row number as a spreadsheet shows
    it (the import's numbering): a quoted cell may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""))
    lines, end = {}, 0
    for number, _cells in enumerate(reader, 1):
        lines[number], end = end + 1, reader.line_num
    return lines


def file_problems(
    result: ImportResult, lines: dict[int, int], rows: list[int]
) -> list[tuple[int | None, str]]:
    """The import's messages by line of the file: "row 7" becomes the line the record starts
    on; `rows` gives each result row's row number."""

    def line_of(row: int) -> int:
        return lines.get(row, row)

    def in_lines(text: str) -> str:
        return ROW_REFERENCE.sub(lambda match: f"line {line_of(int(match[1]))}", text)

    problems: list[tuple[int | None, str]] = []
    for error in result.base_errors:
        text = str(error.error)
        if match := re.match(r"row (\d+): (.*)", text, re.DOTALL):
            problems.append((line_of(int(match[1])), in_lines(match[2])))
        else:
            problems.append((1, text))  # the file as a whole: its columns
    for number, row_result in zip(rows, result.rows, strict=False):
        line = line_of(number)
        problems += [(line, in_lines(text)) for text in result.messages_for(row_result)]
    return problems


def data_file_import(
    *, path: Path, resource: GfmdResource, recorder: CountryUpdateRecorder | None = None
) -> FileReport:
    """Import one data file as the admin's confirm step does; raise DataFileError if any row
    is invalid (the caller's transaction then writes nothing). With a shared `recorder`, its
    owner records the country updates once every file is in; without, this file's import does."""
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise DataFileError(path, [(None, "file not found")]) from None
    try:
        dataset = CSV(encoding="utf-8-sig").create_dataset(content)
    except ImportFileError as error:
        raise DataFileError(path, [(error.line, str(error))]) from None
    lines = record_lines(content.decode("utf-8-sig"))
    rows = list(getattr(dataset, "row_numbers", range(2, len(dataset) + 2)))
    result = resource.import_data(
        dataset,
        dry_run=False,
        raise_errors=False,
        file_name=f"{display_path(path)} (load_gfmd_data)",
        recorder=recorder,
    )
    if result.has_problems():
        raise DataFileError(path, file_problems(result, lines, rows))
    report = FileReport(path, rows=len(dataset))
    verbs = {RowResult.IMPORT_TYPE_NEW: "created", RowResult.IMPORT_TYPE_UPDATE: "updated"}
    for number, row_result in zip(rows, result.rows, strict=False):
        line = lines.get(number, number)
        verb = verbs.get(row_result.import_type)
        if verb is None:
            report.unchanged += 1
            continue
        setattr(report, verb, getattr(report, verb) + 1)
        report.changes.append(f"line {line}: {verb} {row_result.object_repr}")
    return report


def reference_data_load(
    *,
    data_dir: Path = DEFAULT_DATA_DIR,
    dry_run: bool = False,
    progress: Callable[[FileReport], object] = lambda report: None,
) -> LoadReport:
    """Import every data file in one transaction and record one country update for each
    country whose page now reads differently; `dry_run` rolls it all back at the end.
    `progress` is told of each file once it is imported."""
    report = LoadReport()
    with transaction.atomic():
        recorder = CountryUpdateRecorder(source=CountryUpdate.Source.DATA_LOAD)
        for name, resource_class, options in DATA_FILES:
            file_report = data_file_import(
                path=data_dir / name, resource=resource_class(**options), recorder=recorder
            )
            report.files.append(file_report)
            progress(file_report)
        report.updates = recorder.record()
        if dry_run:
            transaction.set_rollback(True)
    return report
