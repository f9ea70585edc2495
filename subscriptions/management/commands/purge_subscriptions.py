"""Delete the subscription data the site no longer needs (README, Privacy).

Pending subscriptions unconfirmed for 7 days are deleted: the address never agreed to
anything. Unsubscribed ones are deleted SUBSCRIPTION_RETENTION_DAYS after unsubscribing,
with their delivery log. Run it daily.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from subscriptions import services


class Command(BaseCommand):
    help = (
        "Delete pending subscriptions unconfirmed for 7 days and unsubscribed ones "
        "past the retention period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )

    def handle(self, *args, dry_run: bool, verbosity: int, **options) -> None:
        report = services.subscriptions_purge(dry_run=dry_run)
        verb = "would be deleted (dry run)" if dry_run else "deleted"
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{report.pending} unconfirmed pending subscription(s) {verb}; "
                    f"{report.unsubscribed} unsubscribed more than "
                    f"{settings.SUBSCRIPTION_RETENTION_DAYS} days ago {verb}."
                )
            )
