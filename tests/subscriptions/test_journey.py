"""The whole journey of a reader, through the site as a browser and a mail client use it."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from subscriptions.models import Subscription
from tests.admin_forms import add_inline_row, form_data
from tests.factories import ForumYearFactory

pytestmark = pytest.mark.django_db


def only_link(pattern: str, text: str) -> str:
    [link] = set(re.findall(pattern, text))
    return link.removeprefix("https://gfmd.example.org")


def test_subscribe_confirm_notify_unsubscribe(
    client, editor_client, morocco, django_capture_on_commit_callbacks
):
    run_on_commit = django_capture_on_commit_callbacks
    page = client.get(morocco.get_absolute_url()).content.decode()
    subscribe_url = reverse("subscriptions:subscribe", kwargs={"slug": "morocco"})
    assert f'href="{subscribe_url}"' in page

    # Subscribe: a confirmation email, nothing else.
    with run_on_commit(execute=True):
        response = client.post(
            subscribe_url, {"email": "Reader@Example.org", "frequency": "immediate"}
        )
    assert response.status_code == 200
    [confirmation] = mail.outbox
    assert confirmation.to == ["reader@example.org"]
    confirm_path = only_link(
        r"https://gfmd\.example\.org/subscriptions/confirm/[^\s/]+/", confirmation.body
    )

    # A mail scanner opening the link changes nothing; the button does.
    assert client.get(confirm_path).status_code == 200
    assert Subscription.objects.get().status == Subscription.Status.PENDING
    assert client.post(confirm_path).status_code == 200
    assert Subscription.objects.get().status == Subscription.Status.ACTIVE

    # A staff edit in the admin: one notification.
    year = ForumYearFactory(label="2018", sort_year=2018)
    country_change = reverse("admin:countries_country_change", args=[morocco.pk])
    data = form_data(editor_client.get(country_change), "country_form")
    add_inline_row(data, "attendances", forum_year=year.pk, attended_meeting="on")
    with run_on_commit(execute=True):
        assert editor_client.post(country_change, data).status_code == 302
    [_, notification] = mail.outbox
    assert notification.to == ["reader@example.org"]
    assert "Morocco" in notification.subject
    assert "2018: added Attended Meeting" in notification.body
    assert "https://gfmd.example.org/countries/morocco/" in notification.body
    unsubscribe_url = notification.extra_headers["List-Unsubscribe"].strip("<>")
    assert notification.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # One click in the mail client: a POST with no cookie and no CSRF token.
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        unsubscribe_url.removeprefix("https://gfmd.example.org"),
        {"List-Unsubscribe": "One-Click"},
    )
    assert response.status_code == 200
    assert Subscription.objects.get().status == Subscription.Status.UNSUBSCRIBED

    # The next edit emails nobody.
    data = form_data(editor_client.get(country_change), "country_form")
    data["official_name"] = ["Kingdom of Morocco (the)"]
    with run_on_commit(execute=True):
        assert editor_client.post(country_change, data).status_code == 302
    assert morocco.updates.count() == 2
    assert len(mail.outbox) == 2
