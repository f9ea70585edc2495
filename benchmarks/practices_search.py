"""How fast is /practices/ at scale? p50/p95 of whole requests, and the query count per page size.

Run it against a database filled by synthetic.py (goal: p95 <= 50 ms at 100,000
practices on PostgreSQL). Each request goes through the Django test client: URL routing,
middleware, filters, facet counts, pagination and template rendering, without a network hop.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gfmd_practices_bench \\
        .venv/bin/python benchmarks/practices_search.py --runs 50

Warm requests find their counts, facets and result ids in the cache (as every request does
until the catalogue changes); cold requests start from an empty cache and compute everything.
The unfiltered list is the baseline of the run; every other scenario is also shown as a ratio
to it. The rare term is in about 0.1% of the practices, the common term in most of them.
"""

from __future__ import annotations

import argparse
import re
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
from django.test import Client
from django.test.utils import CaptureQueriesContext

from practices.models import PracticeSubmission

FILTERS = "country=MAR&country=FRA&country=IND&theme=remittances&theme=diaspora-engagement"
SCENARIOS = [
    ("no keyword, no filter (baseline)", ""),
    ("no keyword, filtered", FILTERS),
    ("rare term", "q=hydroponics"),
    ("rare term, filtered", f"q=hydroponics&{FILTERS}"),
    ("common term", "q=migrants"),
    ("common term, filtered", f"q=migrants&{FILTERS}"),
    ("common term, newest first", "q=migrants&sort=newest"),
    ("common term, page 50", "q=migrants&page=50"),
]


RESULT_COUNT = re.compile(r'id="results-heading"[^>]*>([\d,]+) practice')


def percentile(timings: list[float], fraction: float) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(client: Client, query: str, runs: int, *, cold: bool) -> tuple[list[float], int]:
    """Timings of `runs` requests; cold ones start from an empty cache (all computed)."""
    url = f"/practices/?{query}"
    if cold:  # else the warm-up is served from the cache and leaves the cold path cold
        cache.clear()
    response = client.get(url)  # warm-up: connection, plans, templates
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(runs):
        if cold:
            cache.clear()
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    return timings, int(RESULT_COUNT.search(response.text)[1].replace(",", ""))


def query_count(client: Client, query: str, *, cold: bool) -> int:
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/practices/?{query}").status_code == 200
    return len(queries)


def report(runs: int, cold_runs: int, out: Callable[[str], None] = print) -> None:
    """The table of the scenarios and the query counts by page size."""
    # As behind the production proxy: over https, so no redirect to it (SECURE_SSL_REDIRECT).
    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    total = PracticeSubmission.objects.published().count()
    out(
        f"{connection.vendor}, {total:,} published practices; per scenario {runs} "
        f"requests from the cache (warm) and {cold_runs} with an empty cache (cold)\n"
    )
    out(
        f"{'scenario':<34}{'results':>9}{'warm p50':>10}{'warm p95':>10}{'cold p50':>10}"
        f"{'cold p95':>10}{'warm p95/baseline':>19}{'queries cold/warm':>19}"
    )
    baseline = None
    for label, query in SCENARIOS:
        warm, results = measure(client, query, runs, cold=False)
        cold, _ = measure(client, query, cold_runs, cold=True)
        warm_p95 = percentile(warm, 0.95)
        baseline = baseline or warm_p95
        out(
            f"{label:<34}{results:>9,}{statistics.median(warm):>10.1f}{warm_p95:>10.1f}"
            f"{statistics.median(cold):>10.1f}{percentile(cold, 0.95):>10.1f}"
            f"{warm_p95 / baseline:>18.2f}x"
            f"{query_count(client, query, cold=True):>15}/{query_count(client, query, cold=False)}"
        )
    out("(milliseconds per whole request)")

    out("\nQueries per request by page size (must not grow with the page size):")
    for query in ("", "q=migrants&" + FILTERS):
        for cold in (True, False):
            counts = [query_count(client, f"{query}&per_page={n}", cold=cold) for n in (10, 100)]
            state = "cold" if cold else "warm"
            out(f"  {query or 'no filter'} ({state}): 10/page {counts[0]}, 100/page {counts[1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="timed requests per scenario")
    # 20: with 10, the p95 is the slowest request.
    parser.add_argument("--cold-runs", type=int, default=20, help="requests with no cache")
    args = parser.parse_args()
    report(args.runs, args.cold_runs)


if __name__ == "__main__":
    main()
