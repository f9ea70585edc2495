"""The base of every resource: natural keys, friendly messages, all or nothing, bulk writes
with history, and hooks that let an app record what an import changed."""

from __future__ import annotations

import contextlib
import difflib
import zlib
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, Protocol

import tablib
from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connections, models, router, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import widgets
from import_export.fields import Field
from import_export.instance_loaders import ModelInstanceLoader
from import_export.resources import ModelResource

from imports.formats import ImportFileError, RowNumbers, dataset_rows, unescape_formula
from imports.results import (
    PREVIEW_ROWS,
    ImportResult,
    ImportRowResult,
    PreviewDiff,
    WorkbookResult,
)
from imports.validation import column_errors
from imports.widgets import (
    PENDING_LINKS,
    ROW_NUMBER,
    ChoiceWidget,
    IsoDateWidget,
    NaturalKeysWidget,
    NaturalKeyWidget,
    NumberWidget,
    UnknownKeyError,
    WholeNumberWidget,
    YesNoWidget,
    cell_text,
)
from imports.workbooks import Sheet, Workbook

# --- Resources ------------------------------------------------------------------------------


REFUSED_MESSAGE = _(
    "The database refused the file: a row breaks one of its rules. Check the file for "
    "values that must be unique."
)
STALE_PREVIEW_MESSAGE = _(
    "Someone else imported changes to these rows while you were looking at the preview, so "
    "nothing was imported. Preview the file again to see what it would change now."
)


def import_lock_acquire(model: type[models.Model]) -> None:
    """Wait for, then hold until the transaction ends, the lock of imports into `model`
    (a PostgreSQL advisory lock; SQLite lets one transaction write at a time anyway)."""
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [IMPORT_LOCK_NAMESPACE, import_lock_key(model)]
        )


def import_lock_key(model: type[models.Model]) -> int:
    """The other half of the lock's key: the model, as a signed 32-bit integer."""
    return zlib.crc32(model._meta.label_lower.encode()) - 2**31


#: How often an import tells its `progress` the rows done.
PROGRESS_ROWS = 200

IMPORT_LOCK_NAMESPACE = 1_148_020  # any fixed number; the other half of the key is the model


class NotRecording:
    """The recorder of a workbook's preview: each sheet's import writes (so that the next
    sheet sees its rows), but nothing is recorded and the whole is rolled back."""

    def watch(self, keys: Iterable[Any]) -> None:
        pass

    def record(self) -> None:
        pass


NOT_RECORDING = NotRecording()


class ChangeRecorder(Protocol):
    """Told what a confirmed import may change before it writes (`watch`), asked to record
    what did change once every row is written (`record`), inside the import's transaction."""

    def watch(self, keys: Iterable[Any]) -> None: ...

    def record(self) -> Any: ...


