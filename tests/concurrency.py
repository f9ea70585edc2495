"""Run requests at the same moment, each in its own thread with its own database connection."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, models
from django.test import Client

from tests.factories import UserFactory
from tests.processes import wait_until

# How long a request held before its write waits for the other one to get there too.
MEETING_TIMEOUT = 1.0


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent transactions and row locks")


def staff_client(username: str) -> Client:
    """A browser of its own, logged in as a superuser (the groups the migrations create are
    gone in a test that commits, once an earlier one has flushed the database)."""
    client = Client()
    client.force_login(UserFactory(username=username, is_staff=True, is_superuser=True))
    return client


def meet_before_saving(monkeypatch: pytest.MonkeyPatch, model: type[models.Model], parties: int):
    """Hold each save of `model` until `parties` requests are about to save, or for
    MEETING_TIMEOUT when one of them cannot get there (it waits for a lock the other holds).

    This forces the interleaving that a real race only sometimes gives: every request reads
    what it needs before any of them writes. A request that waits for a lock instead is let
    through when the meeting times out, so the test then shows that it waited.
    """
    barrier = threading.Barrier(parties, timeout=MEETING_TIMEOUT)
    save = model.save

    def held_save(self: models.Model, *args: Any, **kwargs: Any) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        save(self, *args, **kwargs)

    monkeypatch.setattr(model, "save", held_save)


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Start the calls together, one thread each; their results, or the first exception."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            start.wait()
            results[index] = call()
        except BaseException as error:  # re-raised in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def second_waits_for_first(
    monkeypatch: pytest.MonkeyPatch,
    model: type[models.Model],
    first: Callable[[], Any],
    second: Callable[[], Any],
) -> list[Any]:
    """Run `first` until it is about to save `model` (having read and locked what it needs),
    then `second` until it waits for a lock, then let `first` save; both results.

    Unlike a meeting with a timeout, this forces the order whatever the machine's load:
    `second` starts only once `first` holds its locks, and `first` goes on only once
    `second` waits. Fails if `second` never waits for a lock (nothing was locked)."""
    at_save, go_on = threading.Event(), threading.Event()
    save = model.save

    def held_save(self: models.Model, *args: Any, **kwargs: Any) -> None:
        if not at_save.is_set():  # the first save, by `first`: `second` starts later
            at_save.set()
            go_on.wait(timeout=60)
        save(self, *args, **kwargs)

    monkeypatch.setattr(model, "save", held_save)
    results: list[Any] = [None, None]
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            results[index] = call()
        except BaseException as error:  # re-raised in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate([first, second])]
    threads[0].start()
    assert at_save.wait(timeout=60), "the first call never saved"
    threads[1].start()
    waited = wait_until(lambda: sessions_waiting_for_a_lock() > 0, timeout=30)
    go_on.set()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    assert waited, "the second call did not wait for a lock that the first holds"
    return results


def sessions_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]
