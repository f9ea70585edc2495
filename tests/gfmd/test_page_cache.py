"""Whole public pages from the cache: hits, 304s, headers, gzip and what is never cached
(core/page_cache.py; README, Caching and HTTP)."""

from __future__ import annotations

import gzip

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from countries.views import CountryDetailView
from subscriptions.views import CountryUpdatesFeed
from tests.factories import CountryUpdateFactory, UserFactory

PAGE = "/countries/morocco/"


@pytest.fixture
def renders(monkeypatch):
    """How many times the country page's view built its page."""
    calls = []
    build = CountryDetailView.get_context_data

    def counted(self, **kwargs):
        calls.append(self.request.path)
        return build(self, **kwargs)

    monkeypatch.setattr(CountryDetailView, "get_context_data", counted)
    return calls


def test_an_anonymous_visit_is_answered_from_the_cache(client, morocco, renders):
    first = client.get(PAGE)
    second = client.get(PAGE)

    assert renders == [PAGE]
    assert second.status_code == 200
    assert second.content == first.content
    assert "Kingdom of Morocco" in second.content.decode()


def test_a_public_page_has_an_etag_and_must_be_revalidated(client, morocco):
    response = client.get(PAGE)

    assert response["ETag"].startswith('"')
    assert response["Cache-Control"] == "public, no-cache"
    assert {"Cookie", "Accept-Language", "Accept-Encoding"} <= {
        value.strip() for value in response["Vary"].split(",")
    }
    assert "Last-Modified" not in response  # a second's precision could hide a change


def test_a_conditional_get_answers_304_without_rendering(client, morocco, renders):
    etag = client.get(PAGE)["ETag"]

    again = client.get(PAGE, HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert renders == [PAGE]


def test_a_changed_page_answers_200_to_the_old_etag(client, morocco):
    etag = client.get(PAGE)["ETag"]
    morocco.official_name = "Kingdom of Morocco (the)"
    morocco.save()

    again = client.get(PAGE, HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 200
    assert "Kingdom of Morocco (the)" in again.content.decode()
    assert again["ETag"] != etag


def test_a_head_request_is_answered_from_the_cache_too(client, morocco, renders):
    client.get(PAGE)

    head = client.head(PAGE)

    assert head.status_code == 200
    assert renders == [PAGE]


def test_each_query_string_and_language_is_a_page_of_its_own(client, morocco):
    english = client.get("/countries/")
    searched = client.get("/countries/?q=zzz")
    french = client.get("/fr/countries/")
    # The English page is cached now; a French first visit still goes to the French page.
    first_visit = client.get("/countries/", HTTP_ACCEPT_LANGUAGE="fr")

    assert first_visit.status_code == 302
    assert first_visit["Location"] == "/fr/countries/"
    assert "Morocco" in english.content.decode()
    assert "Morocco" not in searched.content.decode()
    assert french["Content-Language"] == "fr"
    assert english["Content-Language"] == "en"
    assert french.content != english.content


def test_html_is_gzipped_for_a_client_that_accepts_it(client, morocco):
    plain = client.get(PAGE)
    zipped = client.get(PAGE, HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert zipped["ETag"] == "W/" + plain["ETag"]
    # Either copy revalidates the other (a weak comparison).
    assert client.get(PAGE, HTTP_IF_NONE_MATCH=zipped["ETag"]).status_code == 304


def test_a_page_with_a_csrf_token_is_neither_cached_nor_gzipped(client, morocco):
    subscribe = reverse("subscriptions:subscribe", kwargs={"slug": "morocco"})
    first = client.get(subscribe, HTTP_ACCEPT_ENCODING="gzip")
    second = client.get(subscribe, HTTP_ACCEPT_ENCODING="gzip")

    assert "csrfmiddlewaretoken" in second.content.decode()
    assert "Content-Encoding" not in first
    assert "Content-Encoding" not in second
    assert "ETag" not in second
    assert "private" in second["Cache-Control"]


def test_a_logged_in_visitor_gets_a_fresh_private_page(client, morocco, renders):
    Client().get(PAGE)  # cached for anonymous visitors
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get(PAGE, HTTP_ACCEPT_ENCODING="gzip")

    assert renders == [PAGE, PAGE]
    assert "private" in response["Cache-Control"]
    assert "ETag" not in response
    assert "Content-Encoding" not in response


def test_a_page_showing_a_message_is_not_cached(client, morocco, renders):
    client.cookies["messages"] = "anything"

    client.get(PAGE)
    response = client.get(PAGE)

    assert renders == [PAGE, PAGE]
    assert "private" in response["Cache-Control"]


def test_the_admin_and_the_api_are_not_cached(client, morocco):
    assert "ETag" not in client.get("/admin/login/")
    api = client.get("/api/countries/")
    assert api.get("Cache-Control") != "public, no-cache"


def test_the_atom_feed_goes_out_in_one_piece(client, morocco):
    for number in range(20):
        CountryUpdateFactory(country=morocco, summary=f"Update {number}")
    url = reverse("subscriptions:country_feed", kwargs={"slug": "morocco"})
    written = CountryUpdatesFeed()(RequestFactory().get(url), slug="morocco")
    assert len(written._container) > 100  # the feed writer's many small writes

    response = client.get(url)

    assert response._container == [written.content]
    assert "Update 19" in response.content.decode()
