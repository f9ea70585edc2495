"""Cells as people type them: natural keys (ISO3 codes, labels), choices by label, yes/no,
ISO dates, numbers; each with a message that says what is wrong with the cell."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import gettext
from import_export import widgets
from import_export.fields import Field

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

    def warm(self, values: Iterable[Any]) -> None:
        """Look up the keys of a whole column at once (one query a thousand keys, not one a
        key), when the key is unique on its own (no scope: `scope` narrows it by row)."""
        if type(self).scope is not NaturalKeyWidget.scope:
            return
        if not self.model._meta.get_field(self.field).unique:
            return
        keys = list({self.normalise(value) for value in values} - {""} - {k for (k,) in self.cache})
        for first in range(0, len(keys), 1000):
            chunk = keys[first : first + 1000]
            found = {
                getattr(obj, self.field): obj
                for obj in self.model._default_manager.filter(**{f"{self.field}__in": chunk})
            }
            for key in chunk:
                self.cache[(key,)] = found.get(key)

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
