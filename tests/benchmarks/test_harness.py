"""The pure parts of `make bench`: reading wrk's output, the table, the bare view's
address, which only the benchmark's settings route, the sections chosen, the memory
section's stopping rule and the render section's table (nothing timed)."""

from __future__ import annotations

import os
from collections import Counter

import pytest
from django.test import override_settings

from benchmarks import BARE_PATH, bench, render_cpu, wrk
from tests.factories import ThematicMeetingParticipationFactory

# wrk 4.1 with --latency and benchmarks/wrk_statuses.lua (two threads, so two lines for 200).
WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:8714/forum/2018/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   236.72ms  411.64ms   1.46s    82.24%
    Req/Sec   330.28    199.37     0.85k    75.00%
  Latency Distribution
     50%  850.00us
     75%  316.58ms
     90%  998.99ms
     99%    1.40s{space}
  1101 requests in 10.05s, 789.91KB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 13
Requests/sec:    109.55
Transfer/sec:    78.60KB
status 200 544
status 503 13
status 200 544
""".format(space=" ")  # wrk pads a percentile in seconds


def test_wrk_output_is_read_into_requests_latency_errors_and_statuses():
    result = wrk.parse(WRK_OUTPUT)
    assert result.requests == 1101
    assert result.seconds == pytest.approx(10.05)
    assert result.rate == pytest.approx(109.55, abs=0.01)
    assert result.p50_ms == pytest.approx(0.85)
    assert result.p99_ms == pytest.approx(1400)
    assert result.socket_errors == {"connect": 0, "read": 3, "write": 0, "timeout": 2}
    assert result.errors == 5
    assert result.statuses == Counter({200: 1088, 503: 13})
    assert result.not_2xx == 13


def test_a_clean_run_has_no_errors_and_redirects_count_as_not_2xx():
    clean = "\n".join(
        line for line in WRK_OUTPUT.splitlines() if "Socket" not in line and "status" not in line
    )
    result = wrk.parse(clean + "\nstatus 301 7\nstatus 200 10\n")
    assert result.errors == 0
    assert result.not_2xx == 7


@pytest.mark.parametrize(
    ("text", "milliseconds"),
    [("850.00us", 0.85), ("10.21ms", 10.21), ("1.02s", 1020), ("2.00m", 120_000)],
)
def test_wrk_durations_in_milliseconds(text, milliseconds):
    assert wrk.duration_ms(text) == pytest.approx(milliseconds)


def test_what_is_not_wrk_output_is_refused():
    with pytest.raises(ValueError, match="Not wrk output"):
        wrk.parse("unable to connect to 127.0.0.1:8714 Connection refused")


def row(label: str, requests: int, cpu_ms: float | None = 2.0) -> bench.PageRow:
    result = wrk.WrkResult(requests=requests, seconds=10, p50_ms=3.5, p99_ms=40.25)
    result.statuses[200] = requests
    return bench.PageRow(
        label, "/", result, cpu_ms, db_ms=4.25, queries=8, kilobytes=38.2, gzip_kilobytes=6.4
    )


def test_the_table_gives_each_page_as_a_share_of_the_mean_bare_view():
    text = bench.table(
        [
            row("bare view (first)", 9_000),
            row("/countries/morocco/", 50, cpu_ms=117.04),
            row("/forum/2018/", 20, cpu_ms=None),
            row("bare view (last)", 11_000),
        ]
    )
    lines = text.splitlines()
    assert lines[0].split() == [
        "page",
        "req/s",
        "p50",
        "ms",
        "p99",
        "ms",
        "CPU",
        "ms/req",
        "DB",
        "ms/req",
        "queries",
        "KB",
        "KB",
        "gzip",
        "vs",
        "bare",
        "non-2xx",
        "errors",
    ]
    morocco = next(line for line in lines if line.startswith("/countries/morocco/"))
    # 5 req/s against the bare view's mean of 1,000.
    assert morocco.split()[1:] == [
        *("5", "3.5", "40.2", "117.0", "4.2", "8", "38", "6", "0.5%", "0", "0")
    ]
    forum = next(line for line in lines if line.startswith("/forum/2018/"))
    assert "n/a" in forum.split()  # a worker replaced during the run: no CPU figure


def test_a_page_measured_beside_the_bare_view_is_a_share_of_that_run():
    beside = row("/countries/morocco/", 500)  # 50 req/s
    beside.bare_rate = 200
    lines = bench.table([row("bare view (first)", 9_000), beside, row("bare view (last)", 11_000)])
    morocco = next(line for line in lines.splitlines() if line.startswith("/countries/morocco/"))
    assert "25.0%" in morocco.split()  # not 5 % of the bare rows' mean


def test_the_mix_line_counts_errors_and_statuses():
    result = wrk.parse(WRK_OUTPUT)
    line = bench.mix_line("mix", result)
    assert "1,101 requests in 10 s" in line
    assert "errors 5 (connect 0, read 3, write 0, timeout 2)" in line
    assert "non-2xx 13 (statuses 200: 1,088, 503: 13)" in line


def test_the_bare_view_is_only_in_the_benchmark_urls(client):
    assert client.get(BARE_PATH).status_code == 404
    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        response = client.get(BARE_PATH)
    assert response.content == b"ok"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["nonsense"], "unknown sections: nonsense"),
        (["restart"], "needs --with-restart"),
        (["pages"], "--redis-url or REDIS_URL"),
    ],
)
def test_bench_refuses_unknown_sections_a_restart_not_asked_for_and_no_redis(
    arguments, message, capsys, monkeypatch
):
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(SystemExit):
        bench.main(arguments)
    assert message in capsys.readouterr().err


def test_every_request_says_it_accepts_gzip_as_browsers_do(monkeypatch):
    commands = []

    def fake_run(command, **kwargs):
        commands.append(command)
        return type("Finished", (), {"stdout": WRK_OUTPUT})

    monkeypatch.setattr(wrk.subprocess, "run", fake_run)
    wrk.run("http://127.0.0.1:1", ["/", "/forum/"], seconds=1, connections=4)
    assert "--header=Accept-Encoding: gzip" in commands[0]


@pytest.fixture
def sections_run(monkeypatch):
    """The sections bench.main would run on the site, without running them."""
    chosen = []
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/15")
    monkeypatch.setattr(bench, "web_run", lambda sections, *args: chosen.extend(sections))
    return chosen


def test_the_render_section_is_one_of_the_default_sections(sections_run, monkeypatch):
    monkeypatch.setattr(bench.shutil, "which", lambda name: "/usr/bin/" + name)
    bench.main([])
    assert sections_run == ["pages", "mix", "memory", "search", "render"]


def test_the_render_section_alone_needs_no_wrk(sections_run, monkeypatch):
    monkeypatch.setattr(bench.shutil, "which", lambda name: None)
    bench.main(["render"])
    assert sections_run == ["render"]
    with pytest.raises(SystemExit, match="wrk is missing"):
        bench.main(["pages"])


def test_the_memory_section_stops_at_its_requests_and_at_the_cap_only():
    plan = bench.FULL
    assert not bench.memory_is_done(19_999, plan.memory_cap_seconds - 1, plan)
    assert bench.memory_is_done(20_000, 0, plan)
    assert bench.memory_is_done(0, plan.memory_cap_seconds, plan)


class FakeServer:
    base_url = "http://127.0.0.1:1"

    def workers(self):
        return [os.getpid()]


def test_the_memory_section_runs_the_mix_until_its_requests_with_three_figures_a_worker(
    monkeypatch,
):
    runs = []

    def fake_run(base_url, paths, *, seconds, connections):
        runs.append(paths)
        result = wrk.WrkResult(requests=700, seconds=seconds, p50_ms=1, p99_ms=2)
        result.statuses[200] = 700
        return result

    monkeypatch.setattr(bench.wrk, "run", fake_run)
    monkeypatch.setattr(bench, "mix_paths", lambda: ["/", "/forum/"])
    lines = []
    bench.memory_section(FakeServer(), bench.FULL, lines.append)
    assert len(runs) == 29  # 20,000 requests, 700 a run
    assert any("20,300 requests after" in line for line in lines)
    [worker] = [line for line in lines if line.strip().startswith("worker 1")]
    assert "start" in worker and "middle" in worker and "end" in worker
    assert not any(line.strip().startswith("Only") for line in lines)


def test_the_render_section_gives_each_page_against_the_bare_view(world, morocco_years):
    lines = []
    render_cpu.report(1, lines.append)
    rows = lines[lines.index(next(line for line in lines if line.startswith("page"))) + 1 : -1]
    assert [row.split("  ")[0] for row in rows] == [
        "bare view (baseline)",
        "country page (Morocco)",
        "forum-year page (2012)",
        "home page",
        "country list",
        "practice list",
    ]
    assert rows[0].split()[-3] == "1x"  # the baseline against itself


@pytest.fixture
def morocco_years(world):
    """A thematic meeting in 2012, so that the busiest forum year is the later one."""
    ThematicMeetingParticipationFactory(meeting__forum_year=world["2012"], country=world["MAR"])


def test_the_sizes_are_with_and_without_gzip_and_only_stored_pages_are_gzipped(morocco):
    _, plain, gzipped = bench.queries_and_sizes("/countries/morocco/")
    assert gzipped < plain / 2
    _, plain, gzipped = bench.queries_and_sizes("/countries/morocco/subscribe/")
    assert gzipped == plain  # a form: never stored, never compressed


def test_the_queries_are_those_of_the_second_request(morocco):
    queries, _, _ = bench.queries_and_sizes("/api/countries/")  # the API is never cached
    assert queries > 0
