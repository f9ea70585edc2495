"""Send the weekly digests that are due.

Run it once a week, early on Monday (`run_scheduler` does, at 06:00): it writes one delivery per
weekly subscriber whose country changed during the last complete week, then sends every
pending digest. Running it twice, or after an interrupted run, sends nobody a second copy.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from subscriptions import sending
from subscriptions.models import Delivery


class Command(BaseCommand):
    help = "Write and send the weekly digests of the last complete week."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report how many digests are due; write and send nothing.",
        )

    def handle(self, *args, dry_run: bool, verbosity: int, **options) -> None:
        now = timezone.now()
        period_start = sending.digest_due_period(now)
        if dry_run:
            due = sending.digest_subscriptions(period_start=period_start).count()
            pending = Delivery.objects.pending().digests().count()
            self.stdout.write(
                f"Week of {period_start}: {due} digest(s) due; {pending} digest(s) already "
                "pending. Nothing written (dry run)."
            )
            return
        report = sending.digests_send_due(now=now)
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Week of {period_start}: {report.sent} digest(s) sent, "
                    f"{report.failed} failed, "
                    f"{report.retrying} refused for now (tried again later)."
                )
            )
