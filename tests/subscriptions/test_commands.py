from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from countries.models import CountryUpdate
from countries.services import country_update_record
from subscriptions import sending
from subscriptions.models import Delivery, Subscription
from tests.factories import CountryUpdateFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def test_purge_subscriptions_dry_run_then_for_real(settings):
    settings.SUBSCRIPTION_RETENTION_DAYS = 30
    long_ago = timezone.now() - datetime.timedelta(days=60)
    SubscriptionFactory(status=Subscription.Status.PENDING, confirmation_sent_at=long_ago)
    SubscriptionFactory(status=Subscription.Status.UNSUBSCRIBED, unsubscribed_at=long_ago)
    keep = SubscriptionFactory()

    dry = run("purge_subscriptions", "--dry-run")
    assert "1 unconfirmed pending subscription(s) would be deleted (dry run)" in dry
    assert Subscription.objects.count() == 3

    assert "1 unsubscribed more than 30 days ago deleted" in run("purge_subscriptions")
    assert list(Subscription.objects.all()) == [keep]


def test_send_digests(morocco):
    last_week = sending.digest_due_period(timezone.now())
    confirmed = timezone.make_aware(datetime.datetime.combine(last_week, datetime.time()))
    SubscriptionFactory(
        country=morocco,
        frequency=Subscription.Frequency.WEEKLY,
        confirmed_at=confirmed - datetime.timedelta(days=1),
    )
    update = CountryUpdateFactory(country=morocco)
    CountryUpdate.objects.filter(pk=update.pk).update(
        created_at=confirmed + datetime.timedelta(days=2)
    )

    assert "1 digest(s) due" in run("send_digests", "--dry-run")
    assert mail.outbox == []
    assert f"Week of {last_week}: 1 digest(s) sent" in run("send_digests")
    assert len(mail.outbox) == 1
    assert "0 digest(s) sent" in run("send_digests")


def test_send_deliveries_sends_what_is_pending(morocco, settings):
    settings.EMAIL_SENDING_ENABLED = False
    SubscriptionFactory.create_batch(2, country=morocco)
    country_update_record(country=morocco, summary="2018: added", source="admin")
    assert "EMAIL_SENDING_ENABLED is off" in run("send_deliveries")
    assert "2 delivery(ies) pending, 2 due now" in run("send_deliveries", "--dry-run")

    settings.EMAIL_SENDING_ENABLED = True
    assert "2 sent, 0 failed, 0 refused for now" in run("send_deliveries")
    assert len(mail.outbox) == 2
    assert not Delivery.objects.pending().exists()


def running_task(*, started: datetime.datetime, update: CountryUpdate) -> DBTaskResult:
    """A notification task as a worker leaves it when it dies mid-run: RUNNING."""
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        task_path="subscriptions.tasks.send_update_notifications",
        args_kwargs={"args": [update.pk], "kwargs": {}},
        backend_name="default",
        queue_name="default",
        run_after=started,
        started_at=started,
        worker_ids=["dead-worker"],
    )


def test_the_sweep_closes_tasks_a_dead_worker_left_running_and_sends_their_emails(morocco):
    SubscriptionFactory.create_batch(2, country=morocco)
    # In a test transaction nothing commits, so no task sends them: the deliveries wait.
    update = country_update_record(country=morocco, summary="2018", source="admin")
    now = timezone.now()
    abandoned = running_task(started=now - datetime.timedelta(hours=2), update=update)
    recent = running_task(started=now - datetime.timedelta(minutes=5), update=update)

    output = run("send_deliveries")

    assert "1 task(s) left running by a stopped worker closed" in output
    assert "2 sent" in output
    abandoned.refresh_from_db()
    recent.refresh_from_db()
    assert abandoned.status == TaskResultStatus.FAILED
    assert abandoned.exception_class_path.endswith("WorkerStopped")
    assert "sent by the sweep" in abandoned.traceback
    assert recent.status == TaskResultStatus.RUNNING  # may still be at work
    assert len(mail.outbox) == 2
    assert "0 sent" in run("send_deliveries")  # nothing twice
