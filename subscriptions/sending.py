"""Sending what the outbox holds: update notifications, weekly digests, confirmations.

Run by the tasks (subscriptions.tasks) and the sweeps (send_deliveries, send_digests); the
services (subscriptions.services) write what is owed and enqueue the tasks.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from countries.models import CountryUpdate
from subscriptions import emails
from subscriptions.models import Delivery, Subscription, SubscriptionQuerySet

logger = logging.getLogger(__name__)

DELIVERY_INSERT_BATCH = 1000
SEND_BATCH = 200
DIGEST_PERIOD = datetime.timedelta(days=7)
# Waits after the 1st, 2nd, ... temporary failure of a delivery; the last one repeats until
# DELIVERY_RETRY_DAYS of waiting are used up, then the delivery is marked failed.
RETRY_DELAYS = [
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=15),
    datetime.timedelta(hours=1),
    datetime.timedelta(hours=4),
    datetime.timedelta(hours=12),
]


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    # The mail server could not be reached: the run stops, what is left waits for the sweep.
    unreachable: bool = False

    def add(self, other: SendReport) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.retrying += other.retrying
        self.unreachable = self.unreachable or other.unreachable


def deliveries_insert(subscriptions: SubscriptionQuerySet, **delivery_fields: object) -> int:
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


def subscription_confirmation_send(*, subscription: Subscription) -> bool:
    if subscription.status != Subscription.Status.PENDING or not _sending_enabled():
        return False
    emails.confirmation_message(subscription).send()
    return True


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
    return deliveries_insert(subscribers, period_start=period_start)


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
                .select_related("country")
                .order_by("created_at", "pk")
            )
        return [u for u in self._by_country_week[key] if u.created_at > subscription.confirmed_at]


# A sending task RUNNING longer than this was left by a worker that died (a fan-out of
# 10,000 emails takes under a minute); closing a task that is in fact still running is
# harmless: its worker marks it again when it ends, and deliveries are claimed one by one.
ABANDONED_TASK_AGE = datetime.timedelta(hours=1)


class WorkerStopped(Exception):
    """Recorded on a task that a dead worker left RUNNING."""


def abandoned_tasks_close(*, now: datetime.datetime) -> int:
    """Close the tasks that dead workers left RUNNING, as failed with the reason.

    Their work is not lost: every delivery they did not mark is still pending in the outbox,
    and the sweep that calls this sends it. Returns how many tasks were closed.
    """
    stale = DBTaskResult.objects.running().filter(started_at__lt=now - ABANDONED_TASK_AGE)
    closed = 0
    for task_result in stale:
        task_result.set_failed(
            WorkerStopped(
                f"Still running {ABANDONED_TASK_AGE} after it started: its worker stopped. "
                "Its pending deliveries are sent by the sweep (send_deliveries)."
            )
        )
        closed += 1
    return closed


def deliveries_send(
    *,
    update: CountryUpdate | None = None,
    digests: bool = False,
    batch_size: int = SEND_BATCH,
    threads: int | None = None,
) -> SendReport:
    """Send the due deliveries (of one update, or the digests, or all), batch by batch:
    one SMTP connection per batch, each delivery marked in the transaction that claimed it.

    A delivery is claimed (marked sent) in one statement that skips rows another sender has
    locked; the email goes out; the transaction commits. Each delivery succeeds or fails on
    its own: a refusal is recorded on it (`_Sender.deliver`) and the next one is sent. Killed
    part-way, a sender leaves the unsent deliveries pending (its open transaction is rolled
    back, so the email on the wire at that moment may go again). On PostgreSQL, `threads`
    batches are sent at once (SUBSCRIPTIONS_SENDER_THREADS), each with its own database and
    SMTP connection. Batches are read by key and at most `threads` + 1 are held at a time, so
    memory does not grow with the subscribers.
    """
    report = SendReport()
    if not _sending_enabled():
        return report
    queue = (
        Delivery.objects.due(timezone.now())
        .filter(subscription__status=Subscription.Status.ACTIVE)
        .select_related("subscription__country", "update__country")
    )
    if update is not None:
        queue = queue.filter(update=update)
    if digests:
        queue = queue.digests()
    batches = _batches(queue, batch_size)
    threads = threads or settings.SUBSCRIPTIONS_SENDER_THREADS
    # Other threads have their own connections: they would not see an open transaction's rows.
    if threads == 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        for batch in batches:
            report.add(_send_batch(batch))
            if report.unreachable:
                break
        return report
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="gfmd-send") as pool:
        running: set[Future[SendReport]] = set()
        try:
            for batch in batches:
                if len(running) >= threads:
                    done, running = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        report.add(future.result())
                if report.unreachable:
                    break
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
    # Opened by the first delivery (not on entering `with`): failing to connect is recorded.
    sender = _Sender(smtp=get_connection())
    try:
        with _commits_without_waiting_for_disk():
            for delivery in batch:
                sender.deliver(delivery)
    finally:
        sender.close()
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
    """Mark a due delivery sent, unless another sender holds its row (SKIP LOCKED).

    Inside the transaction that then sends the email: the mark commits only if the email
    went out (a refusal is written over it in the same transaction). Plain SQL because it
    runs once per email and the ORM's query building cost more CPU than the statement itself.
    """
    table = connection.ops.quote_name(Delivery._meta.db_table)
    skip_locked = (
        " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, sent_at = %s, attempts = attempts + 1, "
            f"next_attempt_at = NULL, error = '' WHERE id IN "
            f"(SELECT id FROM {table} WHERE id = %s AND status = %s "
            f"AND (next_attempt_at IS NULL OR next_attempt_at <= %s){skip_locked})",
            [Delivery.Status.SENT.value, now, delivery.pk, Delivery.Status.PENDING.value, now],
        )
        return cursor.rowcount == 1


@dataclass(frozen=True)
class Refusal:
    """Why a delivery was not sent: the server's answer, and whether trying again may help."""

    permanent: bool
    answer: str

    @classmethod
    def of(cls, error: Exception) -> Refusal:
        """5xx is permanent; 4xx, a dropped or refused connection, a timeout are temporary;
        so is anything unexpected (a bug fixed by the next deploy gets the email out)."""
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            codes = [code for code, _answer in error.recipients.values()]
            answer = "; ".join(
                f"{address}: {code} {_text(text)}"
                for address, (code, text) in error.recipients.items()
            )
            return cls(permanent=bool(codes) and min(codes) >= 500, answer=answer)
        if isinstance(error, smtplib.SMTPResponseException):
            return cls(
                permanent=error.smtp_code >= 500,
                answer=f"{error.smtp_code} {_text(error.smtp_error)}",
            )
        return cls(permanent=False, answer=f"{type(error).__name__}: {error}")


