"""`make bench`: the public pages under load, each against a bare Django view, in one run.

    .venv/bin/python benchmarks/bench.py [--quick] [--with-restart] [SECTION ...]

Fills a PostgreSQL database with synthetic data (benchmarks/synthetic.py: every country's
full profile for every forum year, 100,000 practices, 10,000 subscribers; --quick: 3,000
and 1,000), kept for the next run at the same scale. Starts gunicorn (2 sync workers) on
127.0.0.1 with the production settings (DEBUG off, static files' manifest collected into a
temporary folder) plus a bare view, `HttpResponse("ok")` through the same middleware
(benchmarks/settings.py). Then, by section:

- pages: wrk on each public page and on the bare view (before and after the pages), one
  table: requests a second, p50/p99 latency, gunicorn workers' CPU per request (their /proc
  CPU time over the requests), queries (a second request through the test client) and the
  page's rate as a share of the bare view's;
- mix: all the pages in turn, 32 connections for 60 s: errors and responses other than 2xx;
- memory: the mix until 20,000 requests, with the workers' resident memory at the start,
  the middle and the end;
- restart (only with --with-restart): light pages that read the database, in 2-second
  runs, PostgreSQL restarted in the middle (gunicorn is not): errors per run;
- search: the practice search's warm and cold p50/p95 (benchmarks/practices_search.py);
- render: CPU per uncached render of the heaviest pages against the bare view's, in this
  process (benchmarks/render_cpu.py);
- load-data, import, fanout: the other benchmarks (benchmarks/load_gfmd_data.py,
  import_10k.py, subscriptions_fanout.py), each on a database of its own.

Without sections: pages, mix, memory, search and render (and restart with --with-restart);
`all` is every section. Needs wrk (apt-get install -y --no-install-recommends wrk).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import BARE_PATH, ROOT, create_database, wrk

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gfmd_bench"
WEB_SECTIONS = ["pages", "mix", "memory", "restart", "search", "render"]
# Run in this process through the test client: no gunicorn, no wrk.
IN_PROCESS_SECTIONS = {"search", "render"}
DEFAULT_SECTIONS = ["pages", "mix", "memory", "search", "render"]
SCRIPTS = {
    "load-data": ["benchmarks/load_gfmd_data.py"],
    "import": ["benchmarks/import_10k.py"],
    "fanout": ["benchmarks/subscriptions_fanout.py"],
}
SECTIONS = [*WEB_SECTIONS, *SCRIPTS]
WORKERS = 2
PAGE_CONNECTIONS = 4  # two per sync worker: one waiting while the other is served
BARE = "bare view"
SITEMAP = "/sitemap.xml"
LOG = Path(tempfile.gettempdir()) / "gfmd-bench-gunicorn.log"


@dataclass
class Plan:
    """How big and how long: the full run, or --quick for a try in a few minutes."""

    practices: int
    subscribers: int
    page_seconds: float
    mix_seconds: float
    mix_connections: int
    memory_requests: int
    # A safeguard, not the rule: the memory section runs until its requests unless the site
    # is so slow that it would take longer than this (uncached pages at 6 req/s: 55 minutes).
    memory_cap_seconds: float
    restart_seconds: float
    search_runs: int
    search_cold_runs: int
    render_runs: int


FULL = Plan(100_000, 10_000, 10, 60, 32, 20_000, 1_800, 30, 50, 20, 30)
QUICK = Plan(3_000, 1_000, 3, 15, 32, 2_000, 300, 16, 10, 3, 5)
MEMORY_SLICE_SECONDS = 20


@dataclass
class PageRow:
    label: str
    path: str
    result: wrk.WrkResult
    cpu_ms: float | None  # per request, in the workers; None when a worker was replaced
    db_ms: float | None  # per request, in PostgreSQL's processes serving the workers
    queries: int
    kilobytes: float  # the body sent to a client that accepts no compression
    gzip_kilobytes: float  # to one that accepts gzip, as browsers and wrk here do
    # The bare view's req/s in a run just before this page's: the machine's load moves
    # within minutes (other work on it), so a page is compared with its neighbour.
    bare_rate: float | None = None


def table(rows: list[PageRow]) -> str:
    """The pages' table; the share is of the bare view's run just before the page, or
    without one (the bare view's own rows) of the mean rate of the bare view's rows."""
    bare_rates = [row.result.rate for row in rows if row.label.startswith(BARE)]
    mean_bare = sum(bare_rates) / len(bare_rates) if bare_rates else 0.0
    header = (
        f"{'page':<34}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'CPU ms/req':>12}{'DB ms/req':>11}"
        f"{'queries':>9}{'KB':>8}{'KB gzip':>9}{'vs bare':>9}{'non-2xx':>9}{'errors':>8}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        cpu = f"{row.cpu_ms:.1f}" if row.cpu_ms is not None else "n/a"
        db = f"{row.db_ms:.1f}" if row.db_ms is not None else "n/a"
        bare = row.bare_rate or mean_bare
        share = f"{row.result.rate / bare:.1%}" if bare else "n/a"
        lines.append(
            f"{row.label:<34}{row.result.rate:>8,.0f}{row.result.p50_ms:>9.1f}"
            f"{row.result.p99_ms:>9.1f}{cpu:>12}{db:>11}{row.queries:>9}{row.kilobytes:>8.0f}"
            f"{row.gzip_kilobytes:>9.0f}"
            f"{share:>9}{row.result.not_2xx:>9}{row.result.errors:>8}"
        )
    return "\n".join(lines)


def mix_line(label: str, result: wrk.WrkResult) -> str:
    statuses = ", ".join(f"{status}: {n:,}" for status, n in sorted(result.statuses.items()))
    return (
        f"{label}: {result.requests:,} requests in {result.seconds:.0f} s "
        f"({result.rate:,.0f}/s, p50 {result.p50_ms:.0f} ms, p99 {result.p99_ms:.0f} ms); "
        f"errors {result.errors} {socket_errors(result)}; non-2xx {result.not_2xx} "
        f"(statuses {statuses or 'none'})"
    )


def socket_errors(result: wrk.WrkResult) -> str:
    return "(" + ", ".join(f"{kind} {n}" for kind, n in result.socket_errors.items()) + ")"


# --- the gunicorn workers, from /proc -------------------------------------------------


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU time of each process (fields 14 and 15 of /proc/PID/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    times = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            times[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return times


def database_backends() -> list[int]:
    """PostgreSQL's processes serving the database's clients (the gunicorn workers' kept
    connections), this process's own aside: same machine, so their /proc is readable."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def rss_mib(pid: int) -> float:
    """Resident memory in MiB; NaN once the process is gone (a worker replaced)."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Gunicorn:
    def __init__(self, environment: dict[str, str]) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = LOG.open("w")
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "gfmd.wsgi",
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={WORKERS}",
                "--worker-class=sync",
            ],
            cwd=ROOT,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                request = urllib.request.Request(self.base_url + BARE_PATH)
                request.add_header(*wrk.PROXY_HEADER.split(": "))
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200 and len(self.workers()) == WORKERS:
                        return
            time.sleep(0.5)
        self.stop()
        raise SystemExit("gunicorn did not answer within 60 s.")

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def wait_idle(self, timeout: float = 60) -> None:
        """Until the workers use no CPU for half a second: requests of an earlier run that
        wrk gave up on are still served after it ends."""
        deadline = time.monotonic() + timeout
        last = sum(cpu_seconds(self.workers()).values())
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = sum(cpu_seconds(self.workers()).values())
            if now == last:
                return
            last = now

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


# --- the sections -------------------------------------------------------------------


def public_pages() -> list[tuple[str, str]]:
    """Every public page: (label, path). The open-data downloads are files, not pages."""
    from practices.models import PracticeSubmission

    practice = PracticeSubmission.objects.published().order_by("slug").first()
    return [
        ("/", "/"),
        ("/countries/", "/countries/"),
        ("/countries/morocco/", "/countries/morocco/"),
        ("/fr/countries/morocco/", "/fr/countries/morocco/"),
        ("/countries/morocco/updates/", "/countries/morocco/updates/"),
        ("/countries/morocco/feed/", "/countries/morocco/feed/"),
        ("/countries/morocco/subscribe/", "/countries/morocco/subscribe/"),
        ("/forum/", "/forum/"),
        ("/forum/2018/", "/forum/2018/"),
        ("/fr/forum/2018/", "/fr/forum/2018/"),
        ("/practices/", "/practices/"),
        ("/es/practices/", "/es/practices/"),
        ("/practices/?q=migrants", "/practices/?q=migrants"),
        ("/practices/<a practice>/", practice.get_absolute_url()),
        ("/practices/submit/", "/practices/submit/"),
        ("/data/", "/data/"),
        ("/api/", "/api/"),
        ("/api/countries/", "/api/countries/"),
        ("/api/practices/", "/api/practices/"),
        (SITEMAP, SITEMAP),
    ]


def mix_paths() -> list[str]:
    """What visitors load: the sitemap aside (a crawler's, now and then; at 100,000
    practices each takes seconds, and the mix would measure little else)."""
    return [path for _, path in public_pages() if path != SITEMAP]


def queries_and_sizes(path: str) -> tuple[int, float, float]:
    """Queries of a second request through the test client (the first fills caches as
    wrk's first requests do), and the response's size in KB without compression and with
    gzip accepted."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    # Counted now: the next request empties the connection's query log (request_started).
    count = len(queries)
    gzipped = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
    return count, body_kilobytes(response), body_kilobytes(gzipped)


def body_kilobytes(response) -> float:
    if response.status_code != 200:
        raise SystemExit(f"{response.request['PATH_INFO']} answered {response.status_code}.")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return len(body) / 1024


def measure_page(
    server: Gunicorn, label: str, path: str, plan: Plan, *, beside_bare: bool = True
) -> PageRow:
    """The page's row; `beside_bare`: with the bare view's rate in a run just before."""
    queries, kilobytes, gzip_kilobytes = queries_and_sizes(path)
    # A first second unmeasured (each worker's first request of the page), then none
    # of its requests still in the workers when the measured run starts.
    wrk.run(server.base_url, [path], seconds=1, connections=PAGE_CONNECTIONS)
    server.wait_idle()
    bare_rate = None
    if beside_bare:
        bare_rate = wrk.run(
            server.base_url,
            [BARE_PATH],
            seconds=plan.page_seconds / 2,
            connections=PAGE_CONNECTIONS,
        ).rate
        server.wait_idle()
    workers = server.workers()
    before, database_before = cpu_seconds(workers), cpu_seconds(database_backends())
    result = wrk.run(
        server.base_url,
        [path],
        seconds=plan.page_seconds,
        connections=PAGE_CONNECTIONS,
    )
    after, database_after = cpu_seconds(workers), cpu_seconds(database_backends())
    server.wait_idle()
    if not result.requests:
        return PageRow(
            label, path, result, None, None, queries, kilobytes, gzip_kilobytes, bare_rate
        )
    replaced = server.workers() != workers or before.keys() != after.keys()
    spent = sum(after.values()) - sum(before.values())
    # A connection opened during the run counts whole; one closed during it is lost.
    database_spent = sum(cpu - database_before.get(pid, 0) for pid, cpu in database_after.items())
    return PageRow(
        label,
        path,
        result,
        None if replaced else spent / result.requests * 1000,
        database_spent / result.requests * 1000,
        queries,
        kilobytes,
        gzip_kilobytes,
        bare_rate,
    )


def pages_section(server: Gunicorn, plan: Plan, out: Callable[[str], None]) -> None:
    out(
        f"\n== Pages: wrk, {PAGE_CONNECTIONS} connections, {plan.page_seconds:.0f} s each, "
        f"gunicorn {WORKERS} sync workers, every request with `{wrk.ACCEPT_GZIP_HEADER}` as "
        "browsers send it"
    )
    rows = [measure_page(server, f"{BARE} (first)", BARE_PATH, plan, beside_bare=False)]
    for label, path in public_pages():
        rows.append(measure_page(server, label, path, plan))
        out(f"  {label}: {rows[-1].result.rate:,.0f} req/s")
    rows.append(measure_page(server, f"{BARE} (last)", BARE_PATH, plan, beside_bare=False))
    out(table(rows))
    out(
        "CPU ms/req: the gunicorn workers' CPU time over the run / requests; DB ms/req: "
        "the same for PostgreSQL's processes serving them;\nqueries: of one request through "
        "the test client; KB, KB gzip: the body without compression and with gzip accepted (what "
        "wrk received);\nvs bare: the page's req/s as a share of the bare view's in a "
        f"{plan.page_seconds / 2:.0f}-second run just before it (the load moves within minutes); "
        "the bare view's rows: of their mean."
    )


def mix_section(server: Gunicorn, plan: Plan, out: Callable[[str], None]) -> None:
    paths = mix_paths()
    out(
        f"\n== Mix: the {len(paths)} pages in turn, {plan.mix_connections} connections, "
        f"{plan.mix_seconds:.0f} s"
    )
    result = wrk.run(
        server.base_url,
        paths,
        seconds=plan.mix_seconds,
        connections=plan.mix_connections,
    )
    out(mix_line("mix", result))


def light_paths() -> list[str]:
    """Pages that read the database and answer within a slice of the restart run."""
    practice = next(path for label, path in public_pages() if label.endswith("practice>/"))
    return [
        "/countries/morocco/feed/",
        "/countries/morocco/updates/",
        "/countries/morocco/subscribe/",
        practice,
        "/api/countries/",
    ]


def slices(
    server: Gunicorn,
    plan: Plan,
    *,
    seconds: float,
    until: Callable[[int], bool],
    paths: list[str] | None = None,
) -> Iterator[wrk.WrkResult]:
    """Runs of `seconds` on `paths` (the mix by default) until `until(requests so far)`."""
    paths = paths or mix_paths()
    total = 0
    while not until(total):
        result = wrk.run(server.base_url, paths, seconds=seconds, connections=plan.mix_connections)
        total += result.requests
        yield result


def memory_is_done(requests: int, elapsed: float, plan: Plan) -> bool:
    """The memory section's stopping rule: its requests, unless the cap is reached first."""
    return requests >= plan.memory_requests or elapsed >= plan.memory_cap_seconds


def memory_section(server: Gunicorn, plan: Plan, out: Callable[[str], None]) -> None:
    target, started = plan.memory_requests, time.monotonic()
    out(
        f"\n== Memory: the workers' resident memory (VmRSS, MiB) over {target:,} requests of "
        f"the mix, {plan.mix_connections} connections, in {MEMORY_SLICE_SECONDS}-second runs "
        f"(stopped at {plan.memory_cap_seconds:.0f} s if it takes longer)"
    )
    workers = server.workers()
    sizes = {"start": [rss_mib(pid) for pid in workers]}

    def progress(done: int) -> str:
        now = ", ".join(f"{rss_mib(pid):.1f}" for pid in workers)
        return f"{done:>7,} requests after {time.monotonic() - started:4.0f} s: {now}"

    out(f"  {progress(0)}")
    done = 0
    for result in slices(
        server,
        plan,
        seconds=MEMORY_SLICE_SECONDS,
        until=lambda total: memory_is_done(total, time.monotonic() - started, plan),
    ):
        done += result.requests
        out(f"  {progress(done)}")
        if result.errors or result.not_2xx:
            out("  " + mix_line("errors in a run", result))
        if "middle" not in sizes and done >= target / 2:
            sizes["middle"] = [rss_mib(pid) for pid in workers]
    sizes["end"] = [rss_mib(pid) for pid in workers]
    if server.workers() != workers:
        out("  A worker was replaced during the section: its figures stop at its end.")
    for number, pid in enumerate(workers):
        figures = ", ".join(f"{label} {values[number]:.1f}" for label, values in sizes.items())
        growth = sizes["end"][number] - sizes["start"][number]
        out(f"  worker {number + 1} (pid {pid}): {figures} MiB ({growth:+.1f})")
    if done < target:
        out(f"  Only {done:,} of {target:,} requests in {plan.memory_cap_seconds:.0f} s.")


def restart_section(server: Gunicorn, plan: Plan, out: Callable[[str], None]) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    out(
        f"\n== PostgreSQL {version} restarted during a run of light pages that read the "
        f"database ({plan.mix_connections} connections, 2-second runs); gunicorn keeps running"
    )
    started = time.monotonic()
    window: list[float] = []

    def restart() -> None:
        time.sleep(plan.restart_seconds / 3)
        window.append(time.monotonic() - started)
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
            check=True,
        )
        window.append(time.monotonic() - started)

    restarter = threading.Thread(target=restart)
    restarter.start()
    for result in slices(
        server,
        plan,
        seconds=2,
        until=lambda _: time.monotonic() - started >= plan.restart_seconds,
        paths=light_paths(),
    ):
        at = time.monotonic() - started
        out(
            f"  until {at:5.1f} s: {result.requests:>6,} requests, errors {result.errors:>4}, "
            f"non-2xx {result.not_2xx:>4} {dict(result.statuses)}"
        )
    restarter.join()
    out(f"  PostgreSQL restarting from {window[0]:.1f} s to {window[1]:.1f} s")


def search_section(server: Gunicorn, plan: Plan, out: Callable[[str], None]) -> None:
    from benchmarks import practices_search

    out("\n== Practice search through the test client (benchmarks/practices_search.py)")
    practices_search.report(plan.search_runs, plan.search_cold_runs, out)


def render_section(server: Gunicorn, plan: Plan, out: Callable[[str], None]) -> None:
    from benchmarks import render_cpu

    out("\n== Uncached renders through the test client (benchmarks/render_cpu.py)")
    render_cpu.report(plan.render_runs, out)


# --- the database and the run --------------------------------------------------------


def prepare_database(url: str, plan: Plan, fresh: bool, out: Callable[[str], None]) -> None:
    """The synthetic data at the plan's scale: kept from an earlier run if it is there."""
    from django.core.management import call_command
    from django.db import connection

    from benchmarks import synthetic
    from practices.models import PracticeSubmission
    from subscriptions.models import Subscription

    create_database(url, drop=fresh)
    call_command("migrate", verbosity=0)
    scale = synthetic.Scale(practices=plan.practices, subscribers=plan.subscribers)
    found = (
        PracticeSubmission.objects.filter(slug__startswith=synthetic.SLUG_PREFIX).count(),
        Subscription.objects.count(),
    )
    if found == (scale.practices, scale.subscribers):
        out(f"Database {url}: synthetic data at this scale already there.")
        return
    if found != (0, 0):
        out(f"Database {url} holds another scale {found}: made again.")
        connection.close()
        create_database(url, drop=True)
        call_command("migrate", verbosity=0)
    synthetic.generate(scale, progress=out)


def run_script(section: str, environment: dict[str, str], out: Callable[[str], None]) -> None:
    out(f"\n== {section}: {' '.join(SCRIPTS[section])}")
    subprocess.run([sys.executable, *SCRIPTS[section]], cwd=ROOT, env=environment, check=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog="Sections: " + ", ".join(SECTIONS)
    )
    parser.add_argument("sections", nargs="*", metavar="SECTION")
    parser.add_argument("--quick", action="store_true", help="small data, short runs")
    parser.add_argument(
        "--with-restart",
        action="store_true",
        help="restart PostgreSQL during a run (the machine's cluster: mind who else uses it)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL database to fill (BENCH_DATABASE_URL; default %(default)s)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", ""),
        help="the site's cache, as in production (REDIS_URL, required); emptied first",
    )
    parser.add_argument("--fresh", action="store_true", help="make the synthetic data again")
    args = parser.parse_args(argv)
    unknown = set(args.sections) - {*SECTIONS, "all"}
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    sections = args.sections or list(DEFAULT_SECTIONS)
    if "all" in sections:
        sections = list(SECTIONS)
    if args.with_restart and "restart" not in sections:
        sections.append("restart")
    if "restart" in sections and not args.with_restart:
        parser.error("the restart section needs --with-restart")
    if not args.redis_url:
        # Production shares its caches between the workers; so must the measured site.
        parser.error("give a Redis database for the site's cache: --redis-url or REDIS_URL")
    plan = QUICK if args.quick else FULL
    out = print_now
    # The other scripts choose their databases from the caller's environment, not the
    # benchmark's (which would point them at its data).
    callers_environment = dict(os.environ)

    web = [section for section in WEB_SECTIONS if section in sections]
    if web:
        if shutil.which("wrk") is None and set(web) - IN_PROCESS_SECTIONS:
            raise SystemExit("wrk is missing: apt-get install -y --no-install-recommends wrk")
        with tempfile.TemporaryDirectory(prefix="gfmd-bench-static-") as static_root:
            web_run(web, plan, args, static_root, out)
    for section in SCRIPTS:
        if section in sections:
            run_script(section, callers_environment, out)


