"""Queries whose SQL is compiled once a process and run with each request's keys.

A country page or a forum-year page reads a few fixed queries of many joined columns, each
for the keys of its country or year: compiling one costs Django a quarter of a millisecond,
about as much as running it. What is kept is the SQL text, never rows: every call runs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple
from weakref import WeakSet

from django.core.signals import setting_changed
from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.dispatch import receiver

# Stands for the keys among the compiled query's parameters.
_KEYS = object()

_instances: WeakSet[PreparedRows] = WeakSet()


class _Compiled(NamedTuple):
    sql: str
    params: list[Any]
    keys_at: int  # where the keys go among the parameters
    compiler: SQLCompiler
    # Django's conversions of the values, as results_iter() has them (none for the
    # PostgreSQL types read so far).
    converters: dict


class PreparedRows:
    """The rows of a values_list() queryset whose `key` field is among the given keys (a
    list of primary keys or values, as its `key__in` filter would take), as tuples."""

    def __init__(self, queryset: QuerySet, key: str):
        meta = queryset.model._meta
        quote = connections[queryset.db].ops.quote_name
        column = f"{quote(meta.db_table)}.{quote(meta.get_field(key).column)}"
        # One array parameter for any number of keys (IN would compile one per key).
        self.queryset = queryset.extra(where=[f"{column} = ANY(%s)"], params=[_KEYS])
        self.compiled: _Compiled | None = None
        _instances.add(self)

    def _compile(self) -> _Compiled:
        if self.compiled is None:
            compiler = self.queryset.query.get_compiler(self.queryset.db)
            sql, params = compiler.as_sql()
            params = list(params)
            selected = [column for column, *_ in compiler.select[: compiler.col_count]]
            converters = compiler.get_converters(selected)
            self.compiled = _Compiled(sql, params, params.index(_KEYS), compiler, converters)
        return self.compiled

    def sql_with_params(self, keys: Iterable[Any]) -> tuple[str, list[Any]]:
        """The query for these keys, to run within a statement of one's own."""
        compiled = self._compile()
        at = compiled.keys_at
        return compiled.sql, [*compiled.params[:at], list(keys), *compiled.params[at + 1 :]]

    def __call__(self, keys: Iterable[Any]) -> list[tuple]:
        sql, params = self.sql_with_params(keys)
        with connections[self.queryset.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        compiled = self._compile()
        if compiled.converters:
            rows = [
                tuple(row) for row in compiled.compiler.apply_converters(rows, compiled.converters)
            ]
        return rows


@receiver(setting_changed)
def _forget_on_setting_changed(**kwargs) -> None:
    """Tests that change databases get queries compiled for them."""
    for prepared in _instances:
        prepared.compiled = None
