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
from typing import Any

import tablib
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.formats import base_formats

# --- Limits ---------------------------------------------------------------------------------


class ImportFileError(ValueError):
    """A file-level problem, with a message meant for the person who uploaded the file."""


def check_file_size(size: int) -> None:
    limit = settings.IMPORT_MAX_FILE_SIZE
    if size > limit:
        raise ImportFileError(
            gettext("The file is %(size)s; the most that can be imported at once is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )


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
            raise ImportFileError(NOT_TEXT_MESSAGE) from error
    if "\x00" in text:
        raise ImportFileError(NOT_TEXT_MESSAGE)
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


class CSV(EscapingFormat, base_formats.CSV):
    def parse(self, in_stream: bytes | str) -> tablib.Dataset:
        text = _decode_text(in_stream, self.encoding)
        try:
            rows = sum(1 for row in csv.reader(io.StringIO(text)) if any(row))
            check_row_count(rows - 1)
            return base_formats.CSV.create_dataset(self, text)
        except tablib.InvalidDimensions as error:
            raise ImportFileError(
                gettext("This CSV file cannot be read: a row has more cells than the header row.")
            ) from error
        except csv.Error as error:
            raise ImportFileError(
                gettext("This CSV file cannot be read: %(error)s.") % {"error": error}
            ) from error


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
    def parse(self, in_stream: bytes | str) -> tablib.Dataset:
        import openpyxl

        if isinstance(in_stream, str):
            raise ImportFileError(gettext("This file is not an XLSX workbook."))
        check_xlsx_archive(in_stream)
        try:
            book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
            rows = sum(
                1
                for row in book.active.iter_rows(values_only=True)
                if any(value is not None for value in row)
            )
            book.close()
        except Exception as error:  # openpyxl raises many kinds on a damaged file
            raise ImportFileError(
                gettext("This XLSX workbook is damaged and cannot be read.")
            ) from error
        check_row_count(rows - 1)
        if rows == 0:
            raise ImportFileError(gettext("The workbook's first sheet is empty."))
        return base_formats.XLSX.create_dataset(self, in_stream)


FORMATS = [CSV, XLSX, JSON]
# The admin exports numbers and dates as such (not as text) to the formats in this list; it


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
