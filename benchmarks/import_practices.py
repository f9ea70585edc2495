"""How fast the admin imports practices from CSV, against a plain `bulk_create` of the same rows.

The admin path, as `GfmdImportExportMixin` runs it: read the file with our CSV format
(limits, parsing), preview it (`import_data(dry_run=True)`, every row validated and written
in a transaction that is rolled back), then import it on confirm (`import_data(dry_run=False)`:
validation, history rows naming the user, country updates). The baseline, measured in the
same run: `bulk_create` of the same practices and their country and theme links, with no
validation, no history and no country updates. Peak memory is traced (tracemalloc) for each.

    createdb -h 127.0.0.1 -U postgres gfmd_importexport_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gfmd_importexport_bench \\
        .venv/bin/python benchmarks/import_practices.py [--rows 10000]

Without DATABASE_URL it runs on a temporary SQLite file. It migrates the database and
leaves it empty of practices when it ends.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

COUNTRIES = 60
THEMES = 12


def timed(run: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def peak_memory(run: Callable[[], Any]) -> int:
    """Peak bytes allocated while it ran; measured apart, as tracing slows Python down."""
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def practices_csv(rows: int, country_codes: list[str], theme_slugs: list[str]) -> bytes:
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(
        [
            "slug",
            "title",
            "description",
            "countries",
            "themes",
            "partners",
            "forum_year",
            "start_year",
            "submitted_by_name",
            "submitted_on",
            "status",
            "published_on",
        ]
    )
    for n in range(rows):
        writer.writerow(
            [
                f"bench-practice-{n}",
                f"Benchmark practice {n}: recruitment and skills partnerships",
                f"<p>Practice {n} pairs training in the country of origin with jobs "
                "abroad, with <em>fair recruitment</em> and a return plan.</p>"
                "<ul><li>training</li><li>placement</li></ul>",
                f"{country_codes[n % COUNTRIES]}; {country_codes[(n * 7 + 3) % COUNTRIES]}",
                theme_slugs[n % THEMES],
                "IOM\nILO",
                "2011",
                "2010",
                "Ms. Laurence BRON",
                "2020-05-01",
                "Published",
                "2020-06-01",
            ]
        )
    return output.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    rows = parser.parse_args().rows
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    with tempfile.TemporaryDirectory(prefix="gfmd-bench-") as folder:
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gfmd.settings")
        os.environ.setdefault("SECRET_KEY", "benchmark-only")
        # A local measurement: no email goes out, tasks run in-process (gfmd/settings.py).
        os.environ.setdefault("ALLOW_UNSENT_EMAIL", "1")
        os.environ.setdefault("ALLOW_IMMEDIATE_TASKS", "1")
        run(rows)


def run(rows: int) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import override_settings

    from countries.models import Country, ForumYear
    from imports.formats import CSV
    from practices.models import PracticeSubmission, Theme
    from practices.resources import PracticeResource
    from subscriptions.models import CountryUpdate

    call_command("migrate", verbosity=0)
    codes = [f"Q{chr(65 + n // 26)}{chr(65 + n % 26)}" for n in range(COUNTRIES)]
    for n, code in enumerate(codes):
        Country.objects.get_or_create(
            iso3=code,
            defaults={
                "name": f"Bench country {code}",
                "slug": f"bench-{code.lower()}",
                "iso2": f"{chr(81 + n // 26)}{chr(65 + n % 26)}",
                "latitude": 0,
                "longitude": 0,
            },
        )
    slugs = [f"bench-theme-{n}" for n in range(THEMES)]
    for slug in slugs:
        Theme.objects.get_or_create(slug=slug, defaults={"name": slug.replace("-", " ")})
    ForumYear.objects.get_or_create(label="2011", defaults={"sort_year": 2011})
    user, _created = get_user_model().objects.get_or_create(username="benchmark")
    content = practices_csv(rows, codes, slugs)

    @override_settings(SIMPLE_HISTORY_ENABLED=False)
    def clean_up() -> None:
        PracticeSubmission.objects.filter(slug__startswith="bench-practice-").delete()
        PracticeSubmission.history.filter(slug__startswith="bench-practice-").delete()
        CountryUpdate.objects.filter(country__iso3__in=codes).delete()

    def baseline() -> int:
        countries = {c.iso3: c for c in Country.objects.filter(iso3__in=codes)}
        themes = {t.slug: t for t in Theme.objects.filter(slug__in=slugs)}
        forum_year = ForumYear.objects.get(label="2011")
        records = list(csv.DictReader(io.StringIO(content.decode())))
        with transaction.atomic():
            practices = PracticeSubmission.objects.bulk_create(
                PracticeSubmission(
                    slug=record["slug"],
                    title=record["title"],
                    description=record["description"],
                    partners=record["partners"],
                    forum_year=forum_year,
                    start_year=int(record["start_year"]),
                    submitted_by_name=record["submitted_by_name"],
                    submitted_on=record["submitted_on"],
                    status=PracticeSubmission.Status.PUBLISHED,
                    published_on=record["published_on"],
                )
                for record in records
            )
            country_links = PracticeSubmission.countries.through
            theme_links = PracticeSubmission.themes.through
            country_links.objects.bulk_create(
                country_links(practicesubmission=practice, country=countries[code.strip()])
                for practice, record in zip(practices, records, strict=True)
                for code in record["countries"].split(";")
            )
            theme_links.objects.bulk_create(
                theme_links(practicesubmission=practice, theme=themes[record["themes"]])
                for practice, record in zip(practices, records, strict=True)
            )
        return len(practices)

    def admin_step(dry_run: bool):
        dataset = CSV(encoding="utf-8-sig").create_dataset(content)
        return PracticeResource().import_data(
            dataset, dry_run=dry_run, file_name="practices.csv", user=user
        )

    clean_up()
    written, base_seconds = timed(baseline)
    assert written == rows
    clean_up()
    base_peak = peak_memory(baseline)
    clean_up()
    preview, preview_seconds = timed(lambda: admin_step(dry_run=True))
    assert not preview.has_problems(), preview.error_messages()[:5]
    preview_peak = peak_memory(lambda: admin_step(dry_run=True))
    result, confirm_seconds = timed(lambda: admin_step(dry_run=False))
    assert result.counts()["new"] == rows, result.counts()
    history = PracticeSubmission.history.filter(history_user=user).count()
    updates = CountryUpdate.objects.filter(source=CountryUpdate.Source.IMPORT).count()
    clean_up()
    confirm_peak = peak_memory(lambda: admin_step(dry_run=False))
    clean_up()

    def line(name: str, seconds: float, peak: int) -> str:
        return (
            f"{name:<34} {seconds:7.2f} s  {rows / seconds:8,.0f} rows/s  "
            f"peak {peak / 1e6:6.1f} MB  ({seconds / base_seconds:5.1f}x baseline time)"
        )

    print(f"{rows:,} practices from a {len(content) / 1e6:.1f} MB CSV, {connection.vendor}")
    print(line("bulk_create (baseline)", base_seconds, base_peak))
    print(line("admin preview (dry run)", preview_seconds, preview_peak))
    print(line("admin confirm (import)", confirm_seconds, confirm_peak))
    total = preview_seconds + confirm_seconds
    print(f"{'preview + confirm':<34} {total:7.2f} s  {rows / total:8,.0f} rows/s")
    print(f"history rows by the importing user: {history:,}; country updates: {updates}")


if __name__ == "__main__":
    main()
