"""`manage.py check --deploy` in a fresh process with the documented production values
(README, Configuration) and with docker-compose.yml's defaults: no warning at all."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]

# What the README's Deploy section tells an operator to set; everything else default.
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x7Vq0pZ3-production-like-secret-key-with-enough-entropy-9kLm2",
    "ALLOWED_HOSTS": "gfmd.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://gfmd.example.org",
    "SITE_URL": "https://gfmd.example.org",
    "DATABASE_URL": "postgres://gfmd:secret@db.internal:5432/gfmd",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR",
    "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.example.org",
    "EMAIL_PORT": "587",
    "EMAIL_USE_TLS": "1",
    "DEFAULT_FROM_EMAIL": "GFMD <no-reply@gfmd.example.org>",
}


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Only what the site reads: nothing from the test run (pytest-env's DEBUG, backends…).
    clean = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def compose_web_environment() -> dict[str, str]:
    """The web service's environment as `docker compose` would give it with nothing set
    but SECRET_KEY: `${NAME:-default}` takes its default."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    environment = compose["services"]["web"]["environment"]
    values = {}
    for key, value in environment.items():
        value = str(value)
        if key == "SECRET_KEY":
            value = PRODUCTION_ENV["SECRET_KEY"]
        values[key] = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)
    return values


def test_production_values_pass_every_deploy_check():
    result = check_deploy(PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_compose_defaults_pass_every_deploy_check():
    env = compose_web_environment()
    assert env["SECURE_COOKIES"] == "1"
    result = check_deploy(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
