"""A reader follows a country by email, and a practitioner submits a practice, in a browser.

The live server runs in this process, so the emails it sends land in `mail.outbox`.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.core import mail

from countries.services import country_update_record
from practices.models import PracticeSubmission
from subscriptions.models import Subscription
from tests.factories import PracticeFactory, ThemeFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def link_path(text: str, fragment: str) -> str:
    """The path of the first link in an email body that contains `fragment`."""
    url = next(url for url in re.findall(r"https?://\S+", text) if fragment in url)
    return urlsplit(url).path


def test_subscribe_confirm_get_an_update_and_unsubscribe(page, morocco):
    page.goto("/countries/morocco/")
    page.get_by_role("link", name="Subscribe to Morocco").first.click()
    page.get_by_label("Email address").fill("reader@example.org")
    page.get_by_role("button", name="Subscribe").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Check your inbox"

    [confirmation] = mail.outbox
    assert confirmation.to == ["reader@example.org"]
    page.goto(link_path(confirmation.body, "/confirm/"))
    # Opening the link (as a mail scanner would) changes nothing; the button does.
    assert Subscription.objects.get().status == Subscription.Status.PENDING
    page.get_by_role("button", name="Confirm my subscription").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Subscription confirmed"
    assert Subscription.objects.get().status == Subscription.Status.ACTIVE

    country_update_record(country=morocco, summary="2018: added Co-Chair in RT 2.1", source="admin")
    notification = mail.outbox[-1]
    assert "Morocco" in notification.subject
    assert "2018: added Co-Chair in RT 2.1" in notification.body

    page.goto(link_path(notification.body, "/unsubscribe/"))
    page.get_by_role("button", name="Unsubscribe").click()
    assert page.get_by_role("heading", level=1).inner_text() == "You are unsubscribed"
    assert Subscription.objects.get().status == Subscription.Status.UNSUBSCRIBED


def test_submit_a_practice_and_get_an_acknowledgement(page, morocco):
    ThemeFactory(name="Diaspora engagement", slug="diaspora-engagement")
    page.goto("/practices/")
    page.get_by_role("link", name="Submit a practice").click()
    page.get_by_label("Title").fill("Diaspora investment desk")
    page.get_by_label("Description").fill("A one-stop desk.\n\nIt advises investors.")
    page.get_by_label("Diaspora engagement").check()
    page.get_by_label("Find countries").fill("moro")  # the list shows the chosen and the found
    page.get_by_label("Morocco").check()
    page.get_by_label("Your name").fill("Amina")
    page.get_by_label("Your email").fill("amina@example.org")
    page.get_by_role("button", name="Send for review").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Thank you for your submission"
    practice = PracticeSubmission.objects.get()
    assert practice.status == PracticeSubmission.Status.PENDING
    assert list(practice.countries.all()) == [morocco]
    assert practice.description == "<p>A one-stop desk.</p>\n\n<p>It advises investors.</p>"
    assert "amina@example.org" in [address for message in mail.outbox for address in message.to]
    # Not public before a moderator publishes it.
    page.goto("/practices/?q=Diaspora")
    assert "Diaspora investment desk" not in page.content()


def test_a_moderator_publishes_then_rejects_from_the_practice_page(page, morocco):
    moderator = UserFactory(username="moderator", is_staff=True)
    moderator.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_practicesubmission", "moderate_practicesubmission"]
        )
    )
    practice = PracticeFactory(title="Diaspora bonds", status="pending", published_on=None)
    page.goto(f"/admin/practices/practicesubmission/{practice.pk}/change/")
    page.get_by_label("Username").fill("moderator")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("button", name="Publish").click()

    assert page.locator(".messagelist").inner_text() == "Published 1 practice."
    practice.refresh_from_db()
    assert practice.status == PracticeSubmission.Status.PUBLISHED
    page.goto(f"/admin/practices/practicesubmission/{practice.pk}/change/")
    assert page.get_by_role("button", name="Publish").count() == 0
    page.get_by_role("button", name="Reject…").click()
    page.get_by_label("Reason for rejection").fill("Out of date.")
    page.get_by_role("button", name="Reject", exact=True).click()
    assert page.locator(".messagelist").inner_text() == "Rejected 1 practice."
    practice.refresh_from_db()
    assert (practice.status, practice.rejection_reason) == ("rejected", "Out of date.")
