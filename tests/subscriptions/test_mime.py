"""A notification's SMTP bytes, filled in from its update's template, are the bytes Django
would have built and serialised for that message."""

from __future__ import annotations

import datetime
import random
import re
import string

import pytest
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address

from subscriptions import emails, mime, services
from subscriptions.mime import SMTP_POLICY, MessageTemplate, header_line
from subscriptions.models import CountryUpdate, Subscription
from subscriptions.tokens import LinkPaths, Purpose, link_path
from tests.factories import CountryFactory, CountryUpdateFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

DATE = "Mon, 09 Mar 2026 10:00:00 -0000"


@pytest.fixture(autouse=True)
def fixed_date_and_message_id(monkeypatch):
    """Django's path and the template's draw the same Date and Message-ID."""
    monkeypatch.setattr("django.core.mail.message.formatdate", lambda localtime: DATE)
    monkeypatch.setattr("subscriptions.mime.formatdate", lambda localtime: DATE)
    for module in ("django.core.mail.message", "subscriptions.mime"):
        monkeypatch.setattr(f"{module}.make_msgid", lambda domain: "<1.2.3@gfmd.test>")


def without_boundary(data: bytes) -> bytes:
    """The multipart boundary is random in each serialisation: the one thing that differs."""
    boundary = re.search(rb'boundary="([^"]+)"', data).group(1)
    return data.replace(boundary, b"BOUNDARY")


def assert_same_as_django(message: emails.Notification) -> None:
    sender, recipients, data = message.smtp_envelope()
    assert sender == sanitize_address(message.from_email, "utf-8")
    assert recipients == [sanitize_address(address, "utf-8") for address in message.to]
    expected = message.message().as_bytes(linesep="\r\n")
    assert without_boundary(data) == without_boundary(expected)


def filled_from_template(message: emails.Notification) -> bool:
    template = message._template
    return (
        template is not None and template.fill(to=message.to[0], links=message._links) is not None
    )


class TestNotificationBytes:
    def test_every_subscriber_of_an_update(self, morocco):
        update = CountryUpdateFactory(
            country=morocco,
            summary='2018: added Co-Chair in RT 2.1 "Migration & jobs"\nISO3 code changed',
        )
        emails_of_all_lengths = ["a@b.org", "reader@example.org", f"{'x' * 60}@example.org"]
        notifications = emails.Notifications()
        for address in emails_of_all_lengths:
            message = notifications.update(
                SubscriptionFactory(country=morocco, email=address), update
            )
            assert filled_from_template(message)
            assert_same_as_django(message)

    def test_a_country_name_in_another_alphabet(self):
        country = CountryFactory(name="Côte d'Ivoire", slug="cote-divoire")
        update = CountryUpdateFactory(country=country, summary="2019: a participé — RT 1.2")
        message = emails.Notifications().update(SubscriptionFactory(country=country), update)
        assert "=?utf-8?" in message.message()["Subject"]
        assert filled_from_template(message)
        assert_same_as_django(message)

    def test_an_address_in_another_alphabet(self, morocco):
        update = CountryUpdateFactory(country=morocco)
        subscription = SubscriptionFactory(country=morocco, email="lecteur@exämple.org")
        message = emails.Notifications().update(subscription, update)
        assert message.smtp_envelope()[1] == ["lecteur@xn--exmple-cua.org"]
        assert_same_as_django(message)

    def test_a_digest(self, morocco):
        subscription = SubscriptionFactory(
            country=morocco,
            frequency=Subscription.Frequency.WEEKLY,
            confirmed_at=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC),
        )
        updates = CountryUpdateFactory.create_batch(3, country=morocco)
        message = emails.Notifications().digest(subscription, updates, datetime.date(2026, 3, 2))
        assert filled_from_template(message)
        assert_same_as_django(message)

    def test_a_line_too_long_for_smtp_is_left_to_django(self, morocco):
        """Over 998 bytes, Django encodes the part quoted-printable: no template then."""
        update = CountryUpdateFactory(country=morocco, summary="2018: " + "word " * 250)
        message = emails.Notifications().update(SubscriptionFactory(country=morocco), update)
        assert message._template is None
        assert b"quoted-printable" in message.smtp_envelope()[2]
        assert_same_as_django(message)


