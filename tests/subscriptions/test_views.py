from __future__ import annotations

import datetime
import re
import threading
import time
import xml.etree.ElementTree as ET

import pytest
from django.core import mail, signing
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from countries.models import CountryUpdate
from countries.services import country_update_record
from subscriptions import sending
from subscriptions.models import Delivery, Subscription
from subscriptions.tokens import Purpose, link_path, make_token
from tests.factories import CountryFactory, CountryUpdateFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

Status = Subscription.Status
Frequency = Subscription.Frequency
ATOM = "{http://www.w3.org/2005/Atom}"


def subscribe(client, country, email, **extra):
    data = {"email": email, "frequency": "immediate", "website": "", **extra}
    return client.post(reverse("subscriptions:subscribe", kwargs={"slug": country.slug}), data)


def signed_at(moment: float, subscription: Subscription, purpose: Purpose, monkeypatch) -> str:
    """A genuine token as the signer would have made it at `moment` (time frozen at the
    signer's edge, nothing else)."""
    with monkeypatch.context() as patch:
        patch.setattr(
            signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(int(moment))
        )
        return make_token(subscription, purpose)


class TestSubscribeForm:
    def test_form_asks_for_an_address_and_a_frequency_only(self, client, morocco):
        response = client.get(reverse("subscriptions:subscribe", kwargs={"slug": "morocco"}))
        form = response.context["form"]
        assert list(form.fields) == ["email", "frequency", "website"]
        assert [value for value, _ in form.fields["frequency"].choices] == ["immediate", "weekly"]
        assert b"Subscribe to Morocco" in response.content
        assert b'rel="alternate" type="application/atom+xml"' in response.content

    def test_unknown_country_is_404(self, client, db):
        assert client.get("/countries/atlantis/subscribe/").status_code == 404

    def test_answer_is_identical_whatever_the_address_state(
        self, client, morocco, django_capture_on_commit_callbacks
    ):
        SubscriptionFactory(country=morocco, email="pending@example.org", status=Status.PENDING)
        SubscriptionFactory(country=morocco, email="active@example.org")
        SubscriptionFactory(
            country=morocco,
            email="gone@example.org",
            status=Status.UNSUBSCRIBED,
            confirmation_sent_at=timezone.now() - datetime.timedelta(days=60),
        )
        responses = []
        with django_capture_on_commit_callbacks(execute=True):
            for address in ["new@example.org", "pending@example.org", "active@example.org"]:
                responses.append(subscribe(client, morocco, address))
            responses.append(subscribe(client, morocco, "gone@example.org"))
        assert {r.status_code for r in responses} == {200}
        assert len({r.content for r in responses}) == 1
        assert {tuple(sorted(r.headers.items())) for r in responses} == {
            tuple(sorted(responses[0].headers.items()))
        }
        assert b"Check your inbox" in responses[0].content
        # Only addresses that need confirming and had no link today got one.
        assert sorted(m.to[0] for m in mail.outbox) == [
            "gone@example.org",
            "new@example.org",
        ]

    def test_honeypot_gets_the_same_answer_and_changes_nothing(self, client, morocco):
        trapped = subscribe(client, morocco, "bot@example.org", website="http://spam.example")
        genuine = subscribe(client, morocco, "human@example.org")
        assert trapped.content == genuine.content
        assert list(Subscription.objects.values_list("email", flat=True)) == ["human@example.org"]

    def test_invalid_address_is_shown_again_with_a_message(self, client, morocco):
        response = subscribe(client, morocco, "not an address")
        assert response.status_code == 200
        assert "email" in response.context["form"].errors
        assert b"not an address" in response.content
        assert not Subscription.objects.exists()

    def test_per_ip_rate_limit(self, morocco, settings):
        settings.SUBSCRIBE_RATE_LIMIT_PER_HOUR = 3
        first_ip, second_ip = Client(REMOTE_ADDR="192.0.2.1"), Client(REMOTE_ADDR="192.0.2.2")
        answers = [
            subscribe(first_ip, morocco, f"reader{n}@example.org").status_code for n in range(4)
        ]
        assert answers == [200, 200, 200, 429]
        assert Subscription.objects.count() == 3
        assert subscribe(second_ip, morocco, "other@example.org").status_code == 200


