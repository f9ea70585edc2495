from __future__ import annotations

import datetime
import logging
import smtplib
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from countries.models import Country
from subscriptions import emails, tasks
from subscriptions.models import (
    CountryUpdate,
    Delivery,
    Subscription,
    SubscriptionQuerySet,
    normalize_email,
)

logger = logging.getLogger(__name__)

CONFIRMATION_INTERVAL = datetime.timedelta(hours=24)
PENDING_LIFETIME = datetime.timedelta(days=7)
DELIVERY_INSERT_BATCH = 1000
SEND_BATCH = 500
DIGEST_PERIOD = datetime.timedelta(days=7)


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0


def country_update_record(*, country: Country, summary: str, source: str) -> CountryUpdate:
    """Record one update for a country; call it inside the transaction of the change.

    The immediate subscribers' deliveries are written in the same transaction (the outbox),
    and the sending task is enqueued only once that transaction commits.
    """
    with transaction.atomic():
        update = CountryUpdate.objects.create(country=country, summary=summary, source=source)
        if deliveries_create_for_update(update=update):
            transaction.on_commit(partial(tasks.send_update_notifications.enqueue, update.pk))
    return update


def deliveries_create_for_update(*, update: CountryUpdate) -> int:
    subscribers = Subscription.objects.active().immediate().filter(country_id=update.country_id)
    return _deliveries_insert(subscribers, update=update)


def _deliveries_insert(subscriptions: SubscriptionQuerySet, **delivery_fields: object) -> int:
    """One delivery per subscription, inserted in batches; existing ones are kept as they are
    (the unique constraints make a second run a no-op)."""
    ids = list(subscriptions.order_by("pk").values_list("pk", flat=True))
    for first in range(0, len(ids), DELIVERY_INSERT_BATCH):
        Delivery.objects.bulk_create(
            [
                Delivery(subscription_id=pk, **delivery_fields)
                for pk in ids[first : first + DELIVERY_INSERT_BATCH]
            ],
            ignore_conflicts=True,
        )
    return len(ids)


def subscription_request(*, email: str, country: Country, frequency: str) -> None:
    """Answer the subscribe form the same way whatever the address's state.

    A new, pending or unsubscribed address gets (at most once a day) a confirmation link and
    stays pending until it is used; an active subscription is left as it is: its owner
    changes it through the manage link of any email.
    """
    now = timezone.now()
    with transaction.atomic():
        subscription, _created = Subscription.objects.select_for_update().get_or_create(
            email=normalize_email(email), country=country, defaults={"frequency": frequency}
        )
        if subscription.status == Subscription.Status.ACTIVE:
            return
        subscription.status = Subscription.Status.PENDING
        subscription.frequency = frequency
        subscription.unsubscribed_at = None
        subscription.confirmed_at = None
        last_sent = subscription.confirmation_sent_at
        if last_sent is None or now - last_sent >= CONFIRMATION_INTERVAL:
            subscription.confirmation_sent_at = now
            transaction.on_commit(partial(tasks.send_confirmation.enqueue, subscription.pk))
        subscription.save()


def subscription_confirmation_resend(*, subscription: Subscription) -> bool:
    """Staff resend a pending subscription's confirmation, whatever the daily limit."""
    if subscription.status != Subscription.Status.PENDING:
        return False
    with transaction.atomic():
        subscription.confirmation_sent_at = timezone.now()
        subscription.save(update_fields=["confirmation_sent_at"])
        transaction.on_commit(partial(tasks.send_confirmation.enqueue, subscription.pk))
    return True


def subscription_confirmation_send(*, subscription: Subscription) -> bool:
    if subscription.status != Subscription.Status.PENDING or not _sending_enabled():
        return False
    emails.confirmation_message(subscription).send()
    return True


def subscription_confirm(*, subscription: Subscription) -> Subscription:
    """Pending becomes active; an active or unsubscribed subscription is left as it is."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if subscription.status == Subscription.Status.PENDING:
            subscription.status = Subscription.Status.ACTIVE
            subscription.confirmed_at = timezone.now()
            subscription.save(update_fields=["status", "confirmed_at"])
    return subscription


def subscription_unsubscribe(*, subscription: Subscription) -> None:
    """Idempotent; nothing owed to the subscription is sent any more."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if subscription.status != Subscription.Status.UNSUBSCRIBED:
            subscription.status = Subscription.Status.UNSUBSCRIBED
            subscription.unsubscribed_at = timezone.now()
            subscription.save(update_fields=["status", "unsubscribed_at"])
        subscription.deliveries.pending().delete()


def subscription_frequency_set(*, subscription: Subscription, frequency: str) -> None:
    if subscription.frequency != frequency:
        subscription.frequency = frequency
        subscription.save(update_fields=["frequency"])


@dataclass
class PurgeReport:
    pending: int
    unsubscribed: int


