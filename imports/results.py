"""What an import did, row by row, as the admin shows it: the preview, the counts and every
problem as one line ("row 7: ...")."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.utils.encoding import force_str
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.resources import Diff
from import_export.results import Result, RowResult

from imports.formats import RowNumbers

if TYPE_CHECKING:
    from imports.resources import GfmdResource


#: Rows the preview table shows (the first ones); the counts and every problem are given
#: for the whole file, above the table.
PREVIEW_ROWS = 500


class PreviewDiff(Diff):
    """The old and new values of a row, for the rows the preview shows only: on confirm
    nobody sees them, and reading every field twice a row is a third of the import's time."""

    def __init__(self, resource: GfmdResource, instance: models.Model, new: bool):
        self.shown = resource.previewing and resource.diffs_left > 0
        if self.shown:
            resource.diffs_left -= 1
            super().__init__(resource, instance, new)

    def compare_with(self, resource: GfmdResource, instance: models.Model) -> None:
        if self.shown:
            super().compare_with(resource, instance)

    def as_html(self) -> list[str]:
        return super().as_html() if self.shown else []


# --- Results the admin shows ----------------------------------------------------------------


class ImportRowResult(RowResult):
    """The library names each row's record (`object_repr`, for the admin's log) as it reads
    the row; here only when something asks, as the admin's log on Django < 5.1 does."""

    def add_instance_info(self, instance: models.Model | None) -> None:
        if instance is not None:
            self.object_id = getattr(instance, "pk", None)
            self._named = instance

    @property
    def object_repr(self) -> str | None:
        named = self.__dict__.get("_named")
        return force_str(named) if named is not None else self.__dict__.get("_repr")

    @object_repr.setter
    def object_repr(self, value: str | None) -> None:
        self.__dict__["_repr"] = value


@dataclass
class PreviewRow:
    label: str
    kind: str  # the library's import type, for the row's CSS class
    status: str
    messages: list[str]
    cells: list[str]  # the changes marked up for a valid row, the values as read otherwise


STATUS_LABELS = {
    RowResult.IMPORT_TYPE_NEW: _("new"),
    RowResult.IMPORT_TYPE_UPDATE: _("updated"),
    RowResult.IMPORT_TYPE_SKIP: _("unchanged"),
    RowResult.IMPORT_TYPE_INVALID: _("error"),
    RowResult.IMPORT_TYPE_ERROR: _("error"),
    RowResult.IMPORT_TYPE_DELETE: _("deleted"),
}
SELF_DESCRIBING_CODES = {"unknown_key", "duplicate_row"}


class ImportResult(Result):
    row_numbers = RowNumbers()
    columns: dict[str, str] = {}
    #: The rows of a file left for the worker to preview (GfmdResource.import_data); 0: none.
    deferred_rows = 0

    def row_label(self, index: int) -> str:
        """`index` counts records from 1, as django-import-export does."""
        return self.row_numbers.label(index)

    def _invalid_messages(self, error: ValidationError) -> list[str]:
        texts = []
        for attribute, errors in error.error_dict.items():
            for item in errors:
                for text in item.messages:
                    if attribute == NON_FIELD_ERRORS or item.code in SELF_DESCRIBING_CODES:
                        texts.append(text)
                    else:
                        column = self.columns.get(attribute, attribute)
                        texts.append(f'column "{column}": {text}')
        return texts

    def messages_for(self, row_result: RowResult) -> list[str]:
        if row_result.validation_error is not None:
            return self._invalid_messages(row_result.validation_error)
        return [
            gettext("could not be saved: %(error)s") % {"error": error.error}
            for error in row_result.errors
        ]

    def preview(self) -> list[PreviewRow]:
        """One line a record of the file, in file order, with what the import does to it:
        the first PREVIEW_ROWS records."""
        return [
            PreviewRow(
                label=self.row_label(index),
                kind=row_result.import_type,
                status=str(STATUS_LABELS[row_result.import_type]),
                messages=self.messages_for(row_result),
                cells=row_result.diff
                or [row_result.row_values.get(column, "") for column in self.diff_headers],
            )
            for index, row_result in enumerate(self.rows[:PREVIEW_ROWS], 1)
        ]

    def preview_is_cut(self) -> bool:
        return len(self.rows) > PREVIEW_ROWS

    @property
    def preview_rows(self) -> int:
        return PREVIEW_ROWS

    def error_messages(self) -> list[str]:
        """Every problem as one line: file-level ones first, then "row 7: …" per row."""
        lines = [str(error.error) for error in self.base_errors]
        for index, row_result in enumerate(self.rows, 1):
            label = self.row_label(index)
            lines += [f"{label}: {text}" for text in self.messages_for(row_result)]
        return lines

    def counts(self) -> dict[str, int]:
        return {
            str(STATUS_LABELS[kind]): self.totals[kind]
            for kind in (
                RowResult.IMPORT_TYPE_NEW,
                RowResult.IMPORT_TYPE_UPDATE,
                RowResult.IMPORT_TYPE_SKIP,
            )
        } | {
            gettext("error"): self.totals[RowResult.IMPORT_TYPE_INVALID]
            + self.totals[RowResult.IMPORT_TYPE_ERROR]
        }

    def fingerprint(self) -> str:
        """What the import does to each row, in file order, in a few characters: the confirm
        step compares it with the preview's, and writes nothing if they differ."""
        kinds = ",".join(row_result.import_type for row_result in self.rows)
        return hashlib.sha256(kinds.encode()).hexdigest()[:32]

    def has_problems(self) -> bool:
        return self.has_errors() or self.has_validation_errors()


