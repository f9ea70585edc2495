"""Benchmarks: `make bench` (benchmarks/bench.py) and the data they share (synthetic.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The bare view's address (benchmarks/urls.py): the baseline of every page's figures.
BARE_PATH = "/bench/bare/"


def setup_django(**environment: str) -> None:
    """Django for a measurement run from the command line: the project on the path, the
    given variables set (the caller's environment wins), no email out, tasks in-process."""
    sys.path.insert(0, str(ROOT))
    defaults = {
        "DJANGO_SETTINGS_MODULE": "gfmd.settings",
        "SECRET_KEY": "benchmark-only",
        "ALLOW_UNSENT_EMAIL": "1",
        "ALLOW_IMMEDIATE_TASKS": "1",
        **environment,
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    import django

    django.setup()


def create_database(url: str, *, drop: bool = False) -> None:
    """Create the PostgreSQL database of `url` if it is missing (first dropping it if asked)."""
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        if drop:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()
