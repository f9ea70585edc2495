"""Bad input answers 4xx on every page: a fuzz over every URL pattern of the site (public and
admin, as a superuser) and every query parameter a page links to or reads.

Run it on PostgreSQL too: a NUL in a lookup is a PostgreSQL error (SQLite accepts it)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.urls import NoReverseMatch

from tests.site_walk import Route, build_site, routes, url, valid_kwargs

pytestmark = pytest.mark.django_db

BAD_VALUES = [
    "\x00",
    "2013-2014\x00",
    "99999999999",  # a bigint, but no year
    "-99999999999999999999999",  # no integer a database holds
    "9999",  # the last year: a range to the next one overflows
    "2020-13-45",
    "not a value",
]
# Read by many pages without a link naming them.
COMMON_PARAMS = ["page", "p", "q", "o", "_to_field", "_changelist_filters", "next", "term"]
COMMON_VALUES = ["\x00", "99999999999999999999999", "-1"]


class QueryParams(HTMLParser):
    """Names of the query parameters in a page's own links and GET forms."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self._get_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "a" and (href := attributes.get("href")) and "?" in href:
            self.names.update(name for name, _ in parse_qsl(urlsplit(href).query))
        elif tag == "form":
            self._get_form = (attributes.get("method") or "get").lower() == "get"
        elif tag in {"input", "select"} and self._get_form and attributes.get("name"):
            self.names.add(attributes["name"] or "")


def query_params(html: str) -> set[str]:
    parser = QueryParams()
    parser.feed(html)
    return parser.names


def fuzzed_paths(route: Route, valid: dict[str, str] | None):
    """The route with each parameter in turn replaced by each bad value."""
    for param in route.params:
        for value in BAD_VALUES:
            kwargs = {name: (valid or {}).get(name, value) for name in route.params}
            kwargs[param] = value
            try:
                yield url(route, kwargs)
            except NoReverseMatch:  # the converter refuses it: the URL resolves elsewhere
                continue


@pytest.mark.parametrize("route", list(routes()), ids=lambda route: route.name)
def test_bad_input_never_makes_a_server_error(route, client, staff):
    site = build_site()
    client.force_login(staff)
    client.raise_request_exception = False
    failures = []

    def get(path: str) -> None:
        response = client.get(path)
        if response.status_code >= 500:
            failures.append((path, response.status_code))

    valid = valid_kwargs(route, site)
    for path in fuzzed_paths(route, valid):
        get(path)
    if valid is not None:
        path = url(route, valid)
        response = client.get(path)
        assert response.status_code < 500
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            for name in sorted(query_params(response.content.decode())):
                for value in BAD_VALUES:
                    get(f"{path}?{urlencode({name: value})}")
            for name in COMMON_PARAMS:
                for value in COMMON_VALUES:
                    get(f"{path}?{urlencode({name: value})}")
    assert failures == []


@pytest.mark.parametrize(
    "path",
    [
        "/forum/%00/",
        "/forum/2013-2014%00/",
        "/countries/morocco%00/",
        "/practices/?q=%00",
        "/admin/practices/practicesubmission/?status=%00",
        "/admin/autocomplete/?term=%00&app_label=practices&model_name=practicesubmission"
        "&field_name=countries",
        "/admin/countries/countryupdate/?created_at__year=99999999999",
        "/admin/countries/countryupdate/?created_at__year=9999",
        "/admin/countries/countryupdate/?created_at__year=2020&created_at__month=13",
        "/admin/countries/country/?region=Africa&id__gt=abc",
    ],
)
def test_the_reported_bad_requests_answer_400(path, client, staff):
    build_site()
    client.force_login(staff)
    client.raise_request_exception = False
    assert client.get(path).status_code == 400


def test_a_nul_in_a_form_post_or_cookie_answers_400(client):
    client.raise_request_exception = False
    response = client.post(
        "/countries/morocco/subscribe/",
        urlencode({"email": "a\x00@example.org"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    client.cookies["sessionid"] = "abc\x00def"
    assert client.get("/").status_code == 400
