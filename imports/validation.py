"""What a record's values must be for its database columns to hold them, checked before writing.

Derived from the model's field metadata and the same on every database: SQLite stores 99999 in
a small integer column, 50000.125 in a two-place decimal and a NUL character in text, where
PostgreSQL refuses the first two with "smallint out of range" or "numeric field overflow" and
the third with a ValueError, or rounds the amount. Run before `Model.clean_fields`, so that a
row of an import is refused with a message on its column instead of a database error with no
file or row. Imports no app of the project.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import (
    DecimalValidator,
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    ProhibitNullCharactersValidator,
)
from django.db import models

# The ranges of Django's integer columns on PostgreSQL (and MySQL), not on the database in use:
# SQLite takes any 64-bit integer, so a file checked on SQLite would fail on PostgreSQL.
INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "SmallIntegerField": (-32_768, 32_767),
    "PositiveSmallIntegerField": (0, 32_767),
    "IntegerField": (-2_147_483_648, 2_147_483_647),
    "PositiveIntegerField": (0, 2_147_483_647),
    "BigIntegerField": (-9_223_372_036_854_775_808, 9_223_372_036_854_775_807),
    "PositiveBigIntegerField": (0, 9_223_372_036_854_775_807),
}


def column_validators(field: models.Field) -> list:
    """The checks a value of `field` must pass for its column to hold it unchanged."""
    checks: list = []
    internal_type = field.get_internal_type()
    if internal_type in INTEGER_RANGES:
        low, high = INTEGER_RANGES[internal_type]
        checks += [MinValueValidator(low), MaxValueValidator(high)]
    if isinstance(field, models.DecimalField):
        checks.append(DecimalValidator(field.max_digits, field.decimal_places))
    if isinstance(field, models.CharField | models.TextField):
        checks.append(ProhibitNullCharactersValidator())
        if field.max_length is not None:
            checks.append(MaxLengthValidator(field.max_length))
    return checks


def column_errors(
    instance: models.Model, *, exclude: Iterable[str] = ()
) -> dict[str, list[ValidationError]]:
    """Every value of `instance` that its column could not hold as it is, by field name.

    Relations and primary keys are left out (their values come from the database)."""
    excluded = set(exclude)
    errors: dict[str, list[ValidationError]] = {}
    for field in instance._meta.concrete_fields:
        if field.name in excluded or field.is_relation or field.primary_key:
            continue
        value = getattr(instance, field.attname)
        if value is None or value == "":
            continue
        for check in column_validators(field):
            try:
                check(value)
            except ValidationError as error:
                errors.setdefault(field.name, []).extend(error.error_list)
                break
            except (AttributeError, TypeError, ValueError):
                break  # not a value of the field's type: clean_fields says so
    return errors
