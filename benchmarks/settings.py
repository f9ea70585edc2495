"""The production settings (gfmd/settings.py, read from the environment as in production) and
what only a benchmark run adds: the bare view's address (benchmarks/urls.py) and the static
files' manifest in the run's own folder. Never the settings of a deployment."""

from __future__ import annotations

import os

from gfmd.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
