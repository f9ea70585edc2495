from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from subscriptions import services
from subscriptions.models import CountryUpdate, Delivery, Subscription
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
    last_week = services.digest_due_period(timezone.now())
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
    services.country_update_record(country=morocco, summary="2018: added", source="admin")
    assert "EMAIL_SENDING_ENABLED is off" in run("send_deliveries")
    assert "2 delivery(ies) pending, 2 due now" in run("send_deliveries", "--dry-run")

    settings.EMAIL_SENDING_ENABLED = True
    assert "2 sent, 0 failed, 0 refused for now" in run("send_deliveries")
    assert len(mail.outbox) == 2
    assert not Delivery.objects.pending().exists()
