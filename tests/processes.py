"""Running `manage.py` in another process on the test database (PostgreSQL only: an
in-memory SQLite test database cannot be shared), as production runs its worker."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.backend import DatabaseBackend

BASE_DIR = Path(__file__).resolve().parent.parent


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row locks (SKIP LOCKED) and a database a process shares")


def subprocess_env(**extra: str) -> dict[str, str]:
    """A `manage.py` process on the test database, with the database task queue."""
    db = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "SITE_URL": "https://gfmd.example.org",
        **extra,
    }


def enqueue_in_database(task, *args) -> str:
    """Queue a task the way the production backend does (the tests' own runs at once)."""
    return DatabaseBackend("default", {}).enqueue(task, args, {}).id


def wait_until(condition: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
