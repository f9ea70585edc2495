from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from subscriptions.models import Delivery, Subscription
from tests.factories import (
    CountryFactory,
    DeliveryFactory,
    SubscriptionFactory,
    UserFactory,
)
from tests.imports.test_admin import CSV_FORMAT, form_values

pytestmark = pytest.mark.django_db

Status = Subscription.Status
CHANGELIST = "admin:subscriptions_subscription_changelist"


@pytest.fixture
def subscriptions(morocco):
    mexico = CountryFactory(name="Mexico", slug="mexico")
    return {
        "active": SubscriptionFactory(country=morocco, email="ana@example.org"),
        "weekly": SubscriptionFactory(country=morocco, email="ben@example.org", frequency="weekly"),
        "pending": SubscriptionFactory(
            country=mexico, email="ana@example.org", status=Status.PENDING
        ),
        "gone": SubscriptionFactory(
            country=mexico, email="cy@example.org", status=Status.UNSUBSCRIBED
        ),
    }


def listed(response) -> set[str]:
    return {f"{s.email}/{s.country.slug}" for s in response.context["cl"].result_list}


def test_search_by_email_and_filter_by_country_status_frequency(
    admin_client, subscriptions, morocco
):
    url = reverse(CHANGELIST)
    assert listed(admin_client.get(url, {"q": "ana@"})) == {
        "ana@example.org/morocco",
        "ana@example.org/mexico",
    }
    assert listed(admin_client.get(url, {"country__id__exact": morocco.pk})) == {
        "ana@example.org/morocco",
        "ben@example.org/morocco",
    }
    assert listed(admin_client.get(url, {"status__exact": "pending"})) == {"ana@example.org/mexico"}
    assert listed(admin_client.get(url, {"frequency__exact": "weekly"})) == {
        "ben@example.org/morocco"
    }


def test_counts_per_country(admin_client, subscriptions):
    response = admin_client.get(reverse("admin:subscriptions_subscription_counts"))
    counts = {
        c.name: (c.immediate, c.weekly, c.pending, c.unsubscribed)
        for c in response.context["countries"]
    }
    assert counts == {"Morocco": (1, 1, 0, 0), "Mexico": (0, 0, 1, 1)}
    changelist = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert reverse("admin:subscriptions_subscription_counts") in changelist


def test_resend_confirmation_only_to_pending(
    admin_client, subscriptions, django_capture_on_commit_callbacks
):
    data = {
        "action": "resend_confirmation",
        "_selected_action": [str(subscriptions["pending"].pk), str(subscriptions["active"].pk)],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse(CHANGELIST), data, follow=True)
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert mail.outbox[0].subject == "Confirm your subscription to Mexico (GFMD)"
    messages = [str(m) for m in response.context["messages"]]
    assert "1 confirmation resent." in messages
    assert "1 subscription skipped: only pending ones get a confirmation." in messages


def export_csv(client, query: str = "") -> list[dict]:
    """The admin's Export button, in CSV, with every column ticked as the form offers it."""
    url = reverse("admin:subscriptions_subscription_export") + query
    form = client.get(url).context["form"]
    values = form_values(form) | {"format": str(CSV_FORMAT)}
    response = client.post(url, values)
    assert response["Content-Type"] == "text/csv"
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_export_lists_subscriptions_without_their_secrets(admin_client, subscriptions):
    rows = export_csv(admin_client)
    assert list(rows[0]) == [
        "email",
        "country",
        "frequency",
        "status",
        "created_at",
        "confirmed_at",
        "unsubscribed_at",
    ]
    assert sorted((r["email"], r["country"], r["status"], r["frequency"]) for r in rows) == sorted(
        (s.email, s.country.iso3, s.get_status_display(), s.get_frequency_display())
        for s in subscriptions.values()
    )
    assert {r["status"] for r in rows} == {"Active", "Pending confirmation", "Unsubscribed"}
    secrets = {s.secret for s in subscriptions.values()}
    assert not any(secret in value for row in rows for value in row.values() for secret in secrets)


def test_export_follows_the_changelist_filters(admin_client, subscriptions):
    rows = export_csv(admin_client, "?status__exact=active")
    assert sorted(r["email"] for r in rows) == ["ana@example.org", "ben@example.org"]


