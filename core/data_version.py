"""The version of the public data: a token in the shared cache, replaced after every commit
that wrote to a public table (README, Caching and HTTP).

Whatever is cached from the public data (whole pages, the practice list's results, the
downloads) is stored with the version read *before* the data was read, and used only while
the version is still the same. Every statement Django sends is watched (an execute wrapper
on every connection): an INSERT, UPDATE or DELETE on a table of an app in PUBLIC_DATA_APPS,
or any TRUNCATE, replaces the token once its transaction commits. A reader that read the
old token and then the old data stores it under a token that is already gone, so nothing
cached can outlive a commit.

Writers share nothing but the cache key they overwrite after committing, so they never wait
for each other (the triggers on one database row that this replaces held every writer up
until the first one committed).

Writes that do not go through Django (psql, another program) are not seen: run
`manage.py bump_data_version` after them.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable
from functools import cache as memoize
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

VERSION_KEY = "data-version"

WRITE_STATEMENT = re.compile(
    r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?|\s*(TRUNCATE)\b',
    re.IGNORECASE,
)

# Whether this thread read the version since it last replaced it (see _on_public_write).
_reads = threading.local()


def _new_token() -> str:
    # Random, so that a token lost from the cache (evicted, flushed) never comes back.
    return secrets.token_hex(8)


def data_version() -> str:
    """The current version (a new one if the cache had none)."""
    _reads.seen = True
    token = cache.get(VERSION_KEY)
    if token is None:
        cache.add(VERSION_KEY, _new_token(), timeout=None)
        token = cache.get(VERSION_KEY)
    return token


def note_read() -> None:
    """For a reader that fetched the version together with its data (one round trip)."""
    _reads.seen = True


def bump_data_version() -> None:
    _reads.seen = False
    cache.set(VERSION_KEY, _new_token(), timeout=None)


@memoize
def public_tables() -> frozenset[str]:
    return frozenset(
        model._meta.db_table
        for label in settings.PUBLIC_DATA_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    )


def _on_public_write(connection: BaseDatabaseWrapper) -> None:
    if not connection.in_atomic_block:
        bump_data_version()  # autocommit: the statement is committed already
        return
    # Read your own writes: a read later in this transaction (a test, a request that writes
    # and then shows) must not be answered from what was cached before this write.
    if getattr(_reads, "seen", False):
        bump_data_version()
    # Once per transaction; a savepoint rolled back drops its callbacks, hence the look.
    if not any(func is bump_data_version for _, func, _ in connection.run_on_commit):
        transaction.on_commit(bump_data_version, using=connection.alias)


def watch_writes(
    execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    """An execute wrapper (installed on every connection by CoreConfig.ready)."""
    result = execute(sql, params, many, context)
    match = WRITE_STATEMENT.match(sql) if isinstance(sql, str) else None
    if match and (match[2] or match[1] in public_tables()):
        _on_public_write(context["connection"])
    return result


def install_on(connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """connection_created receiver: every new connection watches its writes."""
    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)
