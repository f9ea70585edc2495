from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from countries.services import country_update_record
from subscriptions.models import Delivery, Subscription
from subscriptions.schedule import Job, Scheduler, jobs
from tests.factories import SubscriptionFactory

UTC = datetime.UTC
MONDAY_6 = datetime.datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment in the week of Monday 30 November 2026 (day 0) and after."""
    return MONDAY_6.replace(hour=hour, minute=minute) + datetime.timedelta(days=day)


def test_next_run_of_interval_daily_and_weekly_jobs(settings):
    settings.TIME_ZONE = "UTC"
    sweep, digests, purge = jobs()
    assert sweep.next_run(at(2, 10)) == at(2, 10, 5)
    assert digests.next_run(at(-1, 23)) == at(0, 6)  # Sunday night: Monday 06:00
    assert digests.next_run(at(0, 6)) == at(7, 6)  # just ran: next Monday
    assert digests.next_run(at(3, 12)) == at(7, 6)
    assert purge.next_run(at(2, 2)) == at(2, 3)
    assert purge.next_run(at(2, 3)) == at(3, 3)


def test_next_run_is_in_the_site_time_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"  # UTC+1 in winter
    assert Job("x", at=datetime.time(3)).next_run(at(2, 1)) == at(2, 2)
    assert Job("x", at=datetime.time(3)).next_run(at(2, 2)) == at(3, 2)


# Transactional: the scheduler closes broken and old connections, as a test transaction's is.
@pytest.mark.django_db(transaction=True)
def test_each_job_runs_at_start_up_then_on_its_schedule(settings):
    settings.TIME_ZONE = "UTC"
    settings.SWEEP_MINUTES = 5
    ran: list[str] = []
    scheduler = Scheduler(jobs(), ran.append, now=at(-1, 23, 58))
    assert scheduler.run_due(at(-1, 23, 58)) == [
        "send_deliveries",
        "send_digests",
        "purge_subscriptions",
    ]
    assert scheduler.run_due(at(-1, 23, 59)) == []
    assert scheduler.next_due() == at(0, 0, 3)
    assert scheduler.run_due(at(0, 0, 3)) == ["send_deliveries"]
    assert scheduler.run_due(at(0, 3)) == ["send_deliveries", "purge_subscriptions"]
    assert scheduler.run_due(at(0, 6)) == ["send_deliveries", "send_digests"]
    assert scheduler.run_due(at(0, 6, 1)) == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_does_not_stop_the_others_and_runs_next_time(settings, caplog):
    settings.SWEEP_MINUTES = 5
    ran: list[str] = []

    def run(command: str) -> None:
        if command == "send_deliveries" and not ran:
            raise OperationalError("the database is restarting")
        ran.append(command)

    scheduler = Scheduler(jobs(), run, now=at(1, 12))
    scheduler.run_due(at(1, 12))
    assert ran == ["send_digests", "purge_subscriptions"]
    assert "Scheduled send_deliveries failed" in caplog.text
    scheduler.run_due(at(1, 12, 5))
    assert ran[-1] == "send_deliveries"
    assert Subscription.objects.count() == 0  # the database answers again


@pytest.mark.django_db(transaction=True)
def test_run_scheduler_once_sweeps_and_purges(morocco, settings, mailoutbox):
    settings.EMAIL_SENDING_ENABLED = False
    SubscriptionFactory(country=morocco, email="reader@example.org")
    stale = SubscriptionFactory(
        status=Subscription.Status.PENDING,
        confirmation_sent_at=timezone.now() - datetime.timedelta(days=8),
    )
    country_update_record(country=morocco, summary="2018: added", source="admin")
    settings.EMAIL_SENDING_ENABLED = True

    call_command("run_scheduler", "--once", stdout=StringIO())

    assert [m.to for m in mailoutbox] == [["reader@example.org"]]
    assert not Delivery.objects.pending().exists()
    assert not Subscription.objects.filter(pk=stale.pk).exists()