def template_message(line: str) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject="A subject",
        body=f"{line}\nManage: MANAGE-LINK\n",
        to=[mime.TO_STAND_IN],
        headers=emails.list_headers("UNSUBSCRIBE-LINK"),
    )
    message.attach_alternative(f"<p>{line} MANAGE-LINK UNSUBSCRIBE-LINK</p>", "text/html")
    return message


class TestMessageTemplate:
    links = ["MANAGE-LINK", "UNSUBSCRIBE-LINK"]

    def test_a_link_that_would_make_a_line_too_long_is_left_to_django(self):
        template = MessageTemplate.build(template_message("x" * 900), links=self.links)
        assert template is not None
        short = {"MANAGE-LINK": "https://a.example/m/1/", "UNSUBSCRIBE-LINK": "https://a/u/"}
        assert template.fill(to="a@example.org", links=short) is not None
        long = {**short, "MANAGE-LINK": "https://a.example/m/" + "t" * 60 + "/"}
        assert template.fill(to="a@example.org", links=long) is None

    def test_a_link_with_a_space_or_a_line_break_is_left_to_django(self):
        template = MessageTemplate.build(template_message("text"), links=self.links)
        for odd in ("https://a.example/m 1/", "https://a.example/m\n1/", "https://ä.example/"):
            links = {"MANAGE-LINK": odd, "UNSUBSCRIBE-LINK": "https://a.example/u/"}
            assert template.fill(to="a@example.org", links=links) is None

    def test_a_stand_in_in_another_header_gives_no_template(self):
        message = template_message("text")
        message.subject = "See MANAGE-LINK"
        assert MessageTemplate.build(message, links=self.links) is None


class TestHeaderLine:
    """The shortcuts give what the email package's compat32 policy writes."""

    def test_against_the_policy(self):
        chance = random.Random(8058)
        alphabets = [
            string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+=%<>",
            string.ascii_letters + " ,;=?",
            "aé ",
        ]
        for name in ("To", "Date", "Message-ID", "List-Unsubscribe"):
            for length in range(1, 200):
                for alphabet in alphabets:
                    value = "".join(chance.choice(alphabet) for _ in range(length)).strip()
                    if value:
                        assert header_line(name, value) == SMTP_POLICY.fold_binary(name, value)

    def test_a_real_unsubscribe_header_is_folded_after_the_colon(self):
        url = "<https://gfmd.example.org/subscriptions/unsubscribe/" + "t" * 90 + "/>"
        assert header_line("List-Unsubscribe", url) == f"List-Unsubscribe: \r\n {url}\r\n".encode()


def test_link_paths_are_those_of_reverse(morocco):
    paths = LinkPaths()
    for subscription in SubscriptionFactory.create_batch(3, country=morocco):
        for purpose in Purpose:
            assert paths(subscription, purpose) == link_path(subscription, purpose)


def test_an_update_over_smtp_is_the_template_filled_in(smtp_sink, morocco):
    """What the server receives is what Django would have sent."""
    SubscriptionFactory.create_batch(3, country=morocco)
    update = CountryUpdate.objects.create(country=morocco, summary="2018: added", source="admin")
    notifications = emails.Notifications()
    expected = {s.email: notifications.update(s, update) for s in morocco.subscriptions.all()}
    services.deliveries_create_for_update(update=update)
    assert services.deliveries_send(update=update).sent == 3
    for raw, [recipient] in zip(smtp_sink.raw_messages, smtp_sink.recipients, strict=True):
        reference = expected[recipient].message().as_bytes(linesep="\r\n")
        # Links carry a timestamp to the second: compare all but the links.
        pattern = rb"https://gfmd\.example\.org/subscriptions/\w+/[^/\s\"]+/"
        assert re.sub(pattern, b"LINK", without_boundary(raw.replace(b"\r\n", b"\n"))) == (
            re.sub(pattern, b"LINK", without_boundary(reference.replace(b"\r\n", b"\n")))
        )
