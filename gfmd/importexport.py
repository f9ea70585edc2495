"""Bulk import and export for the admin, made safe for spreadsheets kept by people.

django-import-export supplies the upload → preview → confirm workflow. On top of it:

- All or nothing. The library rolls back a file only on unexpected errors; a row that fails
  validation is skipped and the valid rows are committed (django-import-export#1338), and
  the admin's confirm step never asks for `rollback_on_validation_errors`. `GfmdResource`
  forces both, so any invalid row leaves the database untouched, in the preview and on confirm.
- Limits checked before the file is parsed: size, number of rows, and for XLSX the size the
  archive unpacks to (a zip bomb is refused before openpyxl sees it).
- Natural keys in columns (ISO3 code, forum-year label, slugs) with messages a spreadsheet
  user understands: "row 7: unknown country code 'MRC'". Rows are numbered as a spreadsheet
  numbers them (the header is row 1, the first record row 2); JSON records count from 1.
- Formula escaping on export in every format (the library's own setting strips one "=" and
  turns every cell into text), undone on import so an exported file imports unchanged.
- One country update per country whose page an import changes, and history rows that name
  the importing user.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import tablib
from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.utils.encoding import force_str
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import widgets
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.forms import ImportForm
from import_export.instance_loaders import ModelInstanceLoader
from import_export.resources import Diff, ModelResource
from import_export.results import Result, RowResult

from countries.models import Country, ForumYear
from countries.profile import countries_shown_with
from imports.validation import column_errors
from subscriptions.models import CountryUpdate
from subscriptions.services import CountryUpdateRecorder

# --- Limits ---------------------------------------------------------------------------------


class ImportFileError(ValueError):
    """A file-level problem, with a message meant for the person who uploaded the file.

    `line`: the line of a text file the problem is on, where known (issue 11: load_gfmd_data
    reports it as "file, line N")."""

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
        # issue 11: every problem found here names its line (a quoted cell may span lines).
        reader = csv.reader(io.StringIO(text), strict=True)  # a stray quote is an error
        rows, width, line = 0, None, 0
        try:
            for cells in reader:
                start, line = line + 1, reader.line_num
                if width is None:
                    width = len(cells)
                elif len(cells) > width:
                    raise ImportFileError(
                        gettext(
                            "This CSV file cannot be read: a row has more cells than the header "
                            "row (line %(line)s)."
                        )
                        % {"line": start},
                        line=start,
                    )
                rows += any(cells)
            check_row_count(rows - 1)
            return base_formats.CSV.create_dataset(self, text)
        except csv.Error as error:
            raise ImportFileError(
                gettext("This CSV file cannot be read: %(error)s (line %(line)s).")
                % {"error": error, "line": line + 1},
                line=line + 1,
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
# compares exact types, so our XLSX must be added to it.
base_formats.BINARY_FORMATS.append(XLSX)


# --- Widgets: natural keys and values a person types ----------------------------------------


class UnknownKeyError(ValueError):
    """A value names nothing known; its message says what and is shown without a column."""


def cell_text(value: Any) -> str:
    """A cell as typed: spreadsheets turn 2007 into 2007.0, people add spaces."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return force_str(value).strip() if value is not None else ""


class NaturalKeyWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the related object's natural key (an ISO3 code, a label).

    Lookups are cached for the length of one import: a file of 10,000 rows naming 30
    countries costs 30 queries, not 10,000.
    """

    def __init__(self, model: type[models.Model], field: str, *, noun: str, upper: bool = False):
        super().__init__(model, field=field)
        self.noun = noun
        self.upper = upper
        self.cache: dict[Any, models.Model | None] = {}

    def normalise(self, value: Any) -> str:
        text = cell_text(value)
        return text.upper() if self.upper else text

    def scope(self, row: dict | None) -> dict[str, Any]:
        """Extra lookups that narrow the key to the row (a roundtable number within its year)."""
        return {}

    def unknown_message(self, key: str, row: dict | None) -> str:
        return gettext("unknown %(noun)s '%(key)s'") % {"noun": self.noun, "key": key}

    def clean(self, value: Any, row: dict | None = None, **kwargs) -> models.Model | None:
        key = self.normalise(value)
        if not key:
            return None
        scope = self.scope(row)
        cache_key = (key, *scope.values())
        if cache_key not in self.cache:
            self.cache[cache_key] = self.model._default_manager.filter(
                **{self.field: key}, **scope
            ).first()
        found = self.cache[cache_key]
        if found is None:
            raise UnknownKeyError(self.unknown_message(key, row))
        return found


class NaturalKeysWidget(widgets.ManyToManyWidget):
    """A many-to-many written as natural keys separated by ";" (MAR; TUN)."""

    def __init__(self, model: type[models.Model], field: str, *, noun: str, upper: bool = False):
        super().__init__(model, separator=";", field=field)
        self.noun = noun
        self.upper = upper
        self.cache: dict[str, models.Model] = {}

    def clean(self, value: Any, row: dict | None = None, **kwargs) -> list[models.Model]:
        keys = [cell_text(part) for part in force_str(value or "").split(self.separator)]
        keys = list(dict.fromkeys(key.upper() if self.upper else key for key in keys if key))
        missing = [key for key in keys if key not in self.cache]
        if missing:
            for obj in self.model._default_manager.filter(**{f"{self.field}__in": missing}):
                self.cache[getattr(obj, self.field)] = obj
        unknown = [key for key in keys if key not in self.cache]
        if unknown:
            raise UnknownKeyError(
                gettext("unknown %(noun)s %(keys)s")
                % {"noun": self.noun, "keys": ", ".join(f"'{key}'" for key in unknown)}
            )
        return [self.cache[key] for key in keys]

    def render(self, value: Any, obj: Any = None, **kwargs) -> str:
        if value is None:
            return ""
        items = value.all() if isinstance(value, models.Manager) else value
        return f"{self.separator} ".join(sorted(getattr(item, self.field) for item in items))


class LinksField(Field):
    """A many-to-many column. In a bulk import the links are written after the records, so
    until then the preview reads the links the row asks for."""

    def get_value(self, instance: models.Model) -> Any:
        pending = instance.__dict__.get(PENDING_LINKS, {})
        if self.attribute in pending:
            return pending[self.attribute]
        return super().get_value(instance)


PENDING_LINKS = "_import_pending_links"
ROW_NUMBER = "_import_row_number"


class ChoiceWidget(widgets.Widget):
    """A choice written as its label ("Co-Chair"); the stored value ("co_chair") works too."""

    def __init__(self, choices: Sequence[tuple[str, Any]], *, noun: str):
        super().__init__()
        self.choices = [(value, force_str(label)) for value, label in choices]
        self.noun = noun

    def clean(self, value: Any, row: dict | None = None, **kwargs) -> str:
        text = cell_text(value)
        if not text:
            return ""
        for stored, label in self.choices:
            if text.casefold() in (stored.casefold(), label.casefold()):
                return stored
        raise UnknownKeyError(
            gettext("unknown %(noun)s '%(value)s' (use one of: %(labels)s)")
            % {
                "noun": self.noun,
                "value": text,
                "labels": ", ".join(label for _stored, label in self.choices),
            }
        )

    def render(self, value: Any, obj: Any = None, **kwargs) -> str:
        return dict(self.choices).get(value, value or "")


class YesNoWidget(widgets.BooleanWidget):
    """yes/no cells; an empty cell is `blank`, the field's default (GfmdResource)."""

    TRUE = {"yes", "y", "true", "1", "x"}
    FALSE = {"no", "n", "false", "0"}

    def __init__(self, *, blank: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.blank = blank

    def clean(self, value: Any, row: dict | None = None, **kwargs) -> bool:
        if isinstance(value, bool):
            return value
        text = cell_text(value).casefold()
        if not text:
            return self.blank
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(gettext("'%(value)s' is not yes or no") % {"value": cell_text(value)})

    def render(self, value: Any, obj: Any = None, **kwargs) -> str:
        return gettext("yes") if value else gettext("no")


class IsoDateWidget(widgets.DateWidget):
    """Dates as 2020-05-31 only: 03/04/2020 means different days to different people."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)

    def clean(self, value: Any, row: dict | None = None, **kwargs) -> datetime.date | None:
        if isinstance(value, datetime.datetime):  # a workbook's date cell
            return value.date()
        if isinstance(value, str):
            value = value.strip()
        try:
            return super().clean(value, row, **kwargs)
        except ValueError as error:
            raise ValueError(
                gettext("'%(value)s' is not a date; write dates like 2020-05-31")
                % {"value": cell_text(value)}
            ) from error


class NumberWidget(widgets.DecimalWidget):
    def clean(self, value: Any, row: dict | None = None, **kwargs) -> Decimal | None:
        try:
            return super().clean(value, row, **kwargs)
        except (InvalidOperation, ValueError, TypeError) as error:
            raise ValueError(
                gettext("'%(value)s' is not a number") % {"value": cell_text(value)}
            ) from error


class WholeNumberWidget(widgets.IntegerWidget):
    def clean(self, value: Any, row: dict | None = None, **kwargs) -> int | None:
        try:
            return super().clean(value, row, **kwargs)
        except (InvalidOperation, ValueError, TypeError) as error:
            raise ValueError(
                gettext("'%(value)s' is not a whole number") % {"value": cell_text(value)}
            ) from error


class PreviewDiff(Diff):
    """The old and new values of a row, for the preview only: on confirm nobody sees them,
    and reading every field twice a row is a third of the import's time."""

    def __init__(self, resource: GfmdResource, instance: models.Model, new: bool):
        self.shown = resource.previewing
        if self.shown:
            super().__init__(resource, instance, new)

    def compare_with(self, resource: GfmdResource, instance: models.Model) -> None:
        if self.shown:
            super().compare_with(resource, instance)

    def as_html(self) -> list[str]:
        return super().as_html() if self.shown else []


# --- Results the admin shows ----------------------------------------------------------------


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
    numbering = Numbering.TABULAR
    columns: dict[str, str] = {}

    def row_label(self, index: int) -> str:
        """`index` counts records from 1, as django-import-export does."""
        noun, first = self.numbering
        return f"{noun} {index + first - 1}"

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
        """One line a record of the file, in file order, with what the import does to it."""
        return [
            PreviewRow(
                label=self.row_label(index),
                kind=row_result.import_type,
                status=str(STATUS_LABELS[row_result.import_type]),
                messages=self.messages_for(row_result),
                cells=row_result.diff
                or [row_result.row_values.get(column, "") for column in self.diff_headers],
            )
            for index, row_result in enumerate(self.rows, 1)
        ]

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

    def has_problems(self) -> bool:
        return self.has_errors() or self.has_validation_errors()


# --- Resources ------------------------------------------------------------------------------


class NaturalKeyInstanceLoader(ModelInstanceLoader):
    """Finds the record a row updates through `GfmdResource.lookup`; a key naming nothing
    known means a new record, and the row then fails validation with the widget's message
    rather than a traceback."""

    def get_instance(self, row: dict) -> models.Model | None:
        try:
            lookup = self.resource.lookup(row)
        except ValueError:
            return None
        return self.get_queryset().filter(**lookup).first() if lookup else None


class GfmdResource(ModelResource):
    """Base of every resource: natural keys, friendly messages, all or nothing, history user
    and country updates. Subclasses list their columns in `Meta.fields`."""

    WIDGETS_MAP = {
        **ModelResource.WIDGETS_MAP,
        "TextField": widgets.CharWidget,
        "BooleanField": YesNoWidget,
        "DateField": IsoDateWidget,
        "DecimalField": NumberWidget,
        "IntegerField": WholeNumberWidget,
        "PositiveIntegerField": WholeNumberWidget,
        "PositiveSmallIntegerField": WholeNumberWidget,
        "SmallIntegerField": WholeNumberWidget,
    }
    #: Columns read only to find the value of another column (the forum year a meeting title
    #: belongs to); required like the record's own required columns.
    context_columns: tuple[str, ...] = ()
    #: False where the only unique field is the import key: the instance loader already
    #: matched it and `find_duplicates` refused repeats, so a query a row would add nothing.
    validate_unique = True
    export_select_related: tuple[str, ...] = ()
    export_prefetch_related: tuple[str, ...] = ()

    class Meta:
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        store_row_values = True
        instance_loader_class = NaturalKeyInstanceLoader

    @classmethod
    def widget_kwargs_for_field(cls, field_name: str, django_field: models.Field) -> dict:
        kwargs = super().widget_kwargs_for_field(field_name, django_field)
        if isinstance(django_field, models.BooleanField):
            kwargs.setdefault("blank", bool(django_field.default))
        return kwargs

    def __init__(
        self,
        *,
        may_add: bool = True,
        protected: Iterable[str] = (),
        recorder: CountryUpdateRecorder | None = None,
        **kwargs,
    ):
        """The admin passes what the importing user's form allows (`get_import_resource_kwargs`):
        whether a row may add a record, and the fields shown read-only, which no row changes.

        `recorder` (issue 11, load_gfmd_data): one recorder for several files imported in one
        transaction; its owner records the country updates once all are written."""
        super().__init__(**kwargs)
        self.may_add = may_add
        self.protected = frozenset(protected)
        self.shared_recorder = recorder

    @classmethod
    def get_result_class(cls) -> type[ImportResult]:
        return ImportResult

    @classmethod
    def get_diff_class(cls) -> type[PreviewDiff]:
        return PreviewDiff

    @classmethod
    def field_from_django_field(cls, field_name: str, django_field: models.Field, readonly: bool):
        field = super().field_from_django_field(field_name, django_field, readonly)
        if django_field.choices:
            field.widget = ChoiceWidget(django_field.choices, noun=str(django_field.verbose_name))
        return field

    # Reading the file -----------------------------------------------------------------------

    def id_columns(self) -> list[str]:
        return [self.fields[name].column_name for name in self.get_import_id_fields()]

    def required_columns(self) -> list[str]:
        required = self.id_columns() + list(self.context_columns)
        opts = self._meta.model._meta
        for field in self.get_import_fields():
            if field.readonly or not field.attribute or field.column_name in required:
                continue
            model_field = opts.get_field(field.attribute.split("__")[0])
            if not (model_field.blank or model_field.has_default()):
                required.append(field.column_name)
        return required

    def check_dataset(self, dataset: tablib.Dataset) -> None:
        dataset.headers = [cell_text(header) for header in dataset.headers or []]
        # issue 11 (i11-loader): rules load_gfmd_data's own reader had, now for every import.
        known = {field.column_name for field in self.fields.values()}
        for column in filter(None, dataset.headers):  # a spreadsheet's unnamed empty columns
            if dataset.headers.count(column) > 1:
                raise ImportFileError(
                    gettext('The column "%(column)s" appears twice.') % {"column": column}, line=1
                )
            if column not in known:
                raise ImportFileError(
                    gettext('Unknown column "%(column)s"; the columns are: %(known)s.')
                    % {"column": column, "known": ", ".join(self.get_export_headers())},
                    line=1,
                )
        missing = [column for column in self.required_columns() if column not in dataset.headers]
        if missing:
            raise ImportFileError(
                gettext(
                    "The file has no column %(missing)s. The first row must name the columns; "
                    "these are needed: %(required)s."
                )
                % {
                    "missing": ", ".join(f'"{column}"' for column in missing),
                    "required": ", ".join(self.required_columns()),
                }
            )
        if not len(dataset):
            raise ImportFileError(gettext("The file names its columns but has no rows to import."))

    def lookup(self, row: dict) -> dict[str, Any]:
        """The natural key of the record a row stands for, as queryset filters."""
        return {
            self.fields[name].attribute: self.fields[name].clean(row)
            for name in self.get_import_id_fields()
        }

    def find_duplicates(self, dataset: tablib.Dataset) -> dict[int, int]:
        """Rows (numbered from 1) that name the same record as an earlier row → that row."""
        seen: dict[tuple, int] = {}
        duplicates: dict[int, int] = {}
        for index, values in enumerate(dataset, 1):
            cells = zip(dataset.headers, values, strict=True)
            row = {header: unescape_formula(value) for header, value in cells}
            try:
                key = tuple(self.lookup(row).items())
            except (ValueError, KeyError):
                continue  # reported by the row's own validation
            if key in seen:
                duplicates[index] = seen[key]
            else:
                seen[key] = index
        return duplicates

    # Importing ------------------------------------------------------------------------------

    def import_data(
        self,
        dataset: tablib.Dataset,
        dry_run: bool = False,
        raise_errors: bool = False,
        use_transactions: bool | None = None,
        collect_failed_rows: bool = False,
        rollback_on_validation_errors: bool = False,
        **kwargs,
    ) -> ImportResult:
        """Import all rows or none: any invalid row rolls the whole file back."""
        self.numbering = getattr(dataset, "numbering", Numbering.TABULAR)
        self.previewing = dry_run
        self.import_user = kwargs.get("user")
        self.file_name = kwargs.get("file_name")
        self.recorder = (
            None
            if dry_run
            else self.shared_recorder or CountryUpdateRecorder(source=CountryUpdate.Source.IMPORT)
        )
        for field in self.fields.values():
            if isinstance(field.widget, NaturalKeyWidget | NaturalKeysWidget):
                field.widget.cache.clear()
        try:
            self.check_dataset(dataset)
        except ImportFileError as error:
            result = self.get_result_class()()
            self.handle_import_error(result, error, raise_errors)
        else:
            self.duplicates = self.find_duplicates(dataset)
            result = super().import_data(
                dataset,
                dry_run=dry_run,
                raise_errors=raise_errors,
                use_transactions=True,
                collect_failed_rows=collect_failed_rows,
                rollback_on_validation_errors=True,
                **kwargs,
            )
        result.numbering = self.numbering
        result.columns = {
            field.attribute: field.column_name
            for field in self.get_import_fields()
            if field.attribute
        }
        return result

    def before_import_row(self, row: dict, **kwargs) -> None:
        for column, value in row.items():
            row[column] = unescape_formula(value)

    def import_instance(self, instance: models.Model, row: dict, **kwargs) -> None:
        """As the library's, but many-to-many values are checked now (saved after the record),
        unknown keys keep their own message, and a repeated row is refused."""
        errors: dict[str, Any] = {}
        general: list[ValidationError] = []
        if instance._state.adding and not self.may_add:
            opts = self._meta.model._meta
            general.append(
                ValidationError(
                    gettext("names no %(noun)s that exists, and you may not add %(nouns)s")
                    % {"noun": opts.verbose_name, "nouns": opts.verbose_name_plural},
                    code="may_not_add",
                )
            )
        for field in self.get_import_fields():
            if field.column_name not in row:
                continue
            if field.attribute in self.protected:
                if not self.keeps_value(field, instance, row):
                    errors[field.attribute] = ValidationError(
                        gettext("you may not change this column; leave it empty or as it is"),
                        code="protected",
                    )
                continue
            try:
                if isinstance(field.widget, widgets.ManyToManyWidget):
                    field.clean(row)
                else:
                    self.import_field(field, instance, row, **kwargs)
            except UnknownKeyError as error:
                errors[field.attribute] = ValidationError(str(error), code="unknown_key")
            except ValueError as error:
                errors[field.attribute] = ValidationError(str(error), code="invalid")
        first = self.duplicates.get(kwargs.get("row_number"))
        if first is not None:
            noun, offset = self.numbering
            general.append(
                ValidationError(
                    gettext("repeats %(row)s (same %(columns)s)")
                    % {
                        "row": f"{noun} {first + offset - 1}",
                        "columns": ", ".join(self.id_columns()),
                    },
                    code="duplicate_row",
                )
            )
        if general:
            errors[NON_FIELD_ERRORS] = general
        if errors:
            raise ValidationError(errors)

    def get_user_visible_fields(self) -> list[Field]:
        """The columns the import page says it writes: not those protected for this user."""
        return [
            field
            for field in super().get_user_visible_fields()
            if field.attribute not in self.protected
        ]

    def keeps_value(self, field: Field, instance: models.Model, row: dict) -> bool:
        """A protected column may be empty or hold the record's own value (so an exported file
        imports back unchanged); any other value would change what the user may not."""
        if cell_text(row[field.column_name]) == "":
            return True
        try:
            return field.clean(row) == field.get_value(instance)
        except ValueError:
            return False

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """Model.full_clean, step by step, minus what costs a query a row for nothing:
        foreign keys a natural-key widget has just found are not looked up again, a bulk
        import leaves check constraints to the database (see `bulk_write`), and
        `validate_unique` is off where the import key is the only unique field."""
        errors = dict(import_validation_errors or {})
        # issue 11: values a database column cannot hold (imports.validation), on any database.
        errors |= {
            name: ValidationError(problems)
            for name, problems in column_errors(instance, exclude=errors).items()
        }
        found = {
            field.attribute
            for field in self.get_import_fields()
            if isinstance(field.widget, NaturalKeyWidget)
        }
        steps = [
            lambda: instance.clean_fields(exclude=set(errors) | found),
            instance.clean,
        ]
        if self.validate_unique:
            steps.append(lambda: instance.validate_unique(exclude=set(errors)))
        if not self._meta.use_bulk:
            steps.append(lambda: instance.validate_constraints(exclude=set(errors)))
        for step in steps:
            try:
                step()
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    # Bulk writes (Meta.use_bulk): records, their links and their history, a few queries a
    # batch instead of some twenty a row. The library leaves links out of bulk imports and
    # writes no history; both are done here.

    def save_m2m(self, instance: models.Model, row: dict, **kwargs) -> None:
        if not self._meta.use_bulk:
            return super().save_m2m(instance, row, **kwargs)
        instance.__dict__[PENDING_LINKS] = {
            field.attribute: field.clean(row)
            for field in self.get_import_fields()
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row
        }

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        self.bulk_write(
            self.create_instances, created=True, result=result, raise_errors=raise_errors
        )

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        self.bulk_write(
            self.update_instances, created=False, result=result, raise_errors=raise_errors
        )

    def get_bulk_update_fields(self) -> list[str]:
        opts = self._meta.model._meta
        return [
            field.attribute
            for name, field in self.fields.items()
            if name not in self.get_import_id_fields()
            and not field.readonly
            and field.attribute not in self.protected
            and not opts.get_field(field.attribute).many_to_many
        ]

    def bulk_write(self, instances: list, *, created: bool, result, raise_errors: bool) -> None:
        """Always inside the import's transaction (use_transactions is forced), which a dry
        run or any error rolls back."""
        if not instances:
            return
        model = self._meta.model
        try:
            with transaction.atomic():
                if created:
                    model._default_manager.bulk_create(instances)
                else:
                    model._default_manager.bulk_update(instances, self.get_bulk_update_fields())
            self.write_links(instances)
            history = model.history.bulk_history_create(instances, update=not created)
            self.write_link_history(instances, history)
        except IntegrityError as error:
            # Rare, so only now is each record of the batch checked, to name its row.
            broken = self.broken_constraints(instances)
            for problem in broken or [error]:
                self.handle_import_error(result, problem, raise_errors)
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            instances.clear()

    def broken_constraints(self, instances: list[models.Model]) -> list[ImportFileError]:
        noun, offset = self.numbering
        problems = []
        for instance in instances:
            try:
                instance.validate_constraints()
            except ValidationError as error:
                row = instance.__dict__.get(ROW_NUMBER, 0) + offset - 1
                problems += [ImportFileError(f"{noun} {row}: {text}") for text in error.messages]
        return problems

    def link_fields(self) -> list[models.ManyToManyField]:
        opts = self._meta.model._meta
        return [
            opts.get_field(field.attribute)
            for field in self.get_import_fields()
            if isinstance(field.widget, widgets.ManyToManyWidget)
        ]

    def write_links(self, instances: list[models.Model]) -> None:
        for field in self.link_fields():
            through = field.remote_field.through
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
            changed = {
                instance.pk: instance.__dict__[PENDING_LINKS][field.name]
                for instance in instances
                if field.name in instance.__dict__.get(PENDING_LINKS, {})
            }
            through.objects.filter(**{f"{source}__in": changed}).delete()
            through.objects.bulk_create(
                through(**{f"{source}_id": pk, f"{target}_id": item.pk})
                for pk, items in changed.items()
                for item in items
            )
        for instance in instances:
            instance.__dict__.pop(PENDING_LINKS, None)

    def write_link_history(self, instances: list[models.Model], history: list) -> None:
        """What simple_history's m2m_fields store for each historical record: the links as
        they are after the write."""
        tracked = {field.name for field in self.history_model()._history_m2m_fields}
        for field in self.link_fields():
            if field.name not in tracked:
                continue
            through = field.remote_field.through
            source = field.m2m_field_name()
            link_history = apps.get_model(
                through._meta.app_label, f"Historical{through._meta.object_name}"
            )
            links: dict[int, list] = {}
            for link in through.objects.filter(**{f"{source}__in": instances}):
                links.setdefault(getattr(link, f"{source}_id"), []).append(link)
            link_history.objects.bulk_create(
                link_history(
                    history=record,
                    **{f.attname: getattr(link, f.attname) for f in through._meta.fields},
                )
                for instance, record in zip(instances, history, strict=True)
                for link in links.get(instance.pk, [])
            )

    def history_model(self) -> type[models.Model]:
        return self._meta.model.history.model

    def affected_countries(self, instance: models.Model, row: dict) -> set[int]:
        """Primary keys of the countries whose page this row may change, before it is written:
        those showing the record as stored; subclasses add what the row's columns name."""
        return countries_shown_with(instance)

    def after_init_instance(self, instance: models.Model, new: bool, row: dict, **kwargs) -> None:
        if self.recorder:  # not for a preview
            self.recorder.watch(self.affected_countries(instance, row))

    def before_save_instance(self, instance: models.Model, row: dict, **kwargs) -> None:
        instance.__dict__[ROW_NUMBER] = kwargs.get("row_number")
        user = self.import_user
        if user is not None and user.is_authenticated:
            instance._history_user = user
        reason = (
            gettext("Imported from %(file)s") % {"file": self.file_name}
            if self.file_name
            else gettext("Imported")
        )
        # issue 11: a long file name must not overflow the history's column (PostgreSQL).
        limit = self.history_model()._meta.get_field("history_change_reason").max_length
        instance._change_reason = reason if not limit or len(reason) <= limit else reason[:limit]

    def after_import(self, dataset: tablib.Dataset, result: ImportResult, **kwargs) -> None:
        super().after_import(dataset, result, **kwargs)
        if self.recorder and not self.shared_recorder and not result.has_problems():
            self.recorder.record()

    # Exporting ------------------------------------------------------------------------------

    def filter_export(self, queryset: models.QuerySet, **kwargs) -> models.QuerySet:
        return queryset.select_related(*self.export_select_related).prefetch_related(
            *self.export_prefetch_related
        )


def related_ids(value: Iterable[models.Model] | models.Model | None) -> set[int]:
    if value is None:
        return set()
    if isinstance(value, models.Model):
        return {value.pk}
    return {item.pk for item in value}


def clean_or_none(resource: GfmdResource, column: str, row: dict) -> Any:
    """The value of a column for `affected_countries`; invalid values are reported elsewhere."""
    field = resource.fields[column]
    if field.column_name not in row:
        return None
    try:
        return field.clean(row)
    except ValueError:
        return None


def country_field(attribute: str = "country") -> Field:
    return Field(
        attribute=attribute,
        column_name=attribute,
        widget=NaturalKeyWidget(Country, "iso3", noun=_("country code"), upper=True),
    )


def countries_field(attribute: str) -> Field:
    return LinksField(
        attribute=attribute,
        column_name=attribute,
        widget=NaturalKeysWidget(Country, "iso3", noun=_("country code"), upper=True),
    )


def forum_year_field() -> Field:
    return Field(
        attribute="forum_year",
        column_name="forum_year",
        widget=NaturalKeyWidget(ForumYear, "label", noun=_("forum year")),
    )


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


# --- Admin ----------------------------------------------------------------------------------


class LimitedImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            check_file_size(upload.size)
        except ImportFileError as error:
            raise ValidationError(str(error), code="too_big") from error
        return upload


class GfmdExportMixin(ExportMixin):
    """Export in CSV, XLSX and JSON with formulas escaped; for the admin of any model."""

    formats = FORMATS


class GfmdImportExportMixin(ImportExportMixin):
    """Import with limits, a preview of every row and all-or-nothing writes; export as above.

    Put it before `SimpleHistoryAdmin` in the bases: imports then leave history rows that
    name the user, which the admin's history view shows and can revert.
    """

    formats = FORMATS
    import_form_class = LimitedImportForm
    import_template_name = "admin/import_export/gfmd_import.html"

    def get_import_resource_kwargs(self, request, **kwargs) -> dict[str, Any]:
        """An import writes only what the user's form could: no new record without the add
        permission, and no field the form shows the user read-only."""
        return super().get_import_resource_kwargs(request, **kwargs) | {
            "may_add": self.has_add_permission(request),
            "protected": self.get_readonly_fields(request),
        }

    def add_data_read_fail_error_to_form(self, form, e: Exception) -> None:
        if isinstance(e, ImportFileError):
            message = str(e)
        elif isinstance(e, UnicodeDecodeError):
            message = str(NOT_TEXT_MESSAGE)
        else:
            message = gettext(
                "This file cannot be read in the format chosen. Choose the format that "
                "matches the file (CSV, XLSX or JSON)."
            )
        form.add_error("import_file", message)

    def process_result(self, result: ImportResult, request):
        """The confirm step re-reads the file; if the data changed since the preview and a
        row is now invalid, nothing was written: say so rather than "Import finished"."""
        if not result.has_problems():
            return super().process_result(result, request)
        messages.error(request, gettext("Nothing was imported: the file has problems."))
        context = self.admin_site.each_context(request)
        context.update(
            title=gettext("Import"),
            opts=self.model._meta,
            result=result,
            form=self.get_import_form_class(request)(
                self.get_import_formats(), self.get_import_resource_classes(request)
            ),
            import_error_display=self.import_error_display,
        )
        return TemplateResponse(request, [self.import_template_name], context)
