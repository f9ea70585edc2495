"""How long `load_gfmd_data` takes: a first load into an empty database and a second one
that finds nothing to change (the issue asks for under 5 s for the whole load).

Baseline, measured in the same run: parsing the CSV files alone (the admin import's CSV
format), without the database. Run it from the project folder:
`.venv/bin/python benchmarks/load_gfmd_data.py` (SQLite, a temporary file), or with
`--postgres URL` on a PostgreSQL database that it empties and migrates first (give it a
database of its own: every table is emptied).
"""

from __future__ import annotations

import argparse
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database to empty")
    args = parser.parse_args()
    if args.postgres:
        measure(args.postgres, "PostgreSQL")
        return
    with tempfile.TemporaryDirectory(prefix="gfmd-bench-") as folder:
        measure(f"sqlite:///{folder}/bench.sqlite3", "SQLite")


def measure(database_url: str, database: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gfmd.settings")
    os.environ.setdefault("DEBUG", "1")

    import django

    django.setup()
    from django.core.management import call_command

    from gfmd.services import DATA_FILES, DEFAULT_DATA_DIR
    from imports.formats import CSV

    call_command("migrate", verbosity=0)

    def parse() -> None:
        for name, _resource, _options in DATA_FILES:
            CSV(encoding="utf-8-sig").create_dataset((DEFAULT_DATA_DIR / name).read_bytes())

    def load() -> None:
        call_command("load_gfmd_data", verbosity=0)

    baseline = best_of(parse)
    first = best_of(load, before=lambda: call_command("flush", "--no-input", verbosity=0))
    second = best_of(load)
    print(f"best of {REPEAT} runs, {database}")
    print(f"parse the files (baseline):          {baseline * 1000:7.1f} ms")
    print(f"first load, empty database:          {first * 1000:7.1f} ms  ({first / baseline:.1f}x)")
    print(
        f"second load, nothing to change:      {second * 1000:7.1f} ms  ({second / baseline:.1f}x)"
    )


if __name__ == "__main__":
    main()
