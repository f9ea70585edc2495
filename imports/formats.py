"""File formats for imports and exports: CSV, XLSX and JSON read with limits checked before
parsing (size, rows, the size an XLSX archive unpacks to), formulas escaped on export and
unescaped on import, rows numbered as the person who made the file numbers them."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import tablib
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.formats import base_formats

from imports.widgets import cell_text

# --- Limits ---------------------------------------------------------------------------------


class ImportFileError(ValueError):
    """A file-level problem, with a message meant for the person who uploaded the file;
    `line`: the line of a text file it is on, where known (load_gfmd_data says "file, line N")."""

    def __init__(self, message: Any, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def check_file_size(size: int) -> None:
    limit = settings.IMPORT_MAX_FILE_SIZE
    if size > limit:
        raise ImportFileError(
            gettext("The file is %(size)s; the most that can be imported at once is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )


def dataset_rows(dataset: tablib.Dataset) -> int:
    """The rows of a file, all sheets of a workbook together."""
    return sum(len(sheet) for sheet in getattr(dataset, "sheets", None) or [dataset])


def check_row_count(rows: int) -> None:
    limit = settings.IMPORT_MAX_ROWS
    if rows > limit:
        raise ImportFileError(
            gettext(
                "The file has more than %(limit)s rows; split it into files of at most "
                "%(limit)s rows."
            )
            % {"limit": number_format(limit, force_grouping=True)}
        )


def check_xlsx_archive(data: bytes) -> None:
    """Refuse a workbook that would unpack to more than the limit, before anything parses it.

    The sizes an archive declares can lie, so the members are also inflated chunk by chunk
    and counted, stopping at the limit.
    """
    buffer = io.BytesIO(data)
    if not zipfile.is_zipfile(buffer):
        raise ImportFileError(
            gettext("This file is not an XLSX workbook. Choose the format that matches the file.")
        )
    limit = settings.IMPORT_XLSX_MAX_UNPACKED_SIZE
    too_big = ImportFileError(
        gettext("This workbook unpacks to more than %(limit)s and is refused.")
        % {"limit": filesizeformat(limit)}
    )
    try:
        with zipfile.ZipFile(buffer) as archive:
            members = archive.infolist()
            if sum(member.file_size for member in members) > limit:
                raise too_big
            for member in members:
                if (
                    member.file_size > 1_000_000
                    and member.file_size
                    > member.compress_size * settings.IMPORT_XLSX_MAX_COMPRESSION_RATIO
                ):
                    raise too_big
            unpacked = 0
            for member in members:
                with archive.open(member) as stream:
                    while chunk := stream.read(1 << 20):
                        unpacked += len(chunk)
                        if unpacked > limit:
                            raise too_big
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as error:
        raise ImportFileError(
            gettext("This XLSX workbook is damaged and cannot be read.")
        ) from error


def _decode_text(in_stream: bytes | str, encoding: str | None) -> str:
    if isinstance(in_stream, str):
        text = in_stream
    else:
        if in_stream.startswith(b"PK\x03\x04"):
            raise ImportFileError(
                gettext("This file is an XLSX workbook; choose the XLSX format to import it.")
            )
        try:
            text = in_stream.decode(encoding or "utf-8-sig")
        except UnicodeDecodeError as error:
            line = in_stream.count(b"\n", 0, error.start) + 1
            raise ImportFileError(NOT_TEXT_MESSAGE, line=line) from error
    if "\x00" in text:
        raise ImportFileError(NOT_TEXT_MESSAGE, line=text.count("\n", 0, text.index("\x00")) + 1)
    return text.removeprefix("\ufeff")


NOT_TEXT_MESSAGE = _(
    "This file is not text in UTF-8, so it cannot be a CSV or JSON file. If it is an Excel "
    "workbook, choose XLSX; otherwise save it as 'CSV UTF-8' and upload that."
)


# --- Formula escaping -----------------------------------------------------------------------

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _needs_escape(value: str) -> bool:
    if value.startswith(FORMULA_TRIGGERS):
        return not PLAIN_NUMBER.match(value)
    # A value that already starts with the escape mark gets one more, so that
    # unescape_formula(escape_formula(v)) == v for every string.
    return value.startswith("'") and _needs_escape(value[1:])


def escape_formula(value: Any) -> Any:
    """Prefix a quote to text a spreadsheet would run as a formula (OWASP CSV injection).

    Numbers stay numbers, and text that is a plain number ("-5.5") is left alone: a
    spreadsheet reads it as that number, never as a formula.
    """
    if isinstance(value, str) and _needs_escape(value):
        return "'" + value
    return value


def unescape_formula(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("'") and _needs_escape(value[1:]):
        return value[1:]
    return value


def escape_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    escaped = tablib.Dataset(headers=dataset.headers, title=dataset.title)
    for row in dataset:
        escaped.append([escape_formula(cell) for cell in row])
    return escaped


# --- Formats --------------------------------------------------------------------------------


class Numbering:
    """How the person who made the file counts its records."""

    TABULAR = ("row", 2)  # the header is row 1
    RECORDS = ("record", 1)


@dataclass(frozen=True)
class RowNumbers:
    """The name of each record of a dataset as the person who made the file sees it: the
    row number a spreadsheet shows (blank rows counted) or the record's place in a JSON list,
    after the sheet's name for a workbook of several sheets."""

    noun: str = "row"
    first: int = 2
    numbers: tuple[int, ...] = ()
    prefix: str = ""

    @classmethod
    def of(cls, dataset: tablib.Dataset, *, prefix: str = "") -> RowNumbers:
        noun, first = getattr(dataset, "numbering", Numbering.TABULAR)
        numbers = tuple(getattr(dataset, "row_numbers", ()))
        return cls(noun=noun, first=first, numbers=numbers, prefix=prefix)

    def label(self, index: int) -> str:
        """`index` counts the dataset's records from 1, as django-import-export does."""
        if 0 < index <= len(self.numbers):
            number = self.numbers[index - 1]
        else:
            number = index + self.first - 1
        return f"{self.prefix}{self.noun} {number}"