def inbox(recipient: str) -> str:
    """The inbox a typical mail server (Postfix with `recipient_delimiter = +`) delivers an
    envelope recipient to: the local part without its sub-address, case folded."""
    local, _at, domain = recipient.rpartition("@")
    return f"{local.split('+')[0].lower()}@{domain.lower().rstrip('.')}"


def confirmations_per_inbox(sink) -> dict[str, int]:
    counts: dict[str, int] = {}
    for recipient, count in sink.count_by_recipient().items():
        counts[inbox(recipient)] = counts.get(inbox(recipient), 0) + count
    return counts


class TestOneInboxManySpellings:
    """Addresses stored as different but delivered to one inbox share its daily cap."""

    ACCEPTED = [
        "victim1@example.net",
        "VICTIM1@example.net",
        "victim1@EXAMPLE.NET",
        "victim1@\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.net",
        "victim1@exam\u00adple.net",
        "victim1+1@example.net",
        "victim1+2@Example.net",
    ]
    REFUSED = [
        '"victim1"@example.net',
        '"v\\ictim1"@example.net',
        "=?utf-8?q?victim1?=@example.net",
        "=?utf-8?b?dmljdGltMQ==?=@example.net",
        "victim1@[192.0.2.1]",
    ]

    @staticmethod
    def post_from_many_clients(countries, spellings) -> list:
        """Every spelling for every country, each request from its own client address."""
        responses = []
        for n, (country, spelling) in enumerate(
            (country, spelling) for country in countries for spelling in spellings
        ):
            client = Client(REMOTE_ADDR=f"198.51.100.{n % 250 + 1}")
            responses.append(subscribe(client, country, spelling))
        return responses

    def test_quoted_escaped_and_encoded_spellings_are_refused_with_a_message(self, morocco):
        for spelling in self.REFUSED:
            response = subscribe(Client(), morocco, spelling)
            assert response.status_code == 200
            [error] = response.context["form"].errors["email"]
            assert "quotation marks, backslashes, encoded words" in error
            assert "quotation marks, backslashes" in response.content.decode()
        assert not Subscription.objects.exists()

    def test_one_confirmation_per_inbox_and_country_a_day(
        self, smtp_sink, morocco, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            responses = self.post_from_many_clients([morocco], self.ACCEPTED * 3)
        assert {r.status_code for r in responses} == {200}
        assert confirmations_per_inbox(smtp_sink) == {"victim1@example.net": 1}

    def test_five_confirmations_per_inbox_a_day_in_all(
        self, smtp_sink, morocco, django_capture_on_commit_callbacks
    ):
        countries = [morocco, *CountryFactory.create_batch(7)]
        with django_capture_on_commit_callbacks(execute=True):
            self.post_from_many_clients(countries, self.ACCEPTED + self.REFUSED)
        assert confirmations_per_inbox(smtp_sink) == {"victim1@example.net": 5}
        # Nobody else's confirmations are held back by it.
        with django_capture_on_commit_callbacks(execute=True):
            subscribe(Client(), morocco, "reader@example.net")
        assert confirmations_per_inbox(smtp_sink)["reader@example.net"] == 1

    def test_the_address_is_stored_as_it_is_sent(self, morocco):
        subscribe(Client(), morocco, "Reader+News@Bücher.Example")
        assert Subscription.objects.get().email == "reader+news@xn--bcher-kva.example"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_one_inbox_share_the_cap(smtp_sink):
    """Ten requests at once, each for another country and spelling of one inbox."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: requests in parallel transactions")
    countries = CountryFactory.create_batch(10)
    spellings = [f"victim1+{n}@Example.net" for n in range(10)]
    start = threading.Barrier(10)

    def request(country, spelling) -> None:
        try:
            start.wait(timeout=10)
            subscribe(Client(REMOTE_ADDR=f"203.0.113.{len(spelling)}"), country, spelling)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=request, args=pair)
        for pair in zip(countries, spellings, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Subscription.objects.count() == 10
    assert confirmations_per_inbox(smtp_sink) == {"victim1@example.net": 5}


class TestConfirm:
    def test_get_shows_a_button_and_changes_nothing(self, client, morocco):
        pending = SubscriptionFactory(country=morocco, status=Status.PENDING)
        response = client.get(link_path(pending, Purpose.CONFIRM))
        assert response.status_code == 200
        assert b'method="post"' in response.content
        pending.refresh_from_db()
        assert pending.status == Status.PENDING

    def test_post_confirms(self, client, morocco):
        pending = SubscriptionFactory(country=morocco, status=Status.PENDING)
        response = client.post(link_path(pending, Purpose.CONFIRM))
        assert response.status_code == 200
        assert b"Subscription confirmed" in response.content
        pending.refresh_from_db()
        assert pending.status == Status.ACTIVE
        manage = response.context["manage_url"]
        assert client.get(manage).context["email"] == pending.email

    def test_link_expires_after_three_days(self, client, morocco, monkeypatch):
        pending = SubscriptionFactory(country=morocco, status=Status.PENDING)
        three_days = 3 * 24 * 3600
        fresh = signed_at(time.time() - three_days + 60, pending, Purpose.CONFIRM, monkeypatch)
        stale = signed_at(time.time() - three_days - 60, pending, Purpose.CONFIRM, monkeypatch)
        expired_path = reverse("subscriptions:confirm", kwargs={"token": stale})
        assert client.get(expired_path).status_code == 400
        assert client.post(expired_path).status_code == 400
        pending.refresh_from_db()
        assert pending.status == Status.PENDING
        fresh_path = reverse("subscriptions:confirm", kwargs={"token": fresh})
        assert client.post(fresh_path).status_code == 200
        pending.refresh_from_db()
        assert pending.status == Status.ACTIVE

    def test_an_unsubscribed_subscription_cannot_be_confirmed_by_an_old_link(self, client):
        gone = SubscriptionFactory(status=Status.UNSUBSCRIBED)
        assert client.post(link_path(gone, Purpose.CONFIRM)).status_code == 400
        gone.refresh_from_db()
        assert gone.status == Status.UNSUBSCRIBED


def tampered_variants(subscription: Subscription, purpose: Purpose) -> list[str]:
    token = make_token(subscription, purpose)
    value, timestamp, signature = token.rsplit(":", 2)
    other_secret = f"{subscription.pk}.{'x' * len(subscription.secret)}"
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    return [
        f"{value}:{timestamp}:{flipped}",  # edited signature
        f"{subscription.pk + 1}.{subscription.secret}:{timestamp}:{signature}",  # other id
        signing.TimestampSigner(salt="somebody.else").sign(other_secret),  # forged
        make_token(subscription, Purpose.MANAGE if purpose != Purpose.MANAGE else Purpose.CONFIRM),
        "garbage",
    ]


@pytest.mark.parametrize("purpose", list(Purpose))
def test_tampered_tokens_answer_400_and_change_nothing(client, purpose):
    subscription = SubscriptionFactory(status=Status.PENDING)
    SubscriptionFactory(status=Status.PENDING)  # the "other id" exists too
    url_name = purpose.url_name
    for token in tampered_variants(subscription, purpose):
        path = reverse(url_name, kwargs={"token": token})
        assert client.get(path).status_code == 400, token
        assert client.post(path).status_code == 400, token
    assert set(Subscription.objects.values_list("status", flat=True)) == {Status.PENDING}


def test_a_renewed_secret_invalidates_old_links(client):
    subscription = SubscriptionFactory()
    old = link_path(subscription, Purpose.MANAGE)
    Subscription.objects.filter(pk=subscription.pk).update(secret="renewed-secret")
    assert client.get(old).status_code == 400


class TestUnsubscribe:
    def test_one_click_post_without_cookie_or_csrf_token(self, morocco):
        subscription = SubscriptionFactory(country=morocco)
        client = Client(enforce_csrf_checks=True)
        path = link_path(subscription, Purpose.UNSUBSCRIBE)
        response = client.post(path, {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
        assert not response.cookies
        subscription.refresh_from_db()
        assert subscription.status == Status.UNSUBSCRIBED
        again = client.post(path, {"List-Unsubscribe": "One-Click"})
        assert again.status_code == 200
        assert b"You are unsubscribed" in again.content

    def test_get_shows_a_button_and_changes_nothing(self, client, morocco):
        subscription = SubscriptionFactory(country=morocco)
        response = client.get(link_path(subscription, Purpose.UNSUBSCRIBE))
        assert response.status_code == 200
        assert b"<button" in response.content
        subscription.refresh_from_db()
        assert subscription.status == Status.ACTIVE

    def test_link_of_a_purged_subscription_still_answers_200_to_post(self, morocco):
        subscription = SubscriptionFactory(country=morocco)
        path = link_path(subscription, Purpose.UNSUBSCRIBE)
        subscription.delete()
        client = Client(enforce_csrf_checks=True)
        assert client.post(path).status_code == 200
        assert client.get(path).status_code == 400

    def test_link_works_long_after_it_was_sent(self, morocco, monkeypatch):
        subscription = SubscriptionFactory(country=morocco)
        a_year_ago = time.time() - 365 * 24 * 3600
        token = signed_at(a_year_ago, subscription, Purpose.UNSUBSCRIBE, monkeypatch)
        response = Client(enforce_csrf_checks=True).post(
            reverse("subscriptions:unsubscribe", kwargs={"token": token})
        )
        assert response.status_code == 200
        subscription.refresh_from_db()
        assert subscription.status == Status.UNSUBSCRIBED


class TestUsedUnsubscribeLink:
    """The link unsubscribes once; opened again it says so and changes nothing."""

    def test_opened_again_it_shows_when_you_left_and_offers_no_button(self, morocco):
        subscription = SubscriptionFactory(country=morocco, email="reader@example.org")
        path = link_path(subscription, Purpose.UNSUBSCRIBE)
        mail_client = Client(enforce_csrf_checks=True)
        assert mail_client.post(path).status_code == 200
        subscription.refresh_from_db()
        left = subscription.unsubscribed_at

        again = Client().get(path)
        assert again.status_code == 200
        html = again.content.decode()
        assert "You are unsubscribed" in html
        assert f"on {timezone.localdate(left):%-d %B %Y}" in html
        assert "<form" not in html and "<button" not in html

        assert mail_client.post(path).status_code == 200
        subscription.refresh_from_db()
        assert subscription.unsubscribed_at == left

    def test_it_does_not_end_a_later_subscription_of_the_address(
        self, client, morocco, django_capture_on_commit_callbacks
    ):
        first = SubscriptionFactory(
            country=morocco,
            email="reader@example.org",
            confirmation_sent_at=timezone.now() - datetime.timedelta(days=5),
        )
        old_link = link_path(first, Purpose.UNSUBSCRIBE)
        Client(enforce_csrf_checks=True).post(old_link)
        with django_capture_on_commit_callbacks(execute=True):
            subscribe(client, morocco, "reader@example.org")
        [confirmation] = mail.outbox
        [confirm_path] = re.findall(
            r"https://gfmd\.example\.org(/subscriptions/confirm/\S+/)", confirmation.body
        )
        assert client.post(confirm_path).status_code == 200
        renewed = Subscription.objects.active().get()

        assert Client(enforce_csrf_checks=True).post(old_link).status_code == 200
        renewed.refresh_from_db()
        assert renewed.status == Status.ACTIVE
        first.refresh_from_db()
        assert first.status == Status.UNSUBSCRIBED

        # The manage page lists Morocco once, as followed.
        manage = client.get(link_path(renewed, Purpose.MANAGE))
        assert [s.pk for s in manage.context["form"].subscriptions] == [renewed.pk]
        assert list(manage.context["unsubscribed"]) == []


class TestManage:
    @pytest.fixture
    def reader(self, morocco):
        other = CountryFactory(name="Mexico", slug="mexico")
        return {
            "morocco": SubscriptionFactory(country=morocco, email="reader@example.org"),
            "mexico": SubscriptionFactory(
                country=other, email="reader@example.org", frequency=Frequency.WEEKLY
            ),
            "stranger": SubscriptionFactory(country=morocco, email="stranger@example.org"),
        }

    def test_lists_every_subscription_of_the_address_and_nobody_else(self, client, reader):
        response = client.get(link_path(reader["morocco"], Purpose.MANAGE))
        assert response.status_code == 200
        listed = {s.email + "/" + s.country.slug for s in response.context["form"].subscriptions}
        assert listed == {"reader@example.org/morocco", "reader@example.org/mexico"}
        assert b"stranger@example.org" not in response.content

    def test_get_changes_nothing(self, client, reader):
        client.get(link_path(reader["morocco"], Purpose.MANAGE) + "?unsubscribe_all=1")
        assert set(Subscription.objects.values_list("status", flat=True)) == {Status.ACTIVE}

    def test_change_frequency(self, client, reader):
        path = link_path(reader["morocco"], Purpose.MANAGE)
        data = {
            f"frequency-{reader['morocco'].pk}": "weekly",
            f"frequency-{reader['mexico'].pk}": "immediate",
            "save": "",
        }
        response = client.post(path, data)
        assert response.status_code == 302
        reader["morocco"].refresh_from_db()
        reader["mexico"].refresh_from_db()
        assert (reader["morocco"].frequency, reader["mexico"].frequency) == ("weekly", "immediate")
        assert reader["stranger"].frequency == Frequency.IMMEDIATE

    def test_invalid_frequency_is_refused(self, client, reader):
        path = link_path(reader["morocco"], Purpose.MANAGE)
        response = client.post(path, {f"frequency-{reader['morocco'].pk}": "hourly", "save": ""})
        assert response.status_code == 400
        reader["morocco"].refresh_from_db()
        assert reader["morocco"].frequency == Frequency.IMMEDIATE

    def test_unsubscribe_from_one(self, client, reader):
        path = link_path(reader["morocco"], Purpose.MANAGE)
        client.post(path, {"unsubscribe": str(reader["mexico"].pk)})
        reader["mexico"].refresh_from_db()
        reader["morocco"].refresh_from_db()
        assert (reader["mexico"].status, reader["morocco"].status) == (
            Status.UNSUBSCRIBED,
            Status.ACTIVE,
        )

    def test_cannot_unsubscribe_someone_else(self, client, reader):
        path = link_path(reader["morocco"], Purpose.MANAGE)
        client.post(path, {"unsubscribe": str(reader["stranger"].pk)})
        reader["stranger"].refresh_from_db()
        assert reader["stranger"].status == Status.ACTIVE

    def test_unsubscribe_from_all(self, client, reader):
        path = link_path(reader["morocco"], Purpose.MANAGE)
        response = client.post(path, {"unsubscribe_all": ""}, follow=True)
        assert b"Unsubscribed from" in response.content
        assert set(
            Subscription.objects.for_email("reader@example.org").values_list("status", flat=True)
        ) == {Status.UNSUBSCRIBED}
        reader["stranger"].refresh_from_db()
        assert reader["stranger"].status == Status.ACTIVE
        # The page still opens and offers to subscribe again.
        assert b"Subscribe again" in client.get(path).content


class TestCountryPageAndFeed:
    def test_country_page_links_to_subscribe_and_feed(self, client, morocco):
        content = client.get(morocco.get_absolute_url()).content.decode()
        assert 'href="/countries/morocco/subscribe/"' in content
        assert "Subscribe to Morocco" in content
        assert (
            '<link rel="alternate" type="application/atom+xml" title="Updates to Morocco" '
            'href="/countries/morocco/feed/">' in content
        )

    def test_feed_lists_the_country_updates_newest_first(self, client, morocco):
        country_update_record(
            country=morocco,
            summary='2018: added Co-Chair in RT 2.1 "Jobs"\n2019: removed Team Member',
            source=CountryUpdate.Source.ADMIN,
        )
        CountryUpdateFactory(country=morocco, summary='Practices: added <b>"Bridges"</b>')
        CountryUpdateFactory(summary="Another country's change")
        response = client.get(reverse("subscriptions:country_feed", kwargs={"slug": "morocco"}))
        assert response["Content-Type"].startswith("application/atom+xml")
        feed = ET.fromstring(response.content)
        assert feed.findtext(f"{ATOM}title") == "GFMD: updates to Morocco"
        entries = feed.findall(f"{ATOM}entry")
        assert [e.findtext(f"{ATOM}title") for e in entries] == [
            'Practices: added <b>"Bridges"</b>',
            '2018: added Co-Chair in RT 2.1 "Jobs"',
        ]
        ids = [e.findtext(f"{ATOM}id") for e in entries]
        assert len(set(ids)) == 2
        assert all(i.startswith("https://gfmd.example.org/countries/morocco/#update-") for i in ids)
        summary = entries[1].findtext(f"{ATOM}summary")
        assert "2019: removed Team Member" in summary
        assert "&lt;b&gt;" in entries[0].findtext(f"{ATOM}summary")  # escaped, not markup
        assert entries[0].find(f"{ATOM}link").get("href").endswith("/countries/morocco/")

    def test_feed_of_unknown_country_is_404(self, client, db):
        assert client.get("/countries/atlantis/feed/").status_code == 404

    def test_the_feed_links_to_its_human_page(self, client, morocco):
        response = client.get(reverse("subscriptions:country_feed", kwargs={"slug": "morocco"}))
        feed = ET.fromstring(response.content)
        [alternate] = [
            link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "alternate"
        ]
        assert alternate.get("href").endswith("/countries/morocco/updates/")
        assert feed.findtext(f"{ATOM}id") == "http://testserver/countries/morocco/"  # as before

    def test_the_updates_page_lists_them_all_and_says_how_to_follow(self, client, morocco):
        for n in range(25):
            CountryUpdateFactory(country=morocco, summary=f"Change {n}\nsecond line of {n}")
        CountryUpdateFactory(summary="Another country's change")
        path = reverse("subscriptions:country_updates", kwargs={"slug": "morocco"})
        html = client.get(path).content.decode()
        assert re.findall(r"<li>Change (\d+)</li>", html) == [str(n) for n in range(24, 4, -1)]
        assert "<li>second line of 24</li>" in html
        assert "Another country" not in html
        assert 'id="update-' in html
        assert "http://testserver/countries/morocco/feed/</code>" in html
        assert 'href="/countries/morocco/subscribe/"' in html
        second = client.get(path, {"page": "2"}).content.decode()
        assert re.findall(r"<li>Change (\d+)</li>", second) == ["4", "3", "2", "1", "0"]
        # Linked from the country page.
        country_page = client.get(morocco.get_absolute_url()).content.decode()
        assert f'href="{path}"' in country_page

    def test_updates_page_of_unknown_country_is_404(self, client, db):
        assert client.get("/countries/atlantis/updates/").status_code == 404


def test_sent_deliveries_are_not_affected_by_a_later_unsubscribe(client, morocco):
    subscription = SubscriptionFactory(country=morocco)
    update = country_update_record(
        country=morocco, summary="2018: added", source=CountryUpdate.Source.ADMIN
    )
    sending.deliveries_send(update=update)
    Client(enforce_csrf_checks=True).post(link_path(subscription, Purpose.UNSUBSCRIBE))
    assert Delivery.objects.get().status == Delivery.Status.SENT
    assert len(mail.outbox) == 1
