"""With DEBUG off the site refuses to start where email would not go out, tasks would run
inside the request or web processes would not share their cache, unless a setting says so on
purpose. Checked in a fresh process
loading the WSGI application, as gunicorn does (it runs no system checks)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.processes import BASE_DIR

SMTP = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE = "django.core.mail.backends.console.EmailBackend"
DB_TASKS = "django_tasks_db.DatabaseBackend"
IMMEDIATE = "django_tasks.backends.immediate.ImmediateBackend"


def start(**env: str) -> subprocess.CompletedProcess:
    base = {
        key: value
        for key, value in os.environ.items()
        if key not in {"ALLOW_UNSENT_EMAIL", "ALLOW_IMMEDIATE_TASKS", "ALLOW_PROCESS_CACHE"}
        and key != "DEBUG"
    }
    # Importing the settings connects to nothing: any Redis address will do.
    base["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    return subprocess.run(
        [sys.executable, "-c", "import gfmd.wsgi"],
        cwd=BASE_DIR,
        env={**base, "SECRET_KEY": "settings-test", "DATABASE_URL": "sqlite://", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("email", "tasks", "what_to_set"),
    [
        (CONSOLE, DB_TASKS, ["EMAIL_BACKEND=" + SMTP, "ALLOW_UNSENT_EMAIL=1"]),
        ("django.core.mail.backends.locmem.EmailBackend", DB_TASKS, ["ALLOW_UNSENT_EMAIL=1"]),
        (SMTP, IMMEDIATE, ["TASKS_BACKEND=" + DB_TASKS, "ALLOW_IMMEDIATE_TASKS=1"]),
        (SMTP, DB_TASKS, ["REDIS_URL", "ALLOW_PROCESS_CACHE=1"]),
    ],
)
def test_refuses_to_start_with_unsent_email_in_request_tasks_or_a_process_cache(
    email, tasks, what_to_set
):
    no_redis = {"REDIS_URL": ""} if "REDIS_URL" in what_to_set else {}
    started = start(EMAIL_BACKEND=email, TASKS_BACKEND=tasks, **no_redis)
    assert started.returncode != 0
    assert "ImproperlyConfigured" in started.stderr
    for setting in what_to_set:
        assert setting in started.stderr


@pytest.mark.parametrize(
    "env",
    [
        {"EMAIL_BACKEND": SMTP, "TASKS_BACKEND": DB_TASKS},
        {"EMAIL_BACKEND": CONSOLE, "TASKS_BACKEND": DB_TASKS, "ALLOW_UNSENT_EMAIL": "1"},
        {"EMAIL_BACKEND": SMTP, "TASKS_BACKEND": IMMEDIATE, "ALLOW_IMMEDIATE_TASKS": "1"},
        {"EMAIL_BACKEND": CONSOLE, "TASKS_BACKEND": IMMEDIATE, "DEBUG": "1"},
        {"EMAIL_BACKEND": SMTP, "TASKS_BACKEND": DB_TASKS, "REDIS_URL": "", "DEBUG": "1"},
        {
            "EMAIL_BACKEND": SMTP,
            "TASKS_BACKEND": DB_TASKS,
            "REDIS_URL": "",
            "ALLOW_PROCESS_CACHE": "1",
        },
    ],
)
def test_starts_when_safe_or_said_so_on_purpose_or_in_debug(env):
    started = start(**env)
    assert started.returncode == 0, started.stderr
