from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.mailboxes import address_canonical, mailbox_key, mailbox_lock
from countries.models import Country, CountryUpdate
from subscriptions import tasks
from subscriptions.models import Delivery, Subscription
from subscriptions.sending import DELIVERY_INSERT_BATCH

CONFIRMATION_INTERVAL = datetime.timedelta(hours=24)
# Confirmations one inbox may receive in that interval, all countries and spellings of its
# address together: the form cannot be used to flood somebody's inbox.
CONFIRMATIONS_PER_ADDRESS = 5
PENDING_LIFETIME = datetime.timedelta(days=7)


def country_updates_deliveries_create(*, updates: list[CountryUpdate]) -> int:
    """The outbox of country updates (one, or an import's, one a country): one delivery per
    active immediate subscriber of each update's country, written in the transaction that
    records them (countries sends `country_update_recorded` there), in a few queries for all
    of them; each update's sending task is enqueued once it commits. Should that enqueue be
    lost (the process dies right after the commit), the deliveries are pending all the same,
    and the sweep (`send_deliveries`) sends them."""
    subscribers: dict[int, list[int]] = {}
    active = Subscription.objects.active().immediate()
    rows = active.filter(country_id__in={update.country_id for update in updates}).order_by("pk")
    for pk, country_id in rows.values_list("pk", "country_id"):
        subscribers.setdefault(country_id, []).append(pk)
    deliveries = [
        Delivery(subscription_id=pk, update=update)
        for update in updates
        for pk in subscribers.get(update.country_id, [])
    ]
    Delivery.objects.bulk_create(
        deliveries, batch_size=DELIVERY_INSERT_BATCH, ignore_conflicts=True
    )
    for update in updates:
        if subscribers.get(update.country_id):
            transaction.on_commit(partial(tasks.send_update_notifications.enqueue, update.pk))
    return len(deliveries)


def subscription_request(
    *, email: str, country: Country, frequency: str, language: str = settings.LANGUAGE_CODE
) -> None:
    """Answer the subscribe form the same way whatever the address's state.

    A new or pending address gets a confirmation link and stays pending until it is used; an
    unsubscribed one gets a new pending subscription, its unsubscribed record kept as it is
    for the retention period; an active subscription is left as it is: its owner changes it
    through the manage link of any email. Confirmations are counted per inbox, whatever the
    spelling of the address: at most one per country and CONFIRMATIONS_PER_ADDRESS in all
    every CONFIRMATION_INTERVAL. Requests for one inbox are taken one at a time, so requests
    in parallel cannot all find the count under the limit. Its emails are in `language`
    (the page's), the latest request's for a pending address.
    """
    now = timezone.now()
    email = address_canonical(email)
    mailbox = mailbox_key(email)
    with transaction.atomic():
        mailbox_lock(mailbox)
        subscription = Subscription.objects.live().filter(email=email, country=country).first()
        if subscription is None:
            subscription = Subscription(email=email, mailbox=mailbox, country=country)
        elif subscription.status == Subscription.Status.ACTIVE:
            return
        subscription.frequency = frequency
        subscription.language = language
        sent_today = Subscription.objects.filter(
            mailbox=mailbox, confirmation_sent_at__gt=now - CONFIRMATION_INTERVAL
        )
        send = (
            not sent_today.filter(country=country).exists()
            and sent_today.count() < CONFIRMATIONS_PER_ADDRESS
        )
        if send:
            subscription.confirmation_sent_at = now
        subscription.save()
        if send:
            transaction.on_commit(partial(tasks.send_confirmation.enqueue, subscription.pk))


def subscription_confirmation_resend(*, subscription: Subscription) -> bool:
    """Staff resend a pending subscription's confirmation, whatever the daily limit."""
    if subscription.status != Subscription.Status.PENDING:
        return False
    with transaction.atomic():
        subscription.confirmation_sent_at = timezone.now()
        subscription.save(update_fields=["confirmation_sent_at"])
        transaction.on_commit(partial(tasks.send_confirmation.enqueue, subscription.pk))
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


def subscription_unsubscribe(*, subscription: Subscription) -> Subscription:
    """Idempotent (a second call keeps the first date); nothing owed to the subscription is
    sent any more."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if subscription.status != Subscription.Status.UNSUBSCRIBED:
            subscription.status = Subscription.Status.UNSUBSCRIBED
            subscription.unsubscribed_at = timezone.now()
            subscription.save(update_fields=["status", "unsubscribed_at"])
        subscription.deliveries.pending().delete()
    return subscription


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


def deliveries_retry(*, deliveries: QuerySet[Delivery]) -> int:
    """Staff send failed or waiting deliveries again, now, with a fresh DELIVERY_RETRY_DAYS
    of retries; sent ones are left alone."""
    with transaction.atomic():
        retried = deliveries.filter(
            status__in=[Delivery.Status.FAILED, Delivery.Status.PENDING]
        ).update(status=Delivery.Status.PENDING, attempts=0, next_attempt_at=None)
        if retried:
            transaction.on_commit(tasks.send_pending_deliveries.enqueue)
    return retried
