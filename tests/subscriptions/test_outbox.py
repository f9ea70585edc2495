"""The outbox against a real SMTP server: each delivery succeeds or fails on its own, a
temporary refusal is retried later, and a sender killed part-way is resumed by the sweep
with at most the one email on the wire sent twice."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from countries.models import CountryUpdate
from countries.services import country_update_record
from subscriptions import sending, tasks
from subscriptions.models import Delivery
from tests.factories import SubscriptionFactory
from tests.processes import BASE_DIR, enqueue_in_database, require_postgres, subprocess_env
from tests.subscriptions.conftest import RecordingHandler, free_port


def fan_out(country, subscribers: int) -> CountryUpdate:
    """An update's deliveries, all still pending: in a test that commits, the in-process
    task would send them at once, so sending is off while they are written."""
    SubscriptionFactory.create_batch(subscribers, country=country)
    with override_settings(EMAIL_SENDING_ENABLED=False):
        update = country_update_record(
            country=country, summary="2018: added Co-Chair in RT 2.1", source="admin"
        )
    assert update.deliveries.pending().count() == subscribers
    return update


def assert_each_subscriber_got_exactly_one(sink: RecordingHandler, update: CountryUpdate):
    expected = set(update.deliveries.values_list("subscription__email", flat=True))
    counts = sink.count_by_recipient()
    assert set(counts) == expected
    assert set(counts.values()) == {1}
    assert set(update.deliveries.values_list("status", flat=True)) == {Delivery.Status.SENT}


def statuses(update: CountryUpdate) -> dict[str, tuple[str, int, str]]:
    return {
        email: (status, attempts, error)
        for email, status, attempts, error in update.deliveries.values_list(
            "subscription__email", "status", "attempts", "error"
        )
    }


def make_due(update: CountryUpdate) -> None:
    """Time passes: every delivery waiting for a retry is due."""
    update.deliveries.pending().update(next_attempt_at=timezone.now() - timedelta(seconds=1))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("threads", [1, pytest.param(4, marks=pytest.mark.postgres)])
def test_permanent_refusals_fail_alone_and_the_rest_are_sent(smtp_sink, morocco, threads):
    if threads > 1:
        require_postgres()  # batches in parallel only on PostgreSQL
    update = fan_out(morocco, 12)
    first, *_, last = update.deliveries.order_by("pk").values_list("subscription__email", flat=True)
    smtp_sink.refuse_rcpt[first] = "550 5.1.1 No such mailbox"
    smtp_sink.refuse_data[last] = "554 5.7.1 Message rejected as spam"

    report = sending.deliveries_send(update=update, batch_size=5, threads=threads)

    assert (report.sent, report.failed, report.retrying) == (10, 2, 0)
    got = statuses(update)
    assert got.pop(first) == ("failed", 1, f"{first}: 550 5.1.1 No such mailbox")
    assert got.pop(last) == ("failed", 1, "554 5.7.1 Message rejected as spam")
    assert set(got.values()) == {("sent", 1, "")}
    counts = smtp_sink.count_by_recipient()
    assert set(counts) == set(got) and set(counts.values()) == {1}
    # The next sweep sends nobody anything again.
    assert sending.deliveries_send().sent == 0
    assert len(smtp_sink.raw_messages) == 10


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("threads", [1, pytest.param(4, marks=pytest.mark.postgres)])
def test_temporary_refusals_are_retried_later_and_sent_once(smtp_sink, morocco, threads):
    if threads > 1:
        require_postgres()
    update = fan_out(morocco, 12)
    emails = list(update.deliveries.order_by("pk").values_list("subscription__email", flat=True))
    greylisted, dropped, busy = emails[1], emails[6], emails[11]
    smtp_sink.refuse_rcpt[greylisted] = "450 4.2.0 Greylisted, come back later"
    smtp_sink.drop.add(dropped)  # the connection is lost in the middle of its DATA
    smtp_sink.refuse_data[busy] = "451 4.3.0 Mailbox busy"

    before = timezone.now()
    report = sending.deliveries_send(update=update, batch_size=5, threads=threads)

    assert (report.sent, report.failed, report.retrying) == (9, 0, 3)
    got = statuses(update)
    assert got[greylisted] == ("pending", 1, f"{greylisted}: 450 4.2.0 Greylisted, come back later")
    assert got[busy] == ("pending", 1, "451 4.3.0 Mailbox busy")
    assert got[dropped][:2] == ("pending", 1)
    assert "SMTPServerDisconnected" in got[dropped][2]
    for delivery in update.deliveries.pending():
        assert before + timedelta(minutes=5) <= delivery.next_attempt_at
        assert delivery.next_attempt_at <= timezone.now() + timedelta(minutes=5)
    # After the dropped connection the rest of its batch went over a new one.
    assert len(smtp_sink.raw_messages) == 9

    # Not due yet: the sweep leaves them waiting.
    assert sending.deliveries_send().sent == 0
    smtp_sink.refuse_rcpt.clear()
    smtp_sink.drop.clear()
    smtp_sink.refuse_data.clear()
    make_due(update)
    assert sending.deliveries_send().sent == 3
    assert set(statuses(update)[greylisted][:2]) == {"sent", 2}
    assert_each_subscriber_got_exactly_one(smtp_sink, update)


@pytest.mark.django_db
def test_a_sender_refused_at_mail_from_fails_that_delivery_only(smtp_sink, morocco):
    update = fan_out(morocco, 3)
    first = update.deliveries.order_by("pk").first().subscription.email
    refused: list[str] = []

    async def refuse_once(server, session, envelope, address, mail_options):
        if not refused:
            refused.append(address)
            return "553 5.7.1 Sender address rejected"
        envelope.mail_from = address
        return "250 OK"

    smtp_sink.handle_MAIL = refuse_once
    report = sending.deliveries_send(update=update)
    assert (report.sent, report.failed) == (2, 1)
    assert statuses(update)[first] == ("failed", 1, "553 5.7.1 Sender address rejected")
    assert len(smtp_sink.count_by_recipient()) == 2


@pytest.mark.django_db
def test_a_server_that_does_not_answer_in_time_is_tried_again(smtp_sink, morocco, settings):
    settings.EMAIL_TIMEOUT = 0.5
    update = fan_out(morocco, 3)
    slow = update.deliveries.order_by("pk")[1].subscription.email
    answer = smtp_sink.handle_DATA

    async def slow_for_one(server, session, envelope):
        if envelope.rcpt_tos == [slow]:
            await asyncio.sleep(1.5)
            return "451 4.3.0 Too late anyway"
        return await answer(server, session, envelope)

    smtp_sink.handle_DATA = slow_for_one
    report = sending.deliveries_send(update=update)
    assert (report.sent, report.retrying) == (2, 1)
    status, attempts, error = statuses(update)[slow]
    assert (status, attempts) == ("pending", 1)
    assert "timed out" in error


@pytest.mark.django_db
def test_a_delivery_refused_for_days_is_marked_failed(smtp_sink, morocco, settings):
    settings.DELIVERY_RETRY_DAYS = 3
    update = fan_out(morocco, 1)
    address = update.deliveries.get().subscription.email
    smtp_sink.refuse_rcpt[address] = "450 4.2.0 Greylisted"
    attempts = 0
    while update.deliveries.pending().exists():
        make_due(update)
        sending.deliveries_send()
        attempts += 1
    # 5 min, 15 min, 1 h, 4 h, 12 h five times and 6 h 40: 3 days of waits, 11 tries.
    assert attempts == 11
    assert statuses(update)[address] == ("failed", 11, f"{address}: 450 4.2.0 Greylisted")


def test_retry_delays_grow_up_to_the_limit(settings):
    settings.DELIVERY_RETRY_DAYS = 3
    waits = []
    while (wait := sending.retry_delay(attempts=len(waits) + 1)) is not None:
        waits.append(wait)
    minutes = [w.total_seconds() / 60 for w in waits]
    assert minutes == [5, 15, 60, 240, 720, 720, 720, 720, 720, 400]
    assert sum(waits, timedelta()) == timedelta(days=3)


@pytest.mark.django_db
def test_an_unreachable_server_is_tried_once_per_run(morocco, settings, smtp_sink):
    update = fan_out(morocco, 7)
    settings.EMAIL_PORT = free_port()  # nothing listens there

    report = sending.deliveries_send(update=update, batch_size=5)

    assert (report.sent, report.retrying, report.unreachable) == (0, 5, True)
    waiting = update.deliveries.filter(attempts=1)
    assert waiting.count() == 5
    assert {error.split(":")[0] for error in waiting.values_list("error", flat=True)} == {
        "ConnectionRefusedError"
    }
    assert update.deliveries.filter(attempts=0).count() == 2  # the next run gets to them


@pytest.mark.django_db
def test_task_sends_everybody_else_when_one_is_refused_at_data(smtp_sink, morocco):
    update = fan_out(morocco, 6)
    refused = update.deliveries.order_by("pk")[2].subscription.email
    smtp_sink.refuse_data[refused] = "554 5.6.0 Message content rejected"
    result = tasks.send_update_notifications.enqueue(update.pk)
    assert (result.status, result.return_value) == ("SUCCESSFUL", 5)
    assert statuses(update)[refused][0] == "failed"
    assert tasks.send_pending_deliveries.enqueue().return_value == 0
    assert len(smtp_sink.count_by_recipient()) == 5


def wait_for_other_backends_to_leave(timeout: float = 10) -> None:
    """After kill -9, PostgreSQL rolls back the dead client's transaction (releasing its row
    locks) as soon as it sees the socket closed; wait for that instead of guessing."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%%'"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)
    raise AssertionError("the killed sender's transaction is still open")