def _text(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else answer


def retry_delay(*, attempts: int) -> datetime.timedelta | None:
    """The wait after the `attempts`-th temporary failure, or None: give up (the waits so
    far have used up DELIVERY_RETRY_DAYS). The last wait is cut to end at the limit."""
    limit = datetime.timedelta(days=settings.DELIVERY_RETRY_DAYS)
    waits = [RETRY_DELAYS[min(n, len(RETRY_DELAYS) - 1)] for n in range(attempts)]
    waited = sum(waits[:-1], datetime.timedelta())
    if waited >= limit:
        return None
    return min(waits[-1], limit - waited)


def _record_refusal(delivery: Delivery, refusal: Refusal) -> Delivery.Status:
    """After a claimed delivery's attempt failed, in the claiming transaction."""
    attempts = Delivery.objects.filter(pk=delivery.pk).values_list("attempts", flat=True).get()
    delay = None if refusal.permanent else retry_delay(attempts=attempts)
    status = Delivery.Status.FAILED if delay is None else Delivery.Status.PENDING
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status,
        sent_at=None,
        next_attempt_at=None if delay is None else timezone.now() + delay,
        error=refusal.answer[:1000],
    )
    logger.warning(
        "Delivery %s %s after attempt %d: %s",
        delivery.pk,
        "failed" if delay is None else f"refused for now, retried in {delay}",
        attempts,
        refusal.answer,
    )
    return status


class _Sender:
    """Sends one batch over one SMTP connection (Django's public mail API)."""

    def __init__(self, *, smtp: BaseEmailBackend) -> None:
        self.smtp = smtp
        self.report = SendReport()
        self.notifications = emails.Notifications()
        self.digest_updates = _DigestUpdates()
        self.unreachable: Refusal | None = None

    def deliver(self, delivery: Delivery) -> None:
        with transaction.atomic():
            if not _claim_as_sent(delivery):
                return  # another sender has it, or sent it since this batch was read
            refusal = self.unreachable or self._attempt(delivery)
            if refusal is None:
                self.report.sent += 1
            elif _record_refusal(delivery, refusal) == Delivery.Status.FAILED:
                self.report.failed += 1
            else:
                self.report.retrying += 1

    def _attempt(self, delivery: Delivery) -> Refusal | None:
        try:
            self.smtp.open()
        except Exception as error:
            # The server cannot be reached: the rest of the batch waits with this answer,
            # instead of each delivery waiting out its own connection timeout.
            self.unreachable = Refusal(permanent=False, answer=Refusal.of(error).answer)
            self.report.unreachable = True
            return self.unreachable
        try:
            self.smtp.send_messages([self.message(delivery)])
        except Exception as error:
            if not isinstance(error, smtplib.SMTPException | OSError):
                logger.exception("Delivery %s could not be sent", delivery.pk)
            # The connection may be dropped or mid-dialogue: the next delivery opens a new one.
            self.close()
            return Refusal.of(error)
        return None

    def close(self) -> None:
        try:
            self.smtp.close()
        except (smtplib.SMTPException, OSError):
            self.smtp.connection = None

    def message(self, delivery: Delivery) -> EmailMultiAlternatives:
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
