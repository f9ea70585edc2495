"""Every public form sent back with errors: an error summary at the top that links to each
field in error, each error tied to its field (aria-describedby names ids that exist,
aria-invalid on the inputs). The shared templates: includes/_form_field.html,
_field_errors.html, _error_summary.html."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from subscriptions.tokens import Purpose, make_token
from tests.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db


class FormPage(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.described_by: list[tuple[str, str]] = []  # (element id or tag, target id)
        self.invalid: set[str] = set()
        self.summary_links: list[str] = []
        self.summary: dict[str, str | None] | None = None
        self._in_summary = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if element_id := attributes.get("id"):
            self.ids.add(element_id)
        for target in (attributes.get("aria-describedby") or "").split():
            self.described_by.append((attributes.get("id") or tag, target))
        if attributes.get("aria-invalid") == "true":
            self.invalid.add(attributes.get("name") or attributes.get("id") or tag)
        if "error-summary" in (attributes.get("class") or "").split():
            self.summary = attributes
            self._in_summary = True
        if self._in_summary and tag == "a":
            self.summary_links.append(attributes["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "div":
            self._in_summary = False


def checked(html: str) -> FormPage:
    page = FormPage(html)
    assert page.summary is not None, "no error summary"
    assert page.summary["tabindex"] == "-1" and "autofocus" in page.summary
    missing = [(source, target) for source, target in page.described_by if target not in page.ids]
    assert missing == []
    assert all(link.startswith("#") and link[1:] in page.ids for link in page.summary_links)
    return page


def test_practice_form(client, morocco):
    response = client.post(reverse("practices:submit"), {"title": "A title", "start_year": "x"})
    page = checked(response.content.decode())
    assert page.summary_links == [
        "#id_description",
        "#id_countries_0",  # the first country's checkbox (forms.js: the filter box)
        "#id_start_year",
        "#id_submitted_by_name",
        "#id_submitter_email",
    ]
    # The id that Django's aria-describedby names (it was id_description_errors before).
    assert ("id_description", "id_description_error") in page.described_by
    assert ("id_countries", "id_countries_error") in page.described_by
    assert {"description", "start_year", "countries", "submitter_email"} <= page.invalid
    assert "title" not in page.invalid
    assert "Countries: Choose at least one country" in response.content.decode()


def test_subscribe_form(client, morocco):
    response = client.post(
        reverse("subscriptions:subscribe", kwargs={"slug": "morocco"}),
        {"email": "not an address", "frequency": "immediate"},
    )
    page = checked(response.content.decode())
    assert page.summary_links == ["#id_email"]
    assert ("id_email", "id_email_error") in page.described_by
    assert page.invalid == {"email"}


def test_manage_page(client, morocco):
    subscription = SubscriptionFactory(country=morocco)
    path = reverse(
        "subscriptions:manage", kwargs={"token": make_token(subscription, Purpose.MANAGE)}
    )
    field = f"frequency-{subscription.pk}"
    response = client.post(path, {field: "hourly", "save": ""})
    page = checked(response.content.decode())
    assert page.summary_links == [f"#id_{field}_0"]
    assert (f"id_{field}", f"id_{field}_error") in page.described_by
    assert field in page.invalid


def test_practice_filters(client, morocco):
    response = client.get(reverse("practices:list"), {"submitted_from": "abc", "country": "XXX"})
    html = response.content.decode()
    page = checked(html)
    assert page.summary_links == ["#id_country", "#id_submitted_from"]
    assert ("id_submitted_from", "id_submitted_from_error") in page.described_by
    assert ("id_country", "id_country_error") in page.described_by
    assert "submitted_from" in page.invalid
    assert "could not be used and were ignored" in html


def test_country_filters(client, morocco):
    response = client.get(reverse("countries:list"), {"region": "Atlantis"})
    page = checked(response.content.decode())
    assert page.summary_links == ["#id_region"]
    assert ("id_region", "id_region_error") in page.described_by
    assert "region" in page.invalid


def test_no_summary_without_errors(client, morocco):
    for path in (
        reverse("countries:list"),
        reverse("practices:submit"),
        reverse("practices:list"),
        "/countries/morocco/subscribe/",
    ):
        page = FormPage(client.get(path).content.decode())
        assert page.summary is None and page.invalid == set()
        assert [t for _, t in page.described_by if t not in page.ids] == []
