"""The outbox: a sender that dies part-way is resumed, and nobody gets a second copy."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection, connections, transaction
from django.test import override_settings

from subscriptions import services, tasks
from subscriptions.models import CountryUpdate, Delivery
from tests.factories import SubscriptionFactory
from tests.subscriptions.conftest import RecordingHandler, free_port

BASE_DIR = Path(settings.BASE_DIR)


def fan_out(country, subscribers: int) -> CountryUpdate:
    """An update's deliveries, all still pending: in a test that commits, the in-process
    task would send them at once, so sending is off while they are written."""
    SubscriptionFactory.create_batch(subscribers, country=country)
    with override_settings(EMAIL_SENDING_ENABLED=False):
        update = services.country_update_record(
            country=country, summary="2018: added Co-Chair in RT 2.1", source="admin"
        )
    assert update.deliveries.pending().count() == subscribers
    return update


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: row locks (SKIP LOCKED) and a database a process shares")


def assert_each_subscriber_got_exactly_one(sink: RecordingHandler, update: CountryUpdate):
    expected = set(update.deliveries.values_list("subscription__email", flat=True))
    counts = sink.count_by_recipient()
    assert set(counts) == expected
    assert set(counts.values()) == {1}
    assert set(update.deliveries.values_list("status", flat=True)) == {Delivery.Status.SENT}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("threads", [1, pytest.param(4, marks=pytest.mark.postgres)])
def test_interrupted_fan_out_resumes_without_duplicates(smtp_sink, morocco, threads):
    if threads > 1:
        require_postgres()  # batches in parallel only on PostgreSQL
    update = fan_out(morocco, 40)
    smtp_sink.fail_after = 13  # the server starts refusing after thirteen messages

    with pytest.raises(smtplib.SMTPDataError):
        services.deliveries_send(update=update, batch_size=5, threads=threads)

    assert len(smtp_sink.raw_messages) == 13
    assert update.deliveries.filter(status=Delivery.Status.SENT).count() == 13
    assert update.deliveries.pending().count() == 27

    smtp_sink.fail_after = None
    assert services.deliveries_send(update=update, batch_size=5, threads=threads).sent == 27
    assert_each_subscriber_got_exactly_one(smtp_sink, update)


@pytest.mark.django_db
def test_task_failure_is_recorded_and_the_sweep_sends_the_rest(smtp_sink, morocco):
    update = fan_out(morocco, 6)
    smtp_sink.fail_after = 2
    result = tasks.send_update_notifications.enqueue(update.pk)
    assert result.status == "FAILED"
    assert result.errors[0].exception_class is smtplib.SMTPDataError

    smtp_sink.fail_after = None
    assert tasks.send_pending_deliveries.enqueue().return_value == 4
    assert_each_subscriber_got_exactly_one(smtp_sink, update)


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
    """Accepts `kill_at` messages, then SIGKILLs the sending process in the middle of the
    next message's DATA, before answering: that message was never accepted."""

    def __init__(self, kill_at: int) -> None:
        super().__init__()
        self.kill_at = kill_at
        self.victim: int | None = None

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.victim and len(self.raw_messages) == self.kill_at:
            os.kill(self.victim, signal.SIGKILL)
            self.victim = None
            return "451 4.3.0 Sender went away"
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_kill_9_mid_run_then_rerun_sends_only_the_rest(smtp_sink, morocco, settings):
    require_postgres()
    update = fan_out(morocco, 30)
    killer = KillingHandler(kill_at=11)
    controller = Controller(killer, hostname="127.0.0.1", port=free_port())
    controller.start()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(controller.port),
        "SITE_URL": settings.SITE_URL,
    }
    try:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "send_deliveries"],
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
    assert len(killer.raw_messages) == 11
    assert update.deliveries.filter(status=Delivery.Status.SENT).count() == 11
    assert update.deliveries.pending().count() == 19

    smtp_sink.raw_messages.extend(killer.raw_messages)
    smtp_sink.recipients.extend(killer.recipients)
    assert services.deliveries_send().sent == 19
    assert_each_subscriber_got_exactly_one(smtp_sink, update)


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
        assert services.deliveries_send(update=update).sent == 2
        held.refresh_from_db()
        assert held.status == Delivery.Status.PENDING
    finally:
        release.set()
        thread.join()
    assert services.deliveries_send(update=update).sent == 1
    assert_each_subscriber_got_exactly_one(smtp_sink, update)
