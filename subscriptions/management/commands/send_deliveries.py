"""Send every due delivery: the sweep, run every few minutes by `run_scheduler`.

The worker sends an update's notifications as soon as the update is committed. If it dies
part-way (killed, database or server restart), its task stays RUNNING, but the unsent
deliveries stay pending in the outbox: this command sends them whatever became of the task
(only the email that was on the wire when the worker died may go twice), closes such a task
as failed with the reason once it has been running an hour, and sends the deliveries whose
retry time has come after a temporary refusal.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from subscriptions import sending
from subscriptions.models import Delivery


class Command(BaseCommand):
    help = "Send all due deliveries (immediate notifications and digests)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what is pending; send nothing."
        )

    def handle(self, *args, dry_run: bool, verbosity: int, **options) -> None:
        if dry_run:
            pending = Delivery.objects.pending()
            due = pending.due(timezone.now()).count()
            self.stdout.write(
                f"{pending.count()} delivery(ies) pending, {due} due now. Nothing sent (dry run)."
            )
            return
        if not settings.EMAIL_SENDING_ENABLED:
            self.stderr.write("EMAIL_SENDING_ENABLED is off: nothing sent.")
            return
        if closed := sending.abandoned_tasks_close(now=timezone.now()):
            self.stdout.write(f"{closed} task(s) left running by a stopped worker closed.")
        report = sending.deliveries_send()
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{report.sent} sent, {report.failed} failed, "
                    f"{report.retrying} refused for now (tried again later)."
                )
            )
