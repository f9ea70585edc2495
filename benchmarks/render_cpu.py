"""CPU time to render the heaviest public pages, uncached, against a bare view in the same run.

Each request goes through the Django test client (URL routing, middleware, the view, its
queries and the template), with the cache emptied before each one so that nothing whole-page
is served from it. CPU time is this process's (time.process_time): PostgreSQL's own work is
in another process and not counted. Goal: at most 20 ms per render of the country page and
the forum-year page with every country's full profile for every forum year.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gfmd_bench \\
        .venv/bin/python benchmarks/render_cpu.py --runs 30

--profile PATH profiles one render of that page: its calls to reverse(), gettext and model
constructors, and the 40 functions with the most CPU time, callees included.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __name__ == "__main__":  # run as a script: the project on the path, Django set up
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import warnings

    from benchmarks import setup_django

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collectstatic
    setup_django(STATICFILES_BACKEND="django.contrib.staticfiles.storage.StaticFilesStorage")

from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from benchmarks import BARE_PATH
from countries.models import Country, ForumYear, ThematicMeetingParticipation
from practices.models import PracticeSubmission


def busiest_forum_year() -> ForumYear:
    """The year with the most thematic meeting participations (then roundtable roles)."""
    return max(
        ForumYear.objects.all(),
        key=lambda year: (
            ThematicMeetingParticipation.objects.filter(meeting__forum_year=year).count(),
            year.roundtable_roles.count(),
        ),
    )


def render_ms(client: Client, url: str) -> tuple[float, int]:
    cache.clear()
    started = time.process_time()
    response = client.get(url, secure=True)
    elapsed = (time.process_time() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed, len(response.content)


def profile(client: Client, url: str) -> None:
    client.get(url, secure=True)
    cache.clear()
    profiler = cProfile.Profile(time.process_time)
    profiler.runcall(client.get, url, secure=True)
    stats = pstats.Stats(profiler)
    calls = {
        f"{Path(file).parent.name}/{Path(file).name}:{name}": count
        for (file, _line, name), (_, count, *_rest) in stats.stats.items()  # type: ignore[attr-defined]
    }
    for name in ("urls/base.py:reverse", "trans_real.py:gettext", "models/base.py:__init__"):
        print(f"  {name}: {sum(c for key, c in calls.items() if key.endswith(name))} calls")
    stats.sort_stats("cumulative").print_stats(40)


def pages() -> list[tuple[str, str]]:
    """(label, path) of the pages measured, the bare view (the baseline) first."""
    country = Country.objects.get(slug="morocco")
    year = busiest_forum_year()
    return [
        ("bare view (baseline)", BARE_PATH),
        (f"country page ({country.name})", country.get_absolute_url()),
        (f"forum-year page ({year.label})", year.get_absolute_url()),
        ("home page", "/"),
        ("country list", "/countries/"),
        ("practice list", "/practices/"),
    ]


# The bare view's address is only routed by the benchmark's URLconf; `make bench` runs with it
# already, the script alone with the site's.
@override_settings(ROOT_URLCONF="benchmarks.urls")
def report(runs: int, out: Callable[[str], None] = print) -> None:
    """The table: each page's median and p95 CPU per render against the bare view's."""
    client = Client(HTTP_HOST="127.0.0.1")
    country = Country.objects.get(slug="morocco")
    out(
        f"{connection.vendor}: {Country.objects.count()} countries, "
        f"{Country.objects.with_records().count()} with records, "
        f"{country.roundtable_roles.count()} roundtable roles of {country.name}, "
        f"{PracticeSubmission.objects.published().count():,} published practices; "
        f"{runs} renders a page, the cache emptied before each\n"
    )
    out(f"{'page':<34}{'CPU p50':>9}{'CPU p95':>9}{'vs bare':>9}{'queries':>9}{'KB':>7}")
    baseline = None
    for label, url in pages():
        render_ms(client, url)  # warm-up: connection, plans, templates
        timings = []
        for _ in range(runs):
            elapsed, size = render_ms(client, url)
            timings.append(elapsed)
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            client.get(url, secure=True)
        median = statistics.median(timings)
        baseline = baseline or median
        p95 = sorted(timings)[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        out(
            f"{label:<34}{median:>9.1f}{p95:>9.1f}{median / baseline:>8.0f}x"
            f"{len(queries):>9}{size / 1024:>7.0f}"
        )
    out("(CPU milliseconds of this process per request)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed renders per page")
    parser.add_argument("--profile", metavar="PATH", help="profile one render of this page")
    args = parser.parse_args()
    if args.profile:
        profile(Client(HTTP_HOST="127.0.0.1"), args.profile)
    else:
        report(args.runs)


if __name__ == "__main__":
    main()