class EscapingFormat:
    numbering = Numbering.TABULAR

    def export_data(self, dataset: tablib.Dataset, **kwargs) -> str | bytes:
        return super().export_data(escape_dataset(dataset), **kwargs)

    def create_dataset(self, in_stream: bytes | str, **kwargs) -> tablib.Dataset:
        size = len(in_stream.encode() if isinstance(in_stream, str) else in_stream)
        if size == 0:
            raise ImportFileError(gettext("The file is empty."))
        check_file_size(size)
        dataset = self.parse(in_stream)
        dataset.numbering = self.numbering
        return dataset

    def parse(self, in_stream: bytes | str) -> tablib.Dataset:
        raise NotImplementedError


def rows_to_dataset(
    rows: Iterable[tuple[int, list[Any]]], *, where: str = ""
) -> tablib.Dataset | None:
    """A dataset from (row number, cells) pairs as a spreadsheet shows them: the first row
    with a value names the columns, blank rows are left out but keep their numbers (in
    `dataset.row_numbers`), and trailing unnamed empty columns are dropped. None for a
    sheet with no value at all. `where` names the sheet in messages ("Sheet 'X', ")."""

    def blank(value: Any) -> bool:
        return value is None or (isinstance(value, str) and not value.strip())

    headers: list[str] | None = None
    records: list[list[Any]] = []
    numbers: list[int] = []
    for number, cells in rows:
        if all(blank(value) for value in cells):
            continue
        if headers is None:
            headers = [cell_text(value) for value in cells]
            while headers and not headers[-1]:
                headers.pop()
            continue
        if len(cells) > len(headers):
            if any(not blank(value) for value in cells[len(headers) :]):
                raise ImportFileError(
                    gettext("%(where)srow %(row)s has more cells than the header row names.")
                    % {"where": where, "row": number},
                    line=number,
                )
            cells = cells[: len(headers)]
        records.append(list(cells) + [None] * (len(headers) - len(cells)))
        numbers.append(number)
    if headers is None:
        return None
    unnamed = [index + 1 for index, header in enumerate(headers) if not header]
    if unnamed:
        raise ImportFileError(
            gettext("%(where)scolumn %(column)s has no name in the header row.")
            % {"where": where, "column": column_letter(unnamed[0])}
        )
    dataset = tablib.Dataset(*records, headers=headers)
    dataset.row_numbers = numbers
    return dataset


