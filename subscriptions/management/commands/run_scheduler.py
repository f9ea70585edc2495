"""Run the scheduled commands for ever (docker-compose's `scheduler` service): the sweep of
due deliveries every SWEEP_MINUTES, weekly digests on Monday at 06:00, the purge daily at
03:00 (site time zone). See subscriptions/schedule.py for why it is not cron.
"""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from subscriptions.schedule import Scheduler, jobs

LONGEST_SLEEP = 60.0  # seconds: wake up now and then, so a clock change is noticed


class Command(BaseCommand):
    help = "Run send_deliveries, send_digests and purge_subscriptions on their schedule."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Run every job once, now, and exit."
        )

    def handle(self, *args, once: bool, verbosity: int, **options) -> None:
        def run(command: str) -> None:
            call_command(command, verbosity=verbosity, stdout=self.stdout, stderr=self.stderr)

        scheduler = Scheduler(jobs(), run, timezone.now())
        while True:
            ran = scheduler.run_due(timezone.now())
            if verbosity >= 2:
                self.stdout.write(f"Ran {', '.join(ran)}; next at {scheduler.next_due()}.")
            if once:
                return
            wait = (scheduler.next_due() - timezone.now()).total_seconds()
            time.sleep(min(max(wait, 0.0), LONGEST_SLEEP))
