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
import os
import pstats
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gfmd.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")
# A local measurement: no email goes out, tasks run in-process (gfmd/settings.py).
os.environ.setdefault("ALLOW_UNSENT_EMAIL", "1")
os.environ.setdefault("ALLOW_IMMEDIATE_TASKS", "1")
os.environ.setdefault(
    "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
)

import django  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import clear_url_caches, path  # noqa: E402

from countries.models import Country, ForumYear, ThematicMeetingParticipation  # noqa: E402
from gfmd import urls  # noqa: E402
from practices.models import PracticeSubmission  # noqa: E402

BARE_PATH = "/bench-bare-view/"


def bare_view(request):
    return HttpResponse("ok")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed renders per page")
    parser.add_argument("--profile", metavar="PATH", help="profile one render of this page")
    args = parser.parse_args()

    urls.urlpatterns.append(path(BARE_PATH.strip("/") + "/", bare_view))
    clear_url_caches()
    client = Client(HTTP_HOST="127.0.0.1")
    if args.profile:
        profile(client, args.profile)
        return

    country = Country.objects.get(slug="morocco")
    year = busiest_forum_year()
    pages = [
        ("bare view (baseline)", BARE_PATH),
        (f"country page ({country.name})", country.get_absolute_url()),
        (f"forum-year page ({year.label})", year.get_absolute_url()),
        ("home page", "/"),
        ("country list", "/countries/"),
        ("practice list", "/practices/"),
    ]
    print(
        f"{connection.vendor}: {Country.objects.count()} countries, "
        f"{Country.objects.with_records().count()} with records, "
        f"{country.roundtable_roles.count()} roundtable roles of {country.name}, "
        f"{PracticeSubmission.objects.published().count():,} published practices; "
        f"{args.runs} renders a page, the cache emptied before each\n"
    )
    print(f"{'page':<34}{'CPU p50':>9}{'CPU p95':>9}{'vs bare':>9}{'queries':>9}{'KB':>7}")
    baseline = None
    for label, url in pages:
        render_ms(client, url)  # warm-up: connection, plans, templates
        timings = []
        for _ in range(args.runs):
            elapsed, size = render_ms(client, url)
            timings.append(elapsed)
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            client.get(url, secure=True)
        median = statistics.median(timings)
        baseline = baseline or median
        p95 = sorted(timings)[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        print(
            f"{label:<34}{median:>9.1f}{p95:>9.1f}{median / baseline:>8.0f}x"
            f"{len(queries):>9}{size / 1024:>7.0f}"
        )
    print("(CPU milliseconds of this process per request)")


if __name__ == "__main__":
    main()
