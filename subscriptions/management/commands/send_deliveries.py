"""Send every pending notification: the sweep after an interrupted worker.

The worker sends an update's notifications as soon as the update is committed. If it dies
part-way (killed, server restart, mail server down), the unsent deliveries stay pending in
the outbox; this command (run by hand or every few minutes by a scheduler) sends exactly
those, and nobody gets a second copy.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from subscriptions import services
from subscriptions.models import Delivery


class Command(BaseCommand):
    help = "Send all pending deliveries (immediate notifications and digests)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what is pending; send nothing."
        )

    def handle(self, *args, dry_run: bool, verbosity: int, **options) -> None:
        if dry_run:
            pending = Delivery.objects.pending().count()
            self.stdout.write(f"{pending} delivery(ies) pending. Nothing sent (dry run).")
            return
        if not settings.EMAIL_SENDING_ENABLED:
            self.stderr.write("EMAIL_SENDING_ENABLED is off: nothing sent.")
            return
        report = services.deliveries_send()
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{report.sent} sent, {report.failed} refused by the mail server."
                )
            )
