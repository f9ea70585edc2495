from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from countries.models import Country
from countries.profile import Snapshot, describe_profile_changes, profile_lines
from gfmd.mailboxes import address_canonical, mailbox_key, mailbox_lock
from subscriptions import emails, tasks
from subscriptions.models import (
    CountryUpdate,
    Delivery,
    Subscription,
    SubscriptionQuerySet,
)

logger = logging.getLogger(__name__)

CONFIRMATION_INTERVAL = datetime.timedelta(hours=24)
# Confirmations one inbox may receive in that interval, all countries and spellings of its
# address together: the form cannot be used to flood somebody's inbox.
CONFIRMATIONS_PER_ADDRESS = 5
PENDING_LIFETIME = datetime.timedelta(days=7)
DELIVERY_INSERT_BATCH = 1000
SEND_BATCH = 200
DIGEST_PERIOD = datetime.timedelta(days=7)


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0

    def add(self, other: SendReport) -> None:
        self.sent += other.sent
        self.failed += other.failed


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


class CountryUpdateRecorder:
    """One update per country whose page a change made read differently.

    `watch` locks the rows of the countries a change may show on (in primary-key order, so
    two recorders never wait for each other in a circle) and reads their pages; call it
    before the change writes anything those pages show. `record` reads them again and
    records what a reader sees differently. A second save of the same change waits at the
    lock until the first one commits, then reads the page with that change in it, and
    records nothing. Use it inside a transaction; `country_updates_recorded` opens one.
    """

    def __init__(self, *, source: str) -> None:
        self.source = source
        self.before: dict[int, Snapshot] = {}
        self.updates: list[CountryUpdate] = []

    def watch(self, countries: Iterable[int]) -> None:
        """The pages as they are before this change; a page read once is kept."""
        new = set(countries) - self.before.keys()
        if new:
            for country in Country.objects.select_for_update().filter(pk__in=new).order_by("pk"):
                self.before[country.pk] = profile_lines(country)

    def record(self) -> list[CountryUpdate]:
        """Record an update for each watched country whose page now reads differently."""
        before, self.before = self.before, {}
        for country in Country.objects.filter(pk__in=before).order_by("pk"):  # not the deleted
            summary = describe_profile_changes(before[country.pk], profile_lines(country))
            if summary:
                self.updates.append(
                    country_update_record(country=country, summary=summary, source=self.source)
                )
        return self.updates


@contextmanager
def country_updates_recorded(
    *, source: str, countries: Iterable[int] = ()
) -> Iterator[CountryUpdateRecorder]:
    """A transaction that records the updates its writes make, when they are done:

    with country_updates_recorded(source=..., countries=[morocco.pk]) as recorder:
        ...  # recorder.watch(more) before writing what their pages show
    """
    with transaction.atomic():
        recorder = CountryUpdateRecorder(source=source)
        recorder.watch(countries)
        yield recorder
        recorder.record()


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

    A new or pending address gets a confirmation link and stays pending until it is used; an
    unsubscribed one gets a new pending subscription, its unsubscribed record kept as it is
    for the retention period; an active subscription is left as it is: its owner changes it
    through the manage link of any email. Confirmations are counted per inbox, whatever the
    spelling of the address: at most one per country and CONFIRMATIONS_PER_ADDRESS in all
    every CONFIRMATION_INTERVAL. Requests for one inbox are taken one at a time, so requests
    in parallel cannot all find the count under the limit.
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
    *,
    update: CountryUpdate | None = None,
    digests: bool = False,
    batch_size: int = SEND_BATCH,
    threads: int | None = None,
) -> SendReport:
    """Send pending deliveries (of one update, or the digests, or all), batch by batch:
    one SMTP connection per batch, each delivery marked sent in the transaction that
    claimed it.

    A delivery is claimed and marked sent in one statement that skips rows another sender
    has locked; the email goes out; then the transaction commits. Killed part-way, a sender
    leaves exactly the unsent deliveries pending (its open transactions are rolled back),
    and a re-run sends those and nothing else. On PostgreSQL, `threads` batches are sent at
    once (SUBSCRIPTIONS_SENDER_THREADS), each with its own database and SMTP connection, so
    one batch's waits on the network overlap another's work. Batches are read by key and at
    most `threads` + 1 are held at a time, so memory does not grow with the subscribers.
    """
    report = SendReport()
    if not _sending_enabled():
        return report
    queue = Delivery.objects.pending().filter(subscription__status=Subscription.Status.ACTIVE)
    if update is not None:
        queue = queue.filter(update=update)
    if digests:
        queue = queue.digests()
    batches = _batches(queue.select_related("subscription__country", "update"), batch_size)
    threads = threads or settings.SUBSCRIPTIONS_SENDER_THREADS
    # Other threads have their own connections: they would not see an open transaction's rows.
    if threads == 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        for batch in batches:
            report.add(_send_batch(batch))
        return report
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="gfmd-send") as pool:
        running: set[Future[SendReport]] = set()
        try:
            for batch in batches:
                if len(running) >= threads:
                    done, running = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        report.add(future.result())
                running.add(pool.submit(_send_batch_in_thread, batch))
        finally:
            for future in running:
                report.add(future.result())
    return report