def test_staff_cannot_add_or_edit_a_subscription(admin_client, subscriptions):
    active = subscriptions["active"]
    assert admin_client.get(reverse("admin:subscriptions_subscription_add")).status_code == 403
    change = reverse("admin:subscriptions_subscription_change", args=[active.pk])
    admin_client.post(change, {"email": "other@example.org", "status": "pending"})
    active.refresh_from_db()
    assert (active.email, active.status) == ("ana@example.org", Status.ACTIVE)


@pytest.mark.parametrize("model", ["countries_countryupdate", "subscriptions_delivery"])
def test_updates_and_deliveries_are_read_only(admin_client, model):
    delivery = DeliveryFactory()
    obj = delivery if model == "subscriptions_delivery" else delivery.update
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 403
    change = admin_client.get(reverse(f"admin:{model}_change", args=[obj.pk]))
    assert change.status_code == 200
    assert not change.context["has_change_permission"]
    assert not change.context["has_delete_permission"]
    listing = admin_client.get(reverse(f"admin:{model}_changelist"))
    assert listing.context["cl"].result_count == 1


@pytest.fixture
def deliveries(morocco):
    def delivery(email: str, **fields) -> Delivery:
        return DeliveryFactory(
            subscription=SubscriptionFactory(country=morocco, email=email), **fields
        )

    return {
        "failed": delivery(
            "gone@example.org", status="failed", attempts=1, error="554 5.7.1 Rejected as spam"
        ),
        "waiting": delivery(
            "grey@example.org",
            attempts=2,
            next_attempt_at=timezone.now() + timedelta(minutes=15),
            error="grey@example.org: 450 4.2.0 Greylisted",
        ),
        "new": delivery("new@example.org"),
        "sent": delivery("ok@example.org", status="sent", attempts=1, sent_at=timezone.now()),
    }


def delivery_emails(response) -> set[str]:
    return {d.subscription.email for d in response.context["cl"].result_list}


def test_staff_see_failed_and_waiting_deliveries_with_the_reason(admin_client, deliveries):
    changelist = reverse("admin:subscriptions_delivery_changelist")
    failed = admin_client.get(changelist, {"state": "failed"})
    assert delivery_emails(failed) == {"gone@example.org"}
    assert "554 5.7.1 Rejected as spam" in failed.text
    waiting = admin_client.get(changelist, {"state": "waiting"})
    assert delivery_emails(waiting) == {"grey@example.org"}
    assert "450 4.2.0 Greylisted" in waiting.text
    assert delivery_emails(admin_client.get(changelist, {"state": "pending"})) == {
        "new@example.org"
    }


@pytest.fixture
def retry(django_capture_on_commit_callbacks):
    def post(client, deliveries):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("admin:subscriptions_delivery_changelist"),
                {"action": "retry", "_selected_action": [d.pk for d in deliveries]},
                follow=True,
            )

    return post


def test_retry_sends_failed_and_waiting_deliveries_now(admin_client, deliveries, mailoutbox, retry):
    response = retry(admin_client, deliveries.values())
    assert "3 deliveries will be sent again" in response.text
    # The tests' tasks run at once: the sweep has sent them.
    assert sorted(m.to[0] for m in mailoutbox) == [
        "gone@example.org",
        "grey@example.org",
        "new@example.org",
    ]
    sent = Delivery.objects.filter(status="sent")
    assert sent.count() == 4
    deliveries["failed"].refresh_from_db()
    assert (deliveries["failed"].attempts, deliveries["failed"].error) == (1, "")


def test_retry_needs_its_permission(client, deliveries, mailoutbox, retry):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_delivery"))
    client.force_login(viewer)
    changelist = client.get(reverse("admin:subscriptions_delivery_changelist"))
    assert changelist.context["action_form"] is None  # no action this user may run
    retry(client, [deliveries["failed"]])
    deliveries["failed"].refresh_from_db()
    assert deliveries["failed"].status == "failed"
    assert mailoutbox == []

    viewer.user_permissions.add(Permission.objects.get(codename="retry_delivery"))
    client.force_login(viewer)
    retry(client, [deliveries["failed"]])
    deliveries["failed"].refresh_from_db()
    assert deliveries["failed"].status == "sent"
