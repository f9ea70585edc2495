"""The Docker build context leaves out secrets and what the image does not need.

Patterns are matched as Docker matches them (Go's filepath.Match, `**` for any number of
folders, a folder's pattern covering what is inside it, later `!` lines re-including)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def pattern_regex(pattern: str) -> re.Pattern[str]:
    parts = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            parts.append(".*")
            i += 2
        elif pattern[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            parts.append("[^/]")
            i += 1
        else:
            parts.append(re.escape(pattern[i]))
            i += 1
    # A pattern naming a folder excludes everything in it.
    return re.compile("".join(parts) + "(?:/.*)?")


def excluded(path: str) -> bool:
    result = False
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        if pattern_regex(pattern).fullmatch(path):
            result = not negate
    return result


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".env.production",
        ".env.local",
        "deploy/.env",
        "secrets/db-password.txt",
        "server.key",
        "tls/cert.pem",
        ".git/config",
        ".venv/bin/python",
        "db.sqlite3",
        "staticfiles/css/site.css",
        "tests/data/empty.csv",
        "gfmd/__pycache__/settings.cpython-311.pyc",
    ],
)
def test_secrets_and_junk_stay_out_of_the_image(path):
    assert excluded(path)


@pytest.mark.parametrize(
    "path",
    [
        ".env.example",
        "manage.py",
        "pyproject.toml",
        "README.md",
        "gfmd/settings.py",
        "templates/base.html",
        "static/css/site.css",
        "countries/data/countries.csv",
    ],
)
def test_what_the_site_needs_goes_in(path):
    assert (ROOT / path).exists()
    assert not excluded(path)


def test_the_matcher_reads_patterns_as_docker_does():
    assert pattern_regex("**/__pycache__").fullmatch("a/b/__pycache__/x.pyc")
    assert pattern_regex("*.pem").fullmatch("cert.pem")
    assert not pattern_regex("*.pem").fullmatch("tls/cert.pem")
