"""How long `load_gfmd_data` takes on SQLite: a first load into an empty database and a
second one that finds nothing to change (the issue asks for under 5 s for the whole load).

Baseline, measured in the same run: reading and checking the CSV files alone, without the
database. Run it from the project folder: `.venv/bin/python benchmarks/load_gfmd_data.py`.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPEAT = 3


def best_of(run: Callable[[], object], *, before: Callable[[], object] = lambda: None) -> float:
    times = []
    for _ in range(REPEAT):
        before()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    with tempfile.TemporaryDirectory(prefix="gfmd-bench-") as folder:
        measure(folder)


def measure(folder: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gfmd.settings")
    os.environ.setdefault("DEBUG", "1")

    import django

    django.setup()
    from django.core.management import call_command

    from countries.datafiles import data_set_read

    call_command("migrate", verbosity=0)

    def load() -> None:
        call_command("load_gfmd_data", verbosity=0)

    baseline = best_of(data_set_read)
    first = best_of(load, before=lambda: call_command("flush", "--no-input", verbosity=0))
    second = best_of(load)
    print(f"best of {REPEAT} runs, SQLite")
    print(f"read and check the files (baseline): {baseline * 1000:7.1f} ms")
    print(f"first load, empty database:          {first * 1000:7.1f} ms  ({first / baseline:.1f}x)")
    print(
        f"second load, nothing to change:      {second * 1000:7.1f} ms  ({second / baseline:.1f}x)"
    )


if __name__ == "__main__":
    main()