class KillingHandler(RecordingHandler):
    """Accepts messages; on the `kill_at`-th one it keeps the message (the server has it)
    and SIGKILLs the sending process before answering: the email on the wire."""

    def __init__(self, kill_at: int) -> None:
        super().__init__()
        self.kill_at = kill_at
        self.victim: int | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if self.victim and len(self.raw_messages) == self.kill_at:
            os.kill(self.victim, signal.SIGKILL)
            self.victim = None
        return answer


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_kill_9_of_the_worker_mid_fan_out_then_the_sweep_sends_the_rest(smtp_sink, morocco):
    require_postgres()
    update = fan_out(morocco, 30)
    task_id = enqueue_in_database(tasks.send_update_notifications, update.pk)
    killer = KillingHandler(kill_at=11)
    controller = Controller(killer, hostname="127.0.0.1", port=free_port())
    controller.start()
    env = subprocess_env(EMAIL_PORT=str(controller.port), SUBSCRIPTIONS_SENDER_THREADS="1")
    try:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--no-reload"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        killer.victim = worker.pid
        assert worker.wait(timeout=60) == -signal.SIGKILL
    finally:
        controller.stop()

    wait_for_other_backends_to_leave()
    # The server holds 11 emails; the 11th was on the wire: its mark was rolled back.
    assert len(killer.raw_messages) == 11
    assert update.deliveries.filter(status=Delivery.Status.SENT).count() == 10
    assert DBTaskResult.objects.get(id=task_id).status == "RUNNING"  # for ever, for the worker

    smtp_sink.raw_messages.extend(killer.raw_messages)
    smtp_sink.recipients.extend(killer.recipients)
    out = io.StringIO()
    call_command("send_deliveries", stdout=out)  # the scheduled sweep, whatever the task's state
    assert "20 sent" in out.getvalue()
    counts = smtp_sink.count_by_recipient()
    on_the_wire = killer.recipients[-1][0]
    assert counts.pop(on_the_wire) == 2  # at most the email on the wire goes twice
    assert set(counts.values()) == {1}
    assert len(counts) == 29
    assert set(update.deliveries.values_list("status", flat=True)) == {Delivery.Status.SENT}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_skip_a_delivery_another_one_holds(smtp_sink, morocco):
    require_postgres()
    update = fan_out(morocco, 3)
    held = update.deliveries.order_by("pk").first()
    locked, release = threading.Event(), threading.Event()

    def other_sender() -> None:
        try:
            with transaction.atomic():
                list(Delivery.objects.select_for_update().filter(pk=held.pk))
                locked.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_sender)
    thread.start()
    try:
        assert locked.wait(timeout=10)
        assert sending.deliveries_send(update=update).sent == 2
        held.refresh_from_db()
        assert held.status == Delivery.Status.PENDING
    finally:
        release.set()
        thread.join()
    assert sending.deliveries_send(update=update).sent == 1
    assert_each_subscriber_got_exactly_one(smtp_sink, update)