def web_run(
    sections: list[str], plan: Plan, args, static_root: str, out: Callable[[str], None]
) -> None:
    environment = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "BENCH_STATIC_ROOT": static_root,
        "DEBUG": "0",
        "SECRET_KEY": "benchmark-only-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "ALLOW_UNSENT_EMAIL": "1",
        "ALLOW_IMMEDIATE_TASKS": "1",
        # All the load comes from one address: the API's limit per address would answer 429.
        "API_THROTTLE_RATE": "100000000/minute",
    }
    os.environ.update(environment)
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command

    prepare_database(args.database_url, plan, args.fresh, out)
    call_command("collectstatic", interactive=False, verbosity=0)
    cache.clear()
    load = os.getloadavg()
    out(f"Load average before the run: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")
    server = Gunicorn(environment)
    try:
        for section, function in [
            ("pages", pages_section),
            ("mix", mix_section),
            ("memory", memory_section),
            ("search", search_section),
            ("render", render_section),
            ("restart", restart_section),  # last: it cuts this process's connection too
        ]:
            if section in sections:
                function(server, plan, out)
    finally:
        server.stop()
    load = os.getloadavg()
    out(f"\nLoad average after the run: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")
    out(f"gunicorn's and the site's log: {LOG}")


def print_now(line: str) -> None:
    print(line, flush=True)


if __name__ == "__main__":
    main()