def _batches(queue: QuerySet[Delivery], size: int) -> Iterator[list[Delivery]]:
    last_pk = 0
    while batch := list(queue.filter(pk__gt=last_pk).order_by("pk")[:size]):
        yield batch
        last_pk = batch[-1].pk


def _send_batch(batch: list[Delivery]) -> SendReport:
    with get_connection() as smtp, _commits_without_waiting_for_disk():
        sender = _Sender(smtp=smtp)
        for delivery in batch:
            sender.deliver(delivery)
    return sender.report


def _send_batch_in_thread(batch: list[Delivery]) -> SendReport:
    try:
        return _send_batch(batch)
    finally:
        connection.close()  # this thread's own connection


@contextmanager
def _commits_without_waiting_for_disk() -> Iterator[None]:
    """PostgreSQL's synchronous_commit off while a batch is sent: a commit per email no
    longer waits for its WAL flush (which costs more than sending the email).

    A killed sender loses nothing by it: the server still writes every commit. Only a crash
    of the PostgreSQL server itself could forget the last fraction of a second of marks, and
    those few emails would be sent again.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _claim_as_sent(delivery: Delivery) -> bool:
    """Mark a pending delivery sent, unless another sender holds its row (SKIP LOCKED).

    Inside the transaction that then sends the email: the mark commits only if the email
    went out. Plain SQL because it runs once per email and the ORM's query building cost
    more CPU than the statement itself.
    """
    table = connection.ops.quote_name(Delivery._meta.db_table)
    skip_locked = (
        " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, sent_at = %s WHERE id IN "
            f"(SELECT id FROM {table} WHERE id = %s AND status = %s{skip_locked})",
            [
                Delivery.Status.SENT.value,
                connection.ops.adapt_datetimefield_value(timezone.now()),
                delivery.pk,
                Delivery.Status.PENDING.value,
            ],
        )
        return cursor.rowcount == 1


class _Sender:
    def __init__(self, *, smtp: BaseEmailBackend) -> None:
        self.smtp = smtp
        self.report = SendReport()
        self.notifications = emails.Notifications()
        self.digest_updates = _DigestUpdates()
        # Django's own SMTP backend would build and serialise each message again; a
        # notification has its bytes from its update's template. Any other backend (a
        # subclass too: it may sign or rewrite messages) gets the message object.
        self.direct = type(smtp) is SMTPBackend

    def send(self, message: emails.Notification) -> None:
        if not self.direct:
            self.smtp.send_messages([message])
            return
        if self.smtp.connection is None:
            self.smtp.open()
        self.smtp.connection.sendmail(*message.smtp_envelope())

    def deliver(self, delivery: Delivery) -> None:
        with transaction.atomic():
            if not _claim_as_sent(delivery):
                return  # another sender has it, or sent it since this batch was read
            try:
                self.send(self.message(delivery))
            except smtplib.SMTPRecipientsRefused as error:
                logger.warning("Delivery %s refused: %s", delivery.pk, error)
                Delivery.objects.filter(pk=delivery.pk).update(
                    status=Delivery.Status.FAILED, sent_at=None, error=str(error)[:1000]
                )
                self.report.failed += 1
            else:
                self.report.sent += 1

    def message(self, delivery: Delivery) -> emails.Notification:
        if delivery.update is not None:
            return self.notifications.update(delivery.subscription, delivery.update)
        return self.notifications.digest(
            delivery.subscription,
            self.digest_updates.for_delivery(delivery),
            delivery.period_start,
        )


def _sending_enabled() -> bool:
    if not settings.EMAIL_SENDING_ENABLED:
        logger.info("EMAIL_SENDING_ENABLED is off: nothing is sent.")
    return settings.EMAIL_SENDING_ENABLED
