"""Queries whose SQL is compiled once a process and run with each request's keys.

A country page or a forum-year page reads a few fixed queries of many joined columns, each
for the keys of its country or year: compiling one costs Django a quarter of a millisecond,
about as much as running it. What is kept is the SQL text, never rows: every call runs it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
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


def _keys_condition(column: str, vendor: str) -> tuple[str, Callable[[list], Any]]:
    """A condition that `column` is among the keys, whatever their number, with one
    parameter; and how the keys make that parameter."""
    if vendor == "postgresql":
        return f"{column} = ANY(%s)", list
    # SQLite (the local run and its tests): the keys as a JSON array, one row each.
    return f"{column} IN (SELECT value FROM json_each(%s))", json.dumps


class _Compiled(NamedTuple):
    sql: str
    params: list[Any]
    keys_at: int  # where the keys go among the parameters
    keys_parameter: Callable[[list], Any]
    compiler: SQLCompiler
    # Django's conversions of the values, as results_iter() has them (on PostgreSQL none
    # for the types read so far; on SQLite dates and decimals).
    converters: dict


class PreparedRows:
    """The rows of a values_list() queryset whose `key` field is among the given keys (a
    list of primary keys or values, as its `key__in` filter would take), as tuples."""

    def __init__(self, queryset: QuerySet, key: str):
        self.queryset = queryset
        self.key = key
        self.compiled: _Compiled | None = None
        _instances.add(self)

    def _compile(self) -> _Compiled:
        if self.compiled is None:
            connection = connections[self.queryset.db]
            meta = self.queryset.model._meta
            quote = connection.ops.quote_name
            column = f"{quote(meta.db_table)}.{quote(meta.get_field(self.key).column)}"
            condition, keys_parameter = _keys_condition(column, connection.vendor)
            queryset = self.queryset.extra(where=[condition], params=[_KEYS])
            compiler = queryset.query.get_compiler(queryset.db)
            sql, params = compiler.as_sql()
            params = list(params)
            selected = [column for column, *_ in compiler.select[: compiler.col_count]]
            self.compiled = _Compiled(
                sql,
                params,
                params.index(_KEYS),
                keys_parameter,
                compiler,
                compiler.get_converters(selected),
            )
        return self.compiled

    def sql_with_params(self, keys: Iterable[Any]) -> tuple[str, list[Any]]:
        """The query for these keys, to run within a statement of one's own."""
        compiled = self._compile()
        params = compiled.params.copy()
        params[compiled.keys_at] = compiled.keys_parameter(list(keys))
        return compiled.sql, params

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
