"""Benchmarks: `make bench` (benchmarks/bench.py) and the data they share (synthetic.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
