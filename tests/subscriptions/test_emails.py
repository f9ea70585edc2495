"""Emails as a mail server receives them: Django's SMTP backend talking to aiosmtpd."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

import pytest
from django.test import Client

from countries.models import CountryUpdate
from countries.services import country_update_record
from subscriptions import emails, sending
from subscriptions.models import Subscription
from tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


def parts(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def test_notification_headers_and_body_over_smtp(smtp_sink, morocco):
    subscription = SubscriptionFactory(country=morocco, email="reader@example.org")
    update = country_update_record(
        country=morocco,
        summary='2018: added Co-Chair in RT 2.1 "Migration & jobs"\nISO3 code: "MAR" changed',
        source=CountryUpdate.Source.ADMIN,
    )

    assert sending.deliveries_send(update=update).sent == 1

    [message] = smtp_sink.messages
    assert smtp_sink.recipients == [["reader@example.org"]]
    assert message["Subject"] == "Morocco: the GFMD country profile has changed"
    assert message.get_content_type() == "multipart/alternative"
    # A long header is folded after the colon; unfolded, the value is the bracketed URL.
    unsubscribe = re.fullmatch(
        r"<(https://gfmd\.example\.org/subscriptions/unsubscribe/[^/>]+/)>",
        message["List-Unsubscribe"].strip(),
    )
    assert unsubscribe, message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    text, html = parts(message)
    assert '2018: added Co-Chair in RT 2.1 "Migration & jobs"' in text
    assert "2018: added Co-Chair in RT 2.1 &quot;Migration &amp; jobs&quot;" in html
    assert "https://gfmd.example.org/countries/morocco/" in text
    assert 'href="https://gfmd.example.org/countries/morocco/"' in html
    assert "https://gfmd.example.org/subscriptions/manage/" in text
    assert unsubscribe.group(1) in text and unsubscribe.group(1) in html

    # The header's URL is the one-click endpoint: a POST without cookies unsubscribes.
    path = unsubscribe.group(1).removeprefix("https://gfmd.example.org")
    response = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED


def test_confirmation_over_smtp_has_the_link_and_no_unsubscribe_header(smtp_sink, morocco):
    pending = SubscriptionFactory(country=morocco, status=Subscription.Status.PENDING)
    assert sending.subscription_confirmation_send(subscription=pending)
    [message] = smtp_sink.messages
    assert message["Subject"] == "Confirm your subscription to Morocco (GFMD)"
    assert message["List-Unsubscribe"] is None
    text, html = parts(message)
    link = re.search(r"https://gfmd\.example\.org/subscriptions/confirm/[^/\s]+/", text).group(0)
    assert f'href="{link}"' in html
    confirm = Client().post(link.removeprefix("https://gfmd.example.org"))
    assert confirm.status_code == 200
    pending.refresh_from_db()
    assert pending.status == Subscription.Status.ACTIVE


def test_a_notification_keeps_its_boundary_out_of_its_text(morocco):
    subscription = SubscriptionFactory(country=morocco)
    for text, shared in [("text", True), ("quoting =_boundary-of-the-run here", False)]:
        notification = emails.Notification(
            emails.Rendered(subject="S", text=text, html="<p>html</p>"),
            to=subscription.email,
            boundary="=_boundary-of-the-run",
            unsubscribe_url="https://gfmd.example.org/u/",
        )
        raw = notification.message().as_bytes()
        assert (b'boundary="=_boundary-of-the-run"' in raw) is shared
        parsed = message_from_bytes(raw, policy=policy.default)
        assert [part.get_content_type() for part in parsed.iter_parts()] == [
            "text/plain",
            "text/html",
        ]
        assert text in parsed.get_body(preferencelist=("plain",)).get_content()
