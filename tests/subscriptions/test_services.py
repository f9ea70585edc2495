from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from countries.models import CountryUpdate
from countries.services import country_update_record
from subscriptions import sending, services
from subscriptions.models import Delivery, Subscription
from tests.factories import (
    CountryFactory,
    CountryUpdateFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db

Status = Subscription.Status
Frequency = Subscription.Frequency


def record(country, summary="2018: added Co-Chair in RT 2.1") -> CountryUpdate:
    return country_update_record(
        country=country, summary=summary, source=CountryUpdate.Source.ADMIN
    )


class TestCountryUpdateRecord:
    def test_writes_one_pending_delivery_per_active_immediate_subscriber(self, morocco):
        immediate = SubscriptionFactory.create_batch(3, country=morocco)
        SubscriptionFactory(country=morocco, frequency=Frequency.WEEKLY)
        SubscriptionFactory(country=morocco, status=Status.PENDING)
        SubscriptionFactory(country=morocco, status=Status.UNSUBSCRIBED)
        SubscriptionFactory()  # another country

        update = record(morocco)

        deliveries = Delivery.objects.filter(update=update)
        assert {d.subscription for d in deliveries} == set(immediate)
        assert {d.status for d in deliveries} == {Delivery.Status.PENDING}

    def test_sends_only_after_the_transaction_commits(
        self, morocco, django_capture_on_commit_callbacks
    ):
        SubscriptionFactory(country=morocco, email="reader@example.org")
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            update = record(morocco)
            assert mail.outbox == []  # nothing leaves before the commit
        assert len(callbacks) == 1
        assert [m.to for m in mail.outbox] == [["reader@example.org"]]
        assert Delivery.objects.get(update=update).status == Delivery.Status.SENT

    def test_a_rolled_back_change_leaves_no_update_delivery_or_task(
        self, morocco, django_capture_on_commit_callbacks
    ):
        SubscriptionFactory(country=morocco)
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            record(morocco)
            raise RuntimeError("the admin save failed")
        assert callbacks == []
        assert not CountryUpdate.objects.exists()
        assert not Delivery.objects.exists()
        assert mail.outbox == []

    def test_no_subscribers_no_task(self, morocco, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as callbacks:
            update = record(morocco)
        assert callbacks == []
        assert update.summary.startswith("2018")

    def test_database_refuses_a_second_delivery_of_one_update(self, morocco):
        subscription = SubscriptionFactory(country=morocco)
        update = record(morocco)
        with pytest.raises(IntegrityError), transaction.atomic():
            Delivery.objects.create(subscription=subscription, update=update)


class TestSubscriptionRequest:
    def request(self, country, email="Reader@Example.org", frequency=Frequency.IMMEDIATE):
        services.subscription_request(email=email, country=country, frequency=frequency)

    def test_new_address_is_pending_and_gets_one_confirmation(
        self, morocco, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            self.request(morocco, frequency=Frequency.WEEKLY)
        subscription = Subscription.objects.get()
        assert (subscription.email, subscription.status, subscription.frequency) == (
            "reader@example.org",
            Status.PENDING,
            Frequency.WEEKLY,
        )
        assert len(mail.outbox) == 1
        assert "Morocco" in mail.outbox[0].subject

    def test_at_most_one_confirmation_per_address_and_country_a_day(
        self, morocco, django_capture_on_commit_callbacks
    ):
        other = CountryFactory()
        with django_capture_on_commit_callbacks(execute=True):
            self.request(morocco)
            self.request(morocco, email="reader@example.org ")
            self.request(other)
        assert sorted(m.subject for m in mail.outbox) == sorted(
            [
                "Confirm your subscription to Morocco (GFMD)",
                f"Confirm your subscription to {other.name} (GFMD)",
            ]
        )
        Subscription.objects.filter(country=morocco).update(
            confirmation_sent_at=timezone.now() - datetime.timedelta(hours=24, minutes=1)
        )
        with django_capture_on_commit_callbacks(execute=True):
            self.request(morocco)
        assert len(mail.outbox) == 3

    def test_at_most_five_confirmations_a_day_to_one_address_in_all(
        self, django_capture_on_commit_callbacks
    ):
        countries = CountryFactory.create_batch(7)
        with django_capture_on_commit_callbacks(execute=True):
            for country in countries:
                self.request(country)
        assert len(mail.outbox) == 5
        assert Subscription.objects.filter(status=Status.PENDING).count() == 7

    def test_active_subscription_is_left_alone(self, morocco, django_capture_on_commit_callbacks):
        active = SubscriptionFactory(country=morocco, email="reader@example.org")
        with django_capture_on_commit_callbacks(execute=True):
            self.request(morocco, frequency=Frequency.WEEKLY)
        active.refresh_from_db()
        assert (active.status, active.frequency) == (Status.ACTIVE, Frequency.IMMEDIATE)
        assert mail.outbox == []

    def test_subscribing_again_keeps_the_unsubscribe_record_for_its_retention(
        self, morocco, settings, django_capture_on_commit_callbacks
    ):
        settings.SUBSCRIPTION_RETENTION_DAYS = 30
        now = timezone.now()
        confirmed, left = now - datetime.timedelta(days=60), now - datetime.timedelta(days=10)
        gone = SubscriptionFactory(
            country=morocco,
            email="reader@example.org",
            status=Status.UNSUBSCRIBED,
            confirmation_sent_at=confirmed,
            confirmed_at=confirmed,
            unsubscribed_at=left,
        )
        with django_capture_on_commit_callbacks(execute=True):
            self.request(morocco)

        gone.refresh_from_db()
        assert (gone.status, gone.confirmed_at, gone.unsubscribed_at) == (
            Status.UNSUBSCRIBED,
            confirmed,
            left,
        )
        renewed = Subscription.objects.exclude(pk=gone.pk).get()
        assert (renewed.email, renewed.status, renewed.confirmed_at) == (
            "reader@example.org",
            Status.PENDING,
            None,
        )
        assert renewed.secret != gone.secret
        assert [m.to for m in mail.outbox] == [["reader@example.org"]]

        services.subscription_confirm(subscription=renewed)
        assert (
            services.subscriptions_purge(now=left + datetime.timedelta(days=29)).unsubscribed == 0
        )
        assert (
            services.subscriptions_purge(now=left + datetime.timedelta(days=31)).unsubscribed == 1
        )
        assert list(Subscription.objects.all()) == [renewed]

    def test_a_second_request_while_pending_reuses_the_pending_subscription(
        self, morocco, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            self.request(morocco)
            self.request(morocco, email="READER@example.org", frequency=Frequency.WEEKLY)
        pending = Subscription.objects.get()
        assert (pending.status, pending.frequency) == (Status.PENDING, Frequency.WEEKLY)
        assert len(mail.outbox) == 1


class TestConfirmUnsubscribe:
    def test_confirm_activates_a_pending_subscription_once(self, morocco):
        pending = SubscriptionFactory(country=morocco, status=Status.PENDING)
        confirmed = services.subscription_confirm(subscription=pending)
        assert confirmed.status == Status.ACTIVE
        first = confirmed.confirmed_at
        again = services.subscription_confirm(subscription=pending)
        assert again.confirmed_at == first

    def test_confirm_does_not_revive_an_unsubscribed_subscription(self, morocco):
        gone = SubscriptionFactory(country=morocco, status=Status.UNSUBSCRIBED)
        assert services.subscription_confirm(subscription=gone).status == Status.UNSUBSCRIBED

    def test_unsubscribe_drops_what_is_still_owed(self, morocco):
        subscription = SubscriptionFactory(country=morocco)
        record(morocco)
        services.subscription_unsubscribe(subscription=subscription)
        services.subscription_unsubscribe(subscription=subscription)  # idempotent
        subscription.refresh_from_db()
        assert subscription.status == Status.UNSUBSCRIBED
        assert subscription.unsubscribed_at is not None
        assert not subscription.deliveries.exists()


class TestSending:
    def test_kill_switch_sends_nothing_and_keeps_deliveries_pending(self, morocco, settings):
        settings.EMAIL_SENDING_ENABLED = False
        SubscriptionFactory.create_batch(2, country=morocco)
        update = record(morocco)
        report = sending.deliveries_send(update=update)
        assert (report.sent, mail.outbox) == (0, [])
        assert Delivery.objects.pending().count() == 2

        settings.EMAIL_SENDING_ENABLED = True
        assert sending.deliveries_send(update=update).sent == 2

    def test_kill_switch_stops_confirmations(self, morocco, settings):
        settings.EMAIL_SENDING_ENABLED = False
        pending = SubscriptionFactory(country=morocco, status=Status.PENDING)
        assert sending.subscription_confirmation_send(subscription=pending) is False
        assert mail.outbox == []

    def test_a_subscriber_who_left_meanwhile_gets_nothing(self, morocco):
        staying, leaving = SubscriptionFactory.create_batch(2, country=morocco)
        update = record(morocco)
        Subscription.objects.filter(pk=leaving.pk).update(
            status=Status.UNSUBSCRIBED, unsubscribed_at=timezone.now()
        )
        sending.deliveries_send(update=update)
        assert [m.to for m in mail.outbox] == [[staying.email]]

    def test_sends_in_batches_each_once(self, morocco):
        subscribers = SubscriptionFactory.create_batch(7, country=morocco)
        record(morocco)
        assert sending.deliveries_send(batch_size=3).sent == 7
        assert sorted(m.to[0] for m in mail.outbox) == sorted(s.email for s in subscribers)
        assert sending.deliveries_send().sent == 0


def week_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


class TestDigests:
    @pytest.fixture
    def last_week(self) -> datetime.date:
        return sending.digest_due_period(timezone.now())

    def at(self, day: datetime.date, hour: int) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    def update_at(self, country, moment, summary) -> CountryUpdate:
        update = CountryUpdateFactory(country=country, summary=summary)
        CountryUpdate.objects.filter(pk=update.pk).update(created_at=moment)
        return update

    def test_a_week_of_updates_is_one_email_per_weekly_subscriber(self, morocco, last_week):
        reader = SubscriptionFactory(
            country=morocco,
            frequency=Frequency.WEEKLY,
            confirmed_at=self.at(last_week - datetime.timedelta(days=30), 9),
        )
        late = SubscriptionFactory(
            country=morocco,
            frequency=Frequency.WEEKLY,
            confirmed_at=self.at(last_week + datetime.timedelta(days=2), 12),
        )
        SubscriptionFactory(country=morocco)  # immediate: no digest
        quiet = SubscriptionFactory(frequency=Frequency.WEEKLY)  # nothing changed there
        self.update_at(morocco, self.at(last_week, 8), "2018: added Co-Chair in RT 2.1")
        self.update_at(
            morocco, self.at(last_week + datetime.timedelta(days=4), 8), "2019: removed Team Member"
        )
        self.update_at(morocco, self.at(last_week - datetime.timedelta(days=1), 8), "Too early")
        self.update_at(morocco, self.at(last_week + datetime.timedelta(days=7), 8), "Too late")

        report = sending.digests_send_due()

        assert report.sent == 2
        by_address = {m.to[0]: m for m in mail.outbox}
        assert set(by_address) == {reader.email, late.email}
        full = by_address[reader.email].body
        assert "2018: added Co-Chair in RT 2.1" in full
        assert "2019: removed Team Member" in full
        assert "Too early" not in full and "Too late" not in full
        partial = by_address[late.email].body
        assert "2019: removed Team Member" in partial
        assert "2018: added Co-Chair" not in partial  # before that subscriber confirmed
        assert "this week's changes" in by_address[reader.email].subject
        assert not quiet.deliveries.exists()

    def test_running_twice_sends_nobody_a_second_digest(self, morocco, last_week):
        SubscriptionFactory(
            country=morocco,
            frequency=Frequency.WEEKLY,
            confirmed_at=self.at(last_week - datetime.timedelta(days=3), 9),
        )
        self.update_at(morocco, self.at(last_week, 10), "2018: added Co-Chair")
        assert sending.digests_send_due().sent == 1
        assert sending.digests_send_due().sent == 0
        assert Delivery.objects.digests().count() == 1
        assert len(mail.outbox) == 1

    def test_period_is_the_last_complete_monday_to_sunday_week(self):
        wednesday = timezone.make_aware(datetime.datetime(2026, 3, 11, 15))
        assert sending.digest_period_start(wednesday) == datetime.date(2026, 3, 9)
        assert sending.digest_due_period(wednesday) == datetime.date(2026, 3, 2)


class TestPurge:
    def test_deletes_stale_pending_and_expired_unsubscribed_only(self, morocco, settings):
        settings.SUBSCRIPTION_RETENTION_DAYS = 30
        now = timezone.now()
        stale = SubscriptionFactory(
            status=Status.PENDING, confirmation_sent_at=now - datetime.timedelta(days=8)
        )
        fresh = SubscriptionFactory(
            status=Status.PENDING, confirmation_sent_at=now - datetime.timedelta(days=6)
        )
        expired = SubscriptionFactory(
            status=Status.UNSUBSCRIBED, unsubscribed_at=now - datetime.timedelta(days=31)
        )
        recent = SubscriptionFactory(
            status=Status.UNSUBSCRIBED, unsubscribed_at=now - datetime.timedelta(days=29)
        )
        active = SubscriptionFactory(confirmed_at=now - datetime.timedelta(days=400))

        dry = services.subscriptions_purge(dry_run=True)
        assert (dry.pending, dry.unsubscribed) == (1, 1)
        assert Subscription.objects.count() == 5

        report = services.subscriptions_purge()
        assert (report.pending, report.unsubscribed) == (1, 1)
        remaining = set(Subscription.objects.all())
        assert remaining == {fresh, recent, active}
        assert stale not in remaining and expired not in remaining