def subscriptions_purge(
    *, now: datetime.datetime | None = None, dry_run: bool = False
) -> PurgeReport:
    """Delete pending subscriptions unconfirmed for 7 days and unsubscribed ones past retention.

    Their deliveries go with them; country updates hold no personal data and stay.
    """
    now = now or timezone.now()
    pending_before = now - PENDING_LIFETIME
    stale_pending = Subscription.objects.filter(status=Subscription.Status.PENDING).filter(
        Q(confirmation_sent_at__lt=pending_before)
        | Q(confirmation_sent_at__isnull=True, created_at__lt=pending_before)
    )
    retention = datetime.timedelta(days=settings.SUBSCRIPTION_RETENTION_DAYS)
    expired = Subscription.objects.filter(
        status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at__lt=now - retention
    )
    with transaction.atomic():
        report = PurgeReport(pending=stale_pending.count(), unsubscribed=expired.count())
        if not dry_run:
            stale_pending.delete()
            expired.delete()
    return report


def digest_period_start(moment: datetime.datetime) -> datetime.date:
    """The Monday of the week (in the site's time zone) that `moment` falls in."""
    day = timezone.localdate(moment)
    return day - datetime.timedelta(days=day.weekday())


def digest_period_bounds(
    period_start: datetime.date,
) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(period_start, datetime.time.min))
    return start, start + DIGEST_PERIOD


def digest_due_period(now: datetime.datetime) -> datetime.date:
    """The last complete week: the one whose digests are due."""
    return digest_period_start(now) - DIGEST_PERIOD


def digest_subscriptions(*, period_start: datetime.date) -> SubscriptionQuerySet:
    return (
        Subscription.objects.active()
        .weekly()
        .with_updates_between(*digest_period_bounds(period_start))
    )


def digest_deliveries_create(*, period_start: datetime.date) -> int:
    """One digest delivery per weekly subscription whose country changed in that week
    after it was confirmed; idempotent."""
    subscribers = digest_subscriptions(period_start=period_start)
    return _deliveries_insert(subscribers, period_start=period_start)


def digests_send_due(*, now: datetime.datetime | None = None) -> SendReport:
    """Write the deliveries of the last complete week's digests, then send every pending
    digest, including any left over from an interrupted run."""
    digest_deliveries_create(period_start=digest_due_period(now or timezone.now()))
    return deliveries_send(digests=True)


class _DigestUpdates:
    """A digest's updates, read once per country and week for the whole run."""

    def __init__(self) -> None:
        self._by_country_week: dict[tuple[int, datetime.date], list[CountryUpdate]] = {}

    def for_delivery(self, delivery: Delivery) -> list[CountryUpdate]:
        subscription = delivery.subscription
        key = (subscription.country_id, delivery.period_start)
        if key not in self._by_country_week:
            start, end = digest_period_bounds(delivery.period_start)
            self._by_country_week[key] = list(
                CountryUpdate.objects.in_period(start, end)
                .filter(country_id=subscription.country_id)
                .order_by("created_at", "pk")
            )
        return [u for u in self._by_country_week[key] if u.created_at > subscription.confirmed_at]


def deliveries_send(
    *, update: CountryUpdate | None = None, digests: bool = False, batch_size: int = SEND_BATCH
) -> SendReport:
    """Send pending deliveries (of one update, or the digests, or all) over one SMTP
    connection, marking each sent as soon as the server accepted it.

    Each delivery is claimed with a row lock that concurrent senders skip, and committed
    with its mark: a sender killed part-way leaves exactly the unsent ones pending, and a
    re-run sends those and nothing else. The batches are read by key, so memory does not
    grow with the number of subscribers.
    """
    report = SendReport()
    if not _sending_enabled():
        return report
    queue = Delivery.objects.pending().filter(subscription__status=Subscription.Status.ACTIVE)
    if update is not None:
        queue = queue.filter(update=update)
    if digests:
        queue = queue.digests()
    queue = queue.select_related("subscription__country", "update").order_by("pk")
    digest_updates = _DigestUpdates()
    last_pk = 0
    with get_connection() as smtp:
        while batch := list(queue.filter(pk__gt=last_pk)[:batch_size]):
            for delivery in batch:
                _deliver(delivery, smtp=smtp, digest_updates=digest_updates, report=report)
            last_pk = batch[-1].pk
    return report


def _deliver(
    delivery: Delivery,
    *,
    smtp: BaseEmailBackend,
    digest_updates: _DigestUpdates,
    report: SendReport,
) -> None:
    with transaction.atomic():
        claimed = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery.pk, status=Delivery.Status.PENDING)
            .values_list("pk", flat=True)
        )
        if not list(claimed):
            return  # another sender has it, or sent it since this batch was read
        try:
            smtp.send_messages([_message_for(delivery, digest_updates)])
        except smtplib.SMTPRecipientsRefused as error:
            logger.warning("Delivery %s refused: %s", delivery.pk, error)
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.FAILED, error=str(error)[:1000]
            )
            report.failed += 1
            return
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.SENT, sent_at=timezone.now()
        )
        report.sent += 1


def _message_for(delivery: Delivery, digest_updates: _DigestUpdates) -> EmailMultiAlternatives:
    if delivery.update is not None:
        return emails.update_message(delivery.subscription, delivery.update)
    return emails.digest_message(
        delivery.subscription, digest_updates.for_delivery(delivery), delivery.period_start
    )


def _sending_enabled() -> bool:
    if not settings.EMAIL_SENDING_ENABLED:
        logger.info("EMAIL_SENDING_ENABLED is off: nothing is sent.")
    return settings.EMAIL_SENDING_ENABLED
