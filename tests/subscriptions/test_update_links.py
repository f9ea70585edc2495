"""Each country update links to the section of the country page it changed: on the country
page, the updates page, the Atom feed and the emails (immediate and weekly)."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from countries.models import CountryUpdate
from subscriptions import sending
from subscriptions.models import Subscription
from tests.admin_forms import add_inline_row, form_data
from tests.factories import (
    AttendanceFactory,
    CountryUpdateFactory,
    ForumYearFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITE = "https://gfmd.example.org"


@pytest.fixture
def years(morocco):
    """Morocco on record in 2008, 2012 and 2018: a link to the page's top or to another year
    would not pass for a link to 2012."""
    years = {}
    for label in ["2008", "2012", "2018"]:
        years[label] = ForumYearFactory(label=label, sort_year=int(label))
        AttendanceFactory(country=morocco, forum_year=years[label])
    return years


@pytest.fixture
def readers(morocco):
    last_month = timezone.now() - datetime.timedelta(days=30)
    return {
        "immediate": SubscriptionFactory(country=morocco, email="now@example.org"),
        "weekly": SubscriptionFactory(
            country=morocco,
            email="weekly@example.org",
            frequency=Subscription.Frequency.WEEKLY,
            confirmed_at=last_month,
        ),
    }


def admin_save(editor_client, country, run_on_commit, change) -> CountryUpdate:
    url = reverse("admin:countries_country_change", args=[country.pk])
    data = form_data(editor_client.get(url), "country_form")
    change(data)
    with run_on_commit(execute=True):
        response = editor_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    return country.updates.get()


def add_a_2012_role(years):
    def change(data):
        add_inline_row(
            data,
            "roundtable_roles",
            forum_year=years["2012"].pk,
            role="coordinator",
            session="the RT on jobs",
        )

    return change


def rename_officially(data):
    data["official_name"] = ["Kingdom of Morocco (the)"]


def links_in(html: str, path: str) -> list[str]:
    return re.findall(rf'href="({re.escape(path)}[^"]*)"', html)


def page_ids(client: Client, country) -> set[str]:
    return set(
        re.findall(r'\sid="([^"]+)"', client.get(country.get_absolute_url()).content.decode())
    )


def digest_of_last_week(update: CountryUpdate) -> mail.EmailMessage:
    last_week = sending.digest_due_period(timezone.now())
    moment = timezone.make_aware(datetime.datetime.combine(last_week, datetime.time(9)))
    CountryUpdate.objects.filter(pk=update.pk).update(created_at=moment)
    mail.outbox.clear()
    assert sending.digests_send_due().sent == 1
    [digest] = mail.outbox
    return digest


@pytest.mark.parametrize(
    ("change", "anchor"),
    [(add_a_2012_role, "year-2012"), (lambda years: rename_officially, "facts")],
    ids=["a year", "the facts"],
)
def test_an_admin_save_links_everywhere_to_the_section_it_changed(
    editor_client, morocco, years, readers, django_capture_on_commit_callbacks, change, anchor
):
    update = admin_save(editor_client, morocco, django_capture_on_commit_callbacks, change(years))
    target = f"/countries/morocco/#{anchor}"
    reader = Client()

    # The anchor exists on the page.
    assert anchor in page_ids(reader, morocco)

    # The country page's recent updates.
    page = reader.get(morocco.get_absolute_url()).content.decode()
    recent = page.split('id="updates"', 1)[1].split("</section>", 1)[0]
    assert links_in(recent, "/countries/morocco/#") == [target]

    # The updates page.
    updates = reader.get(reverse("subscriptions:country_updates", kwargs={"slug": "morocco"}))
    html = updates.content.decode()
    article = html.split(f'id="update-{update.pk}"', 1)[1].split("</article>", 1)[0]
    assert links_in(article, "/countries/morocco/") == [target]

    # The feed's entry.
    feed = ET.fromstring(
        reader.get(reverse("subscriptions:country_feed", kwargs={"slug": "morocco"})).content
    )
    [entry] = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}link").get("href") == f"http://testserver{target}"

    # The immediate notification, text and HTML.
    [notification] = mail.outbox
    assert notification.to == ["now@example.org"]
    assert f"{SITE}{target}\n" in notification.body
    [(html_body, _)] = notification.alternatives
    assert f'href="{SITE}{target}"' in html_body

    # The weekly digest, per update.
    digest = digest_of_last_week(update)
    assert digest.to == ["weekly@example.org"]
    assert f"{SITE}{target}\n" in digest.body
    [(digest_html, _)] = digest.alternatives
    assert f'href="{SITE}{target}"' in digest_html


def test_an_update_recorded_before_sections_links_to_the_page_top(client, morocco, years):
    old = CountryUpdateFactory(country=morocco, summary="2012: added Attended Meeting")
    CountryUpdate.objects.filter(pk=old.pk).update(sections=[])  # as the migration left it
    old.refresh_from_db()
    assert old.get_absolute_url() == "/countries/morocco/"
    page = client.get(morocco.get_absolute_url()).content.decode()
    recent = page.split('id="updates"', 1)[1].split("</section>", 1)[0]
    assert "2012: added Attended Meeting" in recent
    assert "/countries/morocco/#" not in recent  # on the page itself: no link to its top
    updates = client.get(reverse("subscriptions:country_updates", kwargs={"slug": "morocco"}))
    article = updates.content.decode().split(f'id="update-{old.pk}"', 1)[1].split("</article>")[0]
    assert links_in(article, "/countries/morocco/") == ["/countries/morocco/"]
