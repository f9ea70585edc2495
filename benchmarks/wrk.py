"""Running wrk and reading what it prints: requests, latency percentiles, errors and the
count of each status (from benchmarks/wrk_statuses.lua)."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

STATUS_SCRIPT = Path(__file__).with_name("wrk_statuses.lua")
SOCKET_ERRORS = ("connect", "read", "write", "timeout")
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
# Production runs behind a proxy that says the visitor came over https; without it the
# site redirects to https (SECURE_SSL_REDIRECT).
PROXY_HEADER = "X-Forwarded-Proto: https"
# As every browser sends it: the cached pages go out gzipped (core/page_cache.py), and an
# uncompressed copy of a large page costs its worker more to send than to find.
ACCEPT_GZIP_HEADER = "Accept-Encoding: gzip"


@dataclass
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    socket_errors: dict[str, int] = field(default_factory=dict)
    statuses: Counter = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        """Connections refused or cut, reads or writes failed, requests timed out."""
        return sum(self.socket_errors.values())

    @property
    def not_2xx(self) -> int:
        return sum(count for status, count in self.statuses.items() if not 200 <= status < 300)


def duration_ms(text: str) -> float:
    """wrk's "850.00us", "10.21ms", "1.02s", "2.00m" in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text.strip()).groups()
    return float(number) * UNITS_MS[unit]


def parse(output: str) -> WrkResult:
    """The figures of `wrk --latency -s wrk_statuses.lua` output."""
    total = re.search(r"(\d+) requests in ([\d.]+\w+),", output)
    if total is None:
        raise ValueError(f"Not wrk output:\n{output}")
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    statuses = Counter()
    for status, count in re.findall(r"^status (\d+) (\d+)$", output, re.MULTILINE):
        statuses[int(status)] += int(count)
    return WrkResult(
        requests=int(total[1]),
        seconds=duration_ms(total[2]) / 1000,
        p50_ms=duration_ms(percentiles["50"]) if "50" in percentiles else 0.0,
        p99_ms=duration_ms(percentiles["99"]) if "99" in percentiles else 0.0,
        socket_errors=(
            dict(zip(SOCKET_ERRORS, map(int, socket.groups()), strict=True)) if socket else {}
        ),
        statuses=statuses,
    )


def run(
    base_url: str,
    paths: list[str],
    *,
    seconds: float,
    connections: int,
    threads: int = 2,
    timeout: str = "30s",  # gunicorn's own limit
) -> WrkResult:
    """wrk against `paths` in turn (one path: that page alone) for `seconds`."""
    command = [
        "wrk",
        f"--threads={min(threads, connections)}",
        f"--connections={connections}",
        f"--duration={max(1, round(seconds))}s",
        f"--timeout={timeout}",
        "--latency",
        f"--header={PROXY_HEADER}",
        f"--header={ACCEPT_GZIP_HEADER}",
        f"--script={STATUS_SCRIPT}",
        base_url + paths[0],
    ]
    if len(paths) > 1:
        command += ["--", *paths]
    finished = subprocess.run(command, capture_output=True, text=True, check=True)
    return parse(finished.stdout)
