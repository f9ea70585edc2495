from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core.data_version import bump_data_version


class Command(BaseCommand):
    help = (
        "Replace the public data's version, so that no cached page or result outlives a "
        "write made outside Django (psql, another program)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        bump_data_version()
        self.stdout.write("Data version replaced: every cached page will be rebuilt.")
