"""Queries whose SQL is compiled once a process and run with each request's keys.

A country page or a forum-year page reads a few fixed queries of many joined columns, each
for the keys of its country or year: compiling one costs Django a quarter of a millisecond,
about as much as running it. What is kept is the SQL text, never rows: every call runs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from weakref import WeakSet

from django.core.signals import setting_changed
from django.db import connections
from django.db.models import QuerySet
from django.dispatch import receiver

# Stands for the keys among the compiled query's parameters.
_KEYS = object()

_instances: WeakSet[PreparedRows] = WeakSet()


class PreparedRows:
    """The rows of a values_list() queryset whose `key` field is among the given keys (a
    list of primary keys or values, as its `key__in` filter would take), as tuples."""

    def __init__(self, queryset: QuerySet, key: str):
        meta = queryset.model._meta
        quote = connections[queryset.db].ops.quote_name
        column = f"{quote(meta.db_table)}.{quote(meta.get_field(key).column)}"
        # One array parameter for any number of keys (IN would compile one per key).
        self.queryset = queryset.extra(where=[f"{column} = ANY(%s)"], params=[_KEYS])
        self.compiled: tuple[str, list[Any], int, Any, list] | None = None
        _instances.add(self)

    def _compile(self) -> tuple[str, list[Any], int, Any, list]:
        if self.compiled is None:
            compiler = self.queryset.query.get_compiler(self.queryset.db)
            sql, params = compiler.as_sql()
            params = list(params)
            # Django's conversions of the values, as results_iter() has them (none for the
            # PostgreSQL types read so far).
            selected = [column for column, *_ in compiler.select[: compiler.col_count]]
            converters = compiler.get_converters(selected)
            self.compiled = (sql, params, params.index(_KEYS), compiler, converters)
        return self.compiled

    def __call__(self, keys: Iterable[Any]) -> list[tuple]:
        sql, params, at, compiler, converters = self._compile()
        params = [*params[:at], list(keys), *params[at + 1 :]]
        with connections[self.queryset.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if converters:
            rows = [tuple(row) for row in compiler.apply_converters(rows, converters)]
        return rows


@receiver(setting_changed)
def _forget_on_setting_changed(**kwargs) -> None:
    """Tests that change databases get queries compiled for them."""
    for prepared in _instances:
        prepared.compiled = None
