"""How fast the admin imports 10,000 rows of each resource, against `bulk_create` of the same rows.

For each resource: build the records in memory and `bulk_create` them (the baseline: no
validation, no history, no country updates), export them with the resource to CSV (the
file staff would edit), delete them, then time the admin's two steps on that file: the
preview (`import_data(dry_run=True)`: every row read, validated and written in a
transaction rolled back) and the confirm (`import_data(dry_run=False)`: the same, with
history rows naming the user and country updates). Countries are limited to 572 rows (ISO
alpha-2 codes are unique, and two capitals make 676, some taken by the context countries).

    createdb -h 127.0.0.1 -U postgres gfmd_import_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gfmd_import_bench \\
        .venv/bin/python benchmarks/import_10k.py [--rows 10000] [--only contribution]
        [--profile preview|confirm]

Without DATABASE_URL it runs on a temporary SQLite file. It migrates the database and
deletes what it made when it ends. `--profile` prints a cProfile profile of that step (the
functions that took most time, themselves and with what they called).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SIDE = 100  # 100 countries x 100 forum years (or roundtables, meetings) = 10,000 rows


@dataclass
class Case:
    name: str
    resource: str  # dotted path
    build: Callable[[dict, int], list]  # unsaved instances
    links: Callable[[list, dict], None] | None = None  # many-to-many, after bulk_create


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--profile", choices=["preview", "confirm"])
    options = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    with tempfile.TemporaryDirectory(prefix="gfmd-bench-") as folder:
        os.environ.setdefault("DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gfmd.settings")
        os.environ.setdefault("SECRET_KEY", "benchmark-only")
        # A local measurement: no email goes out, tasks run in-process (gfmd/settings.py).
        os.environ.setdefault("ALLOW_UNSENT_EMAIL", "1")
        os.environ.setdefault("ALLOW_IMMEDIATE_TASKS", "1")
        run(options.rows, set(options.only), options.profile)


def cases() -> list[Case]:
    from countries import models as m
    from practices.models import PracticeSubmission, Theme

    def countries(ctx, n):
        # ISO alpha-2 codes are unique: the 572 pairs of capitals the context leaves free.
        pairs = [a + b for a in LETTERS if a not in "QRST" for b in LETTERS][:n]
        return [
            m.Country(
                iso3=f"Z{pair}",
                iso2=pair,
                name=f"Bench country {i}",
                slug=f"bench-country-{i}",
                latitude=Decimal(i % 90),
                longitude=Decimal(-(i % 180)),
                region="Bench",
            )
            for i, pair in enumerate(pairs)
        ]

    def forum_years(ctx, n):
        return [
            m.ForumYear(label=f"{3000 + i // SIDE}-{5000 + i % SIDE}", sort_year=3000 + i)
            for i in range(n)
        ]

    def roundtables(ctx, n):
        return [
            m.Roundtable(
                forum_year=ctx["years"][i // SIDE], number=f"{i % SIDE + 1}.1", title=f"T{i}"
            )
            for i in range(n)
        ]

    def roles(ctx, n):
        return [
            m.RoundtableRole(
                country=ctx["countries"][i % SIDE],
                forum_year=ctx["roundtables"][i // SIDE].forum_year,
                roundtable=ctx["roundtables"][i // SIDE],
                role=m.RoundtableRole.Role.TEAM_MEMBER,
            )
            for i in range(n)
        ]

    def attendance(ctx, n):
        return [
            m.Attendance(
                country=ctx["countries"][i % SIDE],
                forum_year=ctx["years"][i // SIDE],
                attended_meeting=True,
                attended_summit=bool(i % 2),
            )
            for i in range(n)
        ]

    def meetings(ctx, n):
        return [
            m.ThematicMeeting(
                forum_year=ctx["years"][i // SIDE],
                title=f"Bench meeting {i}",
                kind=m.ThematicMeeting.Kind.choices[0][0],
                start_date=datetime.date(2020, 1, 1),
                end_date=datetime.date(2020, 1, 2),
                city="Rabat",
                host_country=ctx["countries"][i % SIDE],
            )
            for i in range(n)
        ]

    def participations(ctx, n):
        return [
            m.ThematicMeetingParticipation(
                meeting=ctx["meetings"][i // SIDE],
                country=ctx["countries"][i % SIDE],
                role=m.ThematicMeetingParticipation.Role.choices[0][0],
            )
            for i in range(n)
        ]

    def contributions(ctx, n):
        return [
            m.Contribution(
                country=ctx["countries"][i % SIDE],
                forum_year=ctx["years"][i // SIDE],
                amount=Decimal(1000 + i),
                currency="USD",
                earmarked=m.Contribution.Earmarked.NO,
            )
            for i in range(n)
        ]

    def themes(ctx, n):
        return [Theme(slug=f"bench-theme-{i}", name=f"Bench theme {i}") for i in range(n)]

    def practices(ctx, n):
        return [
            PracticeSubmission(
                slug=f"bench-practice-{i}",
                title=f"Benchmark practice {i}: skills partnerships",
                description=f"<p>Practice {i} pairs <em>training</em> with jobs abroad.</p>",
                partners="IOM\nILO",
                forum_year=ctx["years"][0],
                start_year=2010,
                submitted_by_name="Ms. Laurence BRON",
                submitted_on=datetime.date(2020, 5, 1),
                status=PracticeSubmission.Status.PUBLISHED,
                published_on=datetime.date(2020, 6, 1),
            )
            for i in range(n)
        ]

    def practice_links(records, ctx):
        through = PracticeSubmission.countries.through
        through.objects.bulk_create(
            through(practicesubmission=p, country=ctx["countries"][i % SIDE])
            for i, p in enumerate(records)
        )

    return [
        Case("country", "countries.resources.CountryResource", countries),
        Case("forum year", "countries.resources.ForumYearResource", forum_years),
        Case("roundtable", "countries.resources.RoundtableResource", roundtables),
        Case("roundtable role", "countries.resources.RoundtableRoleResource", roles),
        Case("attendance", "countries.resources.AttendanceResource", attendance),
        Case("thematic meeting", "countries.resources.ThematicMeetingResource", meetings),
        Case(
            "thematic participation",
            "countries.resources.ThematicMeetingParticipationResource",
            participations,
        ),
        Case("contribution", "countries.resources.ContributionResource", contributions),
        Case("theme", "practices.resources.ThemeResource", themes),
        Case("practice", "practices.resources.PracticeResource", practices, practice_links),
    ]


def timed(run: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = run()
    return result, time.perf_counter() - start


def run(rows: int, only: set[str], profile: str | None) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils.module_loading import import_string

    from countries import models as m
    from imports.formats import CSV

    call_command("migrate", verbosity=0)
    user, _created = get_user_model().objects.get_or_create(username="benchmark")

    # What the records name: countries, forum years, roundtables and meetings of their own.
    ctx: dict[str, list] = {}
    with transaction.atomic():
        ctx["countries"] = m.Country.objects.bulk_create(
            m.Country(
                iso3=f"Q{chr(65 + i // 26)}{chr(65 + i % 26)}",
                iso2=f"{chr(81 + i // 26)}{chr(65 + i % 26)}",  # Q.. to T..
                name=f"Context country {i}",
                slug=f"context-country-{i}",
                latitude=0,
                longitude=0,
            )
            for i in range(SIDE)
        )
        ctx["years"] = m.ForumYear.objects.bulk_create(
            m.ForumYear(label=f"C{i}", sort_year=2000 + i) for i in range(SIDE)
        )
        ctx["roundtables"] = m.Roundtable.objects.bulk_create(
            m.Roundtable(forum_year=year, number="9.9", title=f"Context roundtable {year.label}")
            for year in ctx["years"]
        )
        ctx["meetings"] = m.ThematicMeeting.objects.bulk_create(
            m.ThematicMeeting(forum_year=year, title=f"Context meeting {year.label}")
            for year in ctx["years"]
        )

    print(f"{rows:,} rows a resource, {connection.vendor}; seconds and rows per second")
    print(f"{'resource':<24}{'rows':>7}{'bulk_create':>20}{'preview':>20}{'confirm':>20}")
    try:
        for case in cases():
            if only and case.name not in only:
                continue
            measure(case, rows, ctx, user, profile, import_string(case.resource), CSV)
    finally:
        with transaction.atomic():
            for kind in ("meetings", "roundtables", "years", "countries"):
                model = type(ctx[kind][0])
                model.objects.filter(pk__in=[obj.pk for obj in ctx[kind]]).delete()


def measure(case, rows, ctx, user, profile, resource_class, file_format) -> None:
    from django.db import transaction

    from countries.models import Country, CountryUpdate

    records = case.build(ctx, rows)
    model = type(records[0])

    def baseline():
        with transaction.atomic():
            made = model.objects.bulk_create(records)
            if case.links:
                case.links(made, ctx)
        return made

    made, base_seconds = timed(baseline)
    pks = [obj.pk for obj in made]
    dataset = resource_class().export(model.objects.filter(pk__in=pks))
    content = file_format().export_data(dataset).encode()
    clean_up(model, pks)

    def step(dry_run: bool):
        data = file_format(encoding="utf-8-sig").create_dataset(content)
        return resource_class().import_data(data, dry_run=dry_run, file_name="bench.csv", user=user)

    def run_step(dry_run: bool):
        if profile != ("preview" if dry_run else "confirm"):
            return timed(lambda: step(dry_run))
        import cProfile
        import pstats

        with cProfile.Profile() as profiler:
            measured = timed(lambda: step(dry_run))
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(60)
        return measured

    preview, preview_seconds = run_step(dry_run=True)
    assert not preview.has_problems(), preview.error_messages()[:5]
    confirmed, confirm_seconds = run_step(dry_run=False)
    assert confirmed.counts()["new"] == len(records), confirmed.counts()
    written = list(
        model.objects.filter(**natural_filter(model, records)).values_list("pk", flat=True)
    )
    clean_up(model, written)
    CountryUpdate.objects.filter(
        country__in=Country.objects.filter(slug__startswith="context-")
    ).delete()

    def cell(seconds: float) -> str:
        return f"{seconds:6.2f} s {len(records) / seconds:8,.0f}/s"

    print(
        f"{case.name:<24}{len(records):>7,}  {cell(base_seconds)}  {cell(preview_seconds)}  "
        f"{cell(confirm_seconds)}",
        flush=True,
    )


def natural_filter(model, records) -> dict:
    """What finds the rows an import of `records` wrote (they are new, with new keys)."""
    from countries import models as m
    from practices.models import PracticeSubmission, Theme

    filters = {
        m.Country: {"slug__startswith": "bench-country-"},
        m.ForumYear: {"label__regex": r"^3\d{3}-5\d{3}$"},
        m.Roundtable: {"title__regex": r"^T\d+$"},
        m.RoundtableRole: {"roundtable__title__startswith": "Context roundtable"},
        m.Attendance: {"country__slug__startswith": "context-"},
        m.ThematicMeeting: {"title__startswith": "Bench meeting"},
        m.ThematicMeetingParticipation: {"meeting__title__startswith": "Context meeting"},
        m.Contribution: {"country__slug__startswith": "context-"},
        Theme: {"slug__startswith": "bench-theme-"},
        PracticeSubmission: {"slug__startswith": "bench-practice-"},
    }
    return filters[model]


def clean_up(model, pks: list[int]) -> None:
    from django.db import transaction

    with transaction.atomic():
        model.objects.filter(pk__in=pks).delete()
        model.history.filter(id__in=pks).delete()


if __name__ == "__main__":
    csv.field_size_limit(1 << 24)
    main()