class NaturalKeyInstanceLoader(ModelInstanceLoader):
    """Finds the record a row updates through `GfmdResource.lookup`; a key naming nothing
    known means a new record, and the row then fails validation with the widget's message
    rather than a traceback.

    The records the file may name are read once, a few queries for the whole file, not one a
    row: those whose first key column holds a value the file has (the contributions of the
    countries the file names), indexed by their key."""

    CHUNK = 1000

    def __init__(self, resource: GfmdResource, dataset: tablib.Dataset | None = None):
        super().__init__(resource, dataset)
        self.index: dict[tuple, models.Model] | None = None

    def get_instance(self, row: dict) -> models.Model | None:
        try:
            lookup = self.resource.cached_lookup(row)
        except (ValueError, KeyError):
            return None
        if not lookup:
            return None
        if self.index is None:
            self.index = self.read_index()
        instance = self.index.get(self.key(lookup))
        if instance is not None:
            # The related records of its key, as the widgets found them: what reads them
            # (the preview's diff, the history, the country updates) queries nothing more.
            for name, value in lookup.items():
                if isinstance(value, models.Model):
                    setattr(instance, name, value)
        return instance

    def key(self, lookup: dict[str, Any]) -> tuple:
        return tuple(
            sorted(
                (name, value.pk if isinstance(value, models.Model) else value)
                for name, value in lookup.items()
            )
        )

    def read_index(self) -> dict[tuple, models.Model]:
        lookups = []
        for values in self.dataset or []:
            row = {
                header: unescape_formula(value)
                for header, value in zip(self.dataset.headers, values, strict=True)
            }
            with contextlib.suppress(ValueError, KeyError):
                lookups.append(self.resource.cached_lookup(row))
        if not lookups:
            return {}
        opts = self.resource._meta.model._meta
        narrowing = next(iter(lookups[0]))
        wanted = list(
            {
                self.key({narrowing: lookup[narrowing]})[0][1]
                for lookup in lookups
                if narrowing in lookup
            }
        )
        shapes = {tuple(sorted(lookup)) for lookup in lookups}
        attnames = {name: opts.get_field(name).attname for shape in shapes for name in shape}
        index: dict[tuple, models.Model] = {}
        for first in range(0, len(wanted), self.CHUNK):
            chunk = wanted[first : first + self.CHUNK]
            queryset = self.get_queryset().filter(**{f"{attnames[narrowing]}__in": chunk})
            for obj in queryset.order_by("-pk"):  # the first record wins, as .first() did
                for shape in shapes:
                    key = tuple((name, getattr(obj, attnames[name])) for name in shape)
                    index[key] = obj
        return index


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
    #: The workbook of several sheets that this resource's import page also takes whole, each
    #: sheet imported by its own resource (the country profile for countries); None: one sheet.
    workbook: Workbook | None = None
    #: Columns read only to find the value of another column (the forum year a meeting title
    #: belongs to); required like the record's own required columns.
    context_columns: tuple[str, ...] = ()
    export_select_related: tuple[str, ...] = ()
    export_prefetch_related: tuple[str, ...] = ()

    class Meta:
        use_transactions = True
        # Records, links and history written a batch at a time (see `bulk_write`).
        use_bulk = True
        batch_size = 1000
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
        permissions_for: Callable[[type[models.Model]], dict | None] | None = None,
        **kwargs,
    ):
        """The admin passes what the importing user's form allows (`get_import_resource_kwargs`):
        whether a row may add a record, and the fields shown read-only, which no row changes;
        for a workbook, `permissions_for(model)` gives the same for each sheet's model (None:
        the user may not import it)."""
        super().__init__(**kwargs)
        self.may_add = may_add
        self.protected = frozenset(protected)
        self.permissions_for = permissions_for

    @classmethod
    def get_result_class(cls) -> type[ImportResult]:
        return ImportResult

    def get_row_result_class(self) -> type[ImportRowResult]:
        return ImportRowResult

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
        named = [column for column in dataset.headers if column]  # unnamed empty columns aside
        for column in named:
            if named.count(column) > 1:
                raise ImportFileError(
                    gettext('The column "%(column)s" appears twice.') % {"column": column}, line=1
                )
        # Unknown before missing: a misspelt column is named, with its nearest known name.
        known = [field.column_name for field in self.fields.values()]
        unknown = [column for column in named if column not in known]
        if unknown:
            raise ImportFileError(self.unknown_column_message(unknown[0], known), line=1)
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
                },
                line=1,
            )
        if not len(dataset):
            raise ImportFileError(gettext("The file names its columns but has no rows to import."))

    @staticmethod
    def unknown_column_message(column: str, known: list[str]) -> str:
        """A column this resource does not read would be dropped silently; it is refused,
        with the nearest known name when there is one (a typo)."""
        near = difflib.get_close_matches(column, known, n=1, cutoff=0.6)
        hint = gettext(' (did you mean "%(near)s"?)') % {"near": near[0]} if near else ""
        return gettext(
            'The file has a column "%(column)s"%(hint)s that is not imported here. Correct '
            "its name or remove it; the columns are: %(known)s."
        ) % {"column": column, "hint": hint, "known": ", ".join(known)}

    def lookup(self, row: dict) -> dict[str, Any]:
        """The natural key of the record a row stands for, as queryset filters."""
        return {
            self.fields[name].attribute: self.fields[name].clean(row)
            for name in self.get_import_id_fields()
        }

    def cached_lookup(self, row: dict) -> dict[str, Any]:
        """`lookup`, worked out once a row for the duplicates, the instance loader and the
        row's import (it raises again what it raised)."""
        key = tuple(row.items())
        if key not in self.lookups:
            try:
                self.lookups[key] = self.lookup(row)
            except (ValueError, KeyError) as error:
                self.lookups[key] = error
        found = self.lookups[key]
        if isinstance(found, Exception):
            raise found
        return found

    def find_duplicates(self, dataset: tablib.Dataset) -> dict[int, int]:
        """Rows (numbered from 1) that name the same record as an earlier row → that row."""
        seen: dict[tuple, int] = {}
        duplicates: dict[int, int] = {}
        for index, values in enumerate(dataset, 1):
            cells = zip(dataset.headers, values, strict=True)
            row = {header: unescape_formula(value) for header, value in cells}
            try:
                key = tuple(self.cached_lookup(row).items())
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
        """Import all rows or none: any invalid row rolls the whole file back (by default the
        library commits the valid rows, django-import-export#1338)."""
        rows = dataset_rows(dataset)
        if rows > kwargs.pop("defer_above_rows", rows):
            # Too long to wait for in a request: the admin has the worker do it (ImportJob).
            deferred = self.get_result_class()()
            deferred.deferred_rows = rows
            return deferred
        self.row_numbers = RowNumbers.of(dataset, prefix=kwargs.pop("row_prefix", ""))
        self.import_user = kwargs.get("user")
        self.file_name = kwargs.get("file_name")
        reason = (
            gettext("Imported from %(file)s") % {"file": self.file_name}
            if self.file_name
            else gettext("Imported")
        )
        # A long file name must not overflow the history's column (PostgreSQL refuses it).
        limit = self.history_model()._meta.get_field("history_change_reason").max_length
        self.change_reason = reason[:limit] if limit else reason
        self.lookups: dict[tuple, Any] = {}
        self.diffs_left = PREVIEW_ROWS
        self.expected_preview = kwargs.pop("expected_preview", None)
        #: Told the rows done so far, now and then (a background import's status page).
        self.progress = kwargs.pop("progress", None)
        self.rows_done = 0
        self.previewing = kwargs.pop("previewing", dry_run)
        shared_recorder = kwargs.pop("recorder", None)
        self.owns_recorder = shared_recorder is None
        self.recorder = shared_recorder or (None if dry_run else self.get_change_recorder())
        self.unwatched: set[Any] = set()  # keys of the rows of the next bulk write
        sheets = [] if kwargs.pop("in_workbook", False) else getattr(dataset, "sheets", [])
        if self.takes_as_workbook(sheets):
            return self.import_workbook(
                sheets, dry_run=dry_run, raise_errors=raise_errors, **kwargs
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
            for field in self.get_import_fields():
                if isinstance(field.widget, NaturalKeyWidget) and field.column_name in (
                    dataset.headers or []
                ):
                    field.widget.warm(dataset[field.column_name])
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
        result.row_numbers = self.row_numbers
        result.columns = {
            field.attribute: field.column_name
            for field in self.get_import_fields()
            if field.attribute
        }
        return result

    # Workbooks of several sheets ------------------------------------------------------------

    def takes_as_workbook(self, sheets: list[tablib.Dataset]) -> bool:
        """Several sheets, or one sheet that the workbook names for another resource."""
        if len(sheets) > 1:
            return True
        if self.workbook is None or not sheets:
            return False
        sheet = self.workbook.sheet_named(sheets[0].title or "")
        return sheet is not None and sheet.resource_class is not type(self)

    def import_workbook(
        self, sheets: list[tablib.Dataset], *, dry_run: bool, raise_errors: bool, **kwargs
    ) -> WorkbookResult:
        """Each sheet by its resource, in the workbook's order, all in one transaction: the
        preview is the import rolled back, so a sheet sees the rows of the sheets before it
        (a new thematic meeting, then the countries that took part in it)."""
        result = WorkbookResult()
        try:
            named = self.workbook_sheets(sheets)
        except ImportFileError as error:
            self.handle_import_error(result, error, raise_errors)
            return result
        with transaction.atomic():
            for sheet, dataset in named:
                model = sheet.resource_class._meta.model
                permissions = self.permissions_for(model) if self.permissions_for else {}
                if permissions is None:
                    message = gettext("Sheet '%(sheet)s': you may not import %(records)s.") % {
                        "sheet": dataset.title,
                        "records": model._meta.verbose_name_plural,
                    }
                    self.handle_import_error(result, ImportFileError(message), raise_errors)
                    break
                sheet_result = sheet.resource_class(**permissions).import_data(
                    dataset,
                    dry_run=False,
                    raise_errors=raise_errors,
                    previewing=dry_run,
                    recorder=self.recorder or NOT_RECORDING,
                    row_prefix=WorkbookResult.sheet_prefix(dataset.title),
                    in_workbook=True,
                    progress=self.progress and partial(self.sheet_progress, self.rows_done),
                    **kwargs,
                )
                result.add_sheet(dataset.title, sheet_result)
                self.rows_done += len(dataset)
            if (
                self.expected_preview
                and not result.has_problems()
                and result.fingerprint() != self.expected_preview
            ):
                self.handle_import_error(
                    result, ImportFileError(STALE_PREVIEW_MESSAGE), raise_errors
                )
            if dry_run or result.has_problems():
                transaction.set_rollback(True)
            elif self.recorder:
                self.recorder.record()
        result.diff_headers = []
        return result

    def workbook_sheets(self, sheets: list[tablib.Dataset]) -> list[tuple[Sheet, tablib.Dataset]]:
        """The sheets with what the workbook says of each, in the workbook's order."""
        opts = self._meta.model._meta
        if self.workbook is None:
            raise ImportFileError(
                gettext(
                    "Sheet '%(sheet)s' is not expected here: this page imports one sheet of "
                    "%(records)s. Remove the other sheets, or import each on its own page."
                )
                % {"sheet": sheets[1].title, "records": opts.verbose_name_plural}
            )
        named = []
        for dataset in sheets:
            sheet = self.workbook.sheet_named(dataset.title or "")
            if sheet is None:
                raise ImportFileError(
                    gettext(
                        "Sheet '%(sheet)s' is not expected in this workbook; its sheets are "
                        "%(titles)s. Rename or remove it."
                    )
                    % {
                        "sheet": dataset.title,
                        "titles": ", ".join(f"'{title}'" for title in self.workbook.titles()),
                    }
                )
            named.append((sheet, dataset))
        return sorted(named, key=lambda item: self.workbook.sheets.index(item[0]))

    def sheet_progress(self, sheets_before: int, rows_done: int) -> None:
        self.progress(sheets_before + rows_done)

    def after_import_row(self, row: dict, row_result, **kwargs) -> None:
        super().after_import_row(row, row_result, **kwargs)
        self.rows_done += 1
        if self.progress and self.rows_done % PROGRESS_ROWS == 0:
            self.progress(self.rows_done)

    def before_import_row(self, row: dict, **kwargs) -> None:
        for column, value in row.items():
            row[column] = unescape_formula(value)

    def import_instance(self, instance: models.Model, row: dict, **kwargs) -> None:
        """As the library's, but many-to-many values are checked now (saved after the record;
        the library would skip an unknown one without a word, django-import-export#1302),
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
            general.append(
                ValidationError(
                    gettext("repeats %(row)s (same %(columns)s)")
                    % {
                        "row": self.row_numbers.label(first).removeprefix(self.row_numbers.prefix),
                        "columns": ", ".join(self.id_columns()),
                    },
                    code="duplicate_row",
                )
            )
        if general:
            errors[NON_FIELD_ERRORS] = general
        if errors:
            raise ValidationError(errors)

    def get_import_fields(self) -> list[Field]:
        """Worked out once a resource: the library asks for them several times a row."""
        if "_import_fields" not in self.__dict__:
            self._import_fields = super().get_import_fields()
        return self._import_fields

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
        foreign keys a natural-key widget has just found are not looked up again, and a bulk
        import leaves unique fields and constraints to the database, naming the rows that
        break one only when a batch is refused (see `broken_constraints`)."""
        errors = dict(import_validation_errors or {})
        # Values a database column cannot hold (imports.validation), the same on any database.
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
        if not self._meta.use_bulk:
            steps.append(lambda: instance.validate_unique(exclude=set(errors)))
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
        if self.recorder and self.unwatched:
            # What the rows of this batch may change, read in a few queries for all of them.
            self.recorder.watch(self.unwatched)
            self.unwatched = set()
        try:
            with transaction.atomic():
                if created:
                    model._default_manager.bulk_create(instances)
                else:
                    model._default_manager.bulk_update(instances, self.get_bulk_update_fields())
            self.write_links(instances)
            if not self.previewing:  # rolled back with the rest, and it cannot fail
                history = model.history.bulk_history_create(instances, update=not created)
                self.write_link_history(instances, history)
        except IntegrityError:
            # Rare, so only now is each record of the batch checked, to name its row.
            broken = self.broken_constraints(instances) or [ImportFileError(REFUSED_MESSAGE)]
            for problem in broken:
                self.handle_import_error(result, problem, raise_errors)
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            instances.clear()

    def broken_constraints(self, instances: list[models.Model]) -> list[ImportFileError]:
        """What the database refused in a batch, row by row: a constraint or a unique value
        against the records stored, or two rows of the batch with the same unique values."""

        def label(instance: models.Model) -> str:
            return self.row_numbers.label(instance.__dict__.get(ROW_NUMBER, 0))

        problems = []
        for instance in instances:
            for check in (instance.validate_unique, instance.validate_constraints):
                try:
                    check()
                except ValidationError as error:
                    texts = error.messages
                    problems += [ImportFileError(f"{label(instance)}: {text}") for text in texts]
        opts = self._meta.model._meta
        unique_sets = [
            (field.name,) for field in opts.fields if field.unique and not field.primary_key
        ]
        unique_sets += [
            tuple(constraint.fields)
            for constraint in opts.constraints
            if isinstance(constraint, models.UniqueConstraint) and constraint.fields
        ]
        for names in unique_sets:
            attnames = [opts.get_field(name).attname for name in names]
            seen: dict[tuple, models.Model] = {}
            for instance in instances:
                values = tuple(getattr(instance, attname) for attname in attnames)
                if any(value in (None, "") for value in values):
                    continue  # never equal in the database, or outside a conditional constraint
                if values in seen:
                    problems.append(
                        ImportFileError(
                            gettext("%(row)s: repeats the %(columns)s of %(first)s")
                            % {
                                "row": label(instance),
                                "columns": ", ".join(names),
                                "first": label(seen[values]).removeprefix(self.row_numbers.prefix),
                            }
                        )
                    )
                else:
                    seen[values] = instance
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

    # Hooks for the apps: recording what a confirmed import changed --------------------------

    def get_change_recorder(self) -> ChangeRecorder | None:
        """What records the changes of a confirmed import (never of a preview); none here. An
        app returns one (countries: one country update per country page changed)."""
        return None

    def watched_keys(self, instance: models.Model, row: dict) -> set[Any]:
        """What the recorder must look at before this row is written (the primary keys of the
        countries whose page it may change); called once a row, before the write."""
        return set()

    def after_init_instance(self, instance: models.Model, new: bool, row: dict, **kwargs) -> None:
        if not self.recorder:  # a preview
            return
        if self._meta.use_bulk:  # watched together before the batch is written
            self.unwatched |= self.watched_keys(instance, row)
        else:
            self.recorder.watch(self.watched_keys(instance, row))

    def before_save_instance(self, instance: models.Model, row: dict, **kwargs) -> None:
        instance.__dict__[ROW_NUMBER] = kwargs.get("row_number")
        user = self.import_user
        if user is not None and user.is_authenticated:
            instance._history_user = user
        instance._change_reason = self.change_reason

    def before_import(self, dataset: tablib.Dataset, **kwargs) -> None:
        """A confirmed import holds its model's import lock until it commits: two staff
        confirming the same file at once write it one after the other, and the second then
        finds the first one's rows (see `after_import`)."""
        super().before_import(dataset, **kwargs)
        if not kwargs.get("dry_run"):
            import_lock_acquire(self._meta.model)

    def after_import(self, dataset: tablib.Dataset, result: ImportResult, **kwargs) -> None:
        super().after_import(dataset, result, **kwargs)
        if (
            self.expected_preview
            and not result.has_problems()
            and result.fingerprint() != self.expected_preview
        ):
            # Raised here, the library adds it to the result and rolls the whole file back.
            raise ImportFileError(STALE_PREVIEW_MESSAGE)
        if self.recorder and self.owns_recorder and not result.has_problems():
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
    """The value of a column for `watched_keys`; invalid values are reported elsewhere."""
    field = resource.fields[column]
    if field.column_name not in row:
        return None
    try:
        return field.clean(row)
    except ValueError:
        return None