class WorkbookResult(ImportResult):
    """The result of a workbook of several sheets imported through one upload: each sheet's
    result, in import order, and their rows, counts and problems together."""

    def __init__(self) -> None:
        super().__init__()
        self.sheets: list[tuple[str, ImportResult]] = []

    def add_sheet(self, title: str, result: ImportResult) -> None:
        self.sheets.append((title, result))
        self.rows += result.rows
        self.invalid_rows += result.invalid_rows
        self.error_rows += result.error_rows
        self.total_rows += result.total_rows
        for kind, count in result.totals.items():
            self.totals[kind] += count

    def has_errors(self) -> bool:
        return super().has_errors() or any(result.has_errors() for _title, result in self.sheets)

    def preview(self) -> list[PreviewRow]:
        return [row for _title, result in self.sheets for row in result.preview()]

    def error_messages(self) -> list[str]:
        lines = [str(error.error) for error in self.base_errors]
        for title, result in self.sheets:
            lines += [
                message
                if message.startswith(result.row_numbers.prefix)
                else f"{self.sheet_prefix(title)}{message}"
                for message in result.error_messages()
            ]
        return lines

    @staticmethod
    def sheet_prefix(title: str) -> str:
        return gettext("Sheet '%(title)s', ") % {"title": title}


# --- A preview made by the worker -----------------------------------------------------------


class StoredRows:
    """What the preview's templates read of a result's rows, kept as JSON (`stored`) on a
    background preview's job and read back for its page."""

    def __init__(self, data: dict):
        self.data = data
        self.rows = range(data["rows"])  # the templates count them
        self.diff_headers = data["diff_headers"]
        self.preview_rows = PREVIEW_ROWS

    @staticmethod
    def stored(result: ImportResult) -> dict:
        return {
            "rows": len(result.rows),
            "counts": list(result.counts().items()),  # in order (PostgreSQL's jsonb sorts keys)
            "diff_headers": result.diff_headers,
            # Cells as HTML: the diffs are, the values as read are escaped here.
            "preview": [
                asdict(row) | {"cells": [conditional_escape(cell) for cell in row.cells]}
                for row in result.preview()
            ],
        }

    def counts(self) -> dict[str, int]:
        return dict(self.data["counts"])

    def preview_is_cut(self) -> bool:
        return len(self.rows) > PREVIEW_ROWS

    def preview(self) -> list[PreviewRow]:
        # The cells were escaped when stored.
        return [
            PreviewRow(**row | {"cells": [mark_safe(cell) for cell in row["cells"]]})
            for row in self.data["preview"]
        ]


class StoredPreview(StoredRows):
    """A whole preview, with its problems and each sheet of a workbook."""

    def __init__(self, data: dict):
        super().__init__(data)
        self.sheets = [(title, StoredRows(sheet)) for title, sheet in data["sheets"]]

    @classmethod
    def stored(cls, result: ImportResult) -> dict:
        return StoredRows.stored(result) | {
            "problems": result.has_problems(),
            "messages": result.error_messages(),
            "fingerprint": result.fingerprint(),
            "sheets": [
                (title, StoredRows.stored(sheet)) for title, sheet in getattr(result, "sheets", [])
            ],
        }

    def has_problems(self) -> bool:
        return self.data["problems"]

    # The library's template picks its block with these; ours shows every case the same way.
    has_errors = has_validation_errors = has_problems

    def error_messages(self) -> list[str]:
        return self.data["messages"]

    def fingerprint(self) -> str:
        return self.data["fingerprint"]