def column_letter(index: int) -> str:
    """1 → A, 27 → AA, as spreadsheets name columns."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


SEPARATORS = {";": _("semicolons"), "\t": _("tabs")}


class CSV(EscapingFormat, base_formats.CSV):
    """Comma-separated only: a file that looks separated by semicolons or tabs (as some
    spreadsheet programs save "CSV" in some languages) is refused with a message saying so,
    rather than read with a guessed separator, where "1,5" may be a decimal comma."""

    def parse(self, in_stream: bytes | str) -> tablib.Dataset:
        text = _decode_text(in_stream, self.encoding)
        reader = csv.reader(io.StringIO(text), strict=True)  # a stray quote is an error
        records: list[list[str]] = []
        starts: list[int] = []  # the line each record starts on: a quoted cell may span lines
        end = 0
        try:
            for cells in reader:
                starts.append(end + 1)
                end = reader.line_num
                records.append(cells)
        except csv.Error as error:
            line = reader.line_num or 1
            raise ImportFileError(
                gettext("This CSV file cannot be read: %(error)s (line %(line)s).")
                % {"error": error, "line": line},
                line=line,
            ) from error
        check_row_count(sum(1 for record in records if any(cell.strip() for cell in record)) - 1)
        header = next((record for record in records if any(cell.strip() for cell in record)), [])
        if len(header) == 1:
            for separator, name in SEPARATORS.items():
                if header[0].count(separator) >= 1:
                    raise ImportFileError(
                        gettext(
                            "This file seems to be separated by %(separator)s; save it as "
                            'comma-separated CSV ("CSV UTF-8 (comma delimited)") and upload '
                            "that."
                        )
                        % {"separator": name}
                    )
        try:
            dataset = rows_to_dataset(enumerate(records, 1))
        except ImportFileError as error:
            if error.line:  # the row as a spreadsheet numbers it, the line as a text file does
                error.line = starts[error.line - 1]
            raise
        if dataset is None:
            raise ImportFileError(gettext("The file is empty."))
        return dataset


class JSON(EscapingFormat, base_formats.JSON):
    numbering = Numbering.RECORDS

    def parse(self, in_stream: bytes | str) -> tablib.Dataset:
        text = _decode_text(in_stream, self.encoding)
        try:
            records = json.loads(text)
        except json.JSONDecodeError as error:
            raise ImportFileError(
                gettext("This is not valid JSON (line %(line)s, column %(column)s: %(msg)s).")
                % {"line": error.lineno, "column": error.colno, "msg": error.msg}
            ) from error
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise ImportFileError(
                gettext('The JSON file must hold a list of records: [{"column": value}, …].')
            )
        check_row_count(len(records))
        headers: list[str] = []
        for record in records:
            headers += [key for key in record if key not in headers]
        dataset = tablib.Dataset(headers=headers)
        for record in records:
            dataset.append([record.get(header) for header in headers])
        return dataset


class XLSX(EscapingFormat, base_formats.XLSX):
    """Every sheet is read. One sheet gives a dataset; several give the first one's dataset
    with all of them in `dataset.sheets` (each with its `title`), for a resource that takes
    a workbook of several sheets (`GfmdResource.workbook`); sheets with no value at all are
    left out. A formula is read as the value the spreadsheet program computed and saved with
    it; a formula saved without one (as scripts write them) is an error naming its cell."""

    def parse(self, in_stream: bytes | str) -> tablib.Dataset:
        import openpyxl

        if isinstance(in_stream, str):
            raise ImportFileError(gettext("This file is not an XLSX workbook."))
        check_xlsx_archive(in_stream)
        try:
            values = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
            formulas = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True)
            sheets = []
            for title in values.sheetnames:
                where = gettext("Sheet '%(title)s', ") % {"title": title}
                rows = self.sheet_rows(values[title], formulas[title], title)
                dataset = rows_to_dataset(rows, where=where)
                if dataset is not None:
                    dataset.title = title
                    sheets.append(dataset)
            values.close()
            formulas.close()
        except ImportFileError:
            raise
        except Exception as error:  # openpyxl raises many kinds on a damaged file
            raise ImportFileError(
                gettext("This XLSX workbook is damaged and cannot be read.")
            ) from error
        if not sheets:
            raise ImportFileError(gettext("The workbook is empty."))
        check_row_count(sum(len(sheet) for sheet in sheets))
        first = sheets[0]
        first.sheets = sheets
        return first

    @staticmethod
    def sheet_rows(values, formulas, title: str) -> Iterable[tuple[int, list[Any]]]:
        for number, (row, formula_row) in enumerate(
            zip(values.iter_rows(), formulas.iter_rows(), strict=False), 1
        ):
            cells = [cell.value for cell in row]
            for cell, formula in zip(row, formula_row, strict=False):
                if cell.value is None and getattr(formula, "data_type", None) == "f":
                    raise ImportFileError(
                        gettext(
                            "Sheet '%(sheet)s', cell %(cell)s: a formula without a computed "
                            "value; save the file in a spreadsheet program or type the value."
                        )
                        % {"sheet": title, "cell": formula.coordinate}
                    )
            numbered = next((cell.row for cell in row if getattr(cell, "row", None)), number)
            yield numbered, cells


FORMATS = [CSV, XLSX, JSON]


def write_workbook(sheets: Iterable[tuple[str, tablib.Dataset]]) -> bytes:
    """One XLSX workbook, a sheet a dataset, cells escaped as every export is."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    for title, dataset in sheets:
        sheet = book.create_sheet(title=title[:31])
        sheet.append(dataset.headers)
        for row in escape_dataset(dataset):
            sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()
