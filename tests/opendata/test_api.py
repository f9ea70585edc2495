"""The JSON API: what it answers, the practice filters of /practices/, constant query
counts, ETag and 304, throttling, CORS."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from countries.models import RoundtableRole
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_country_answers_with_its_whole_profile(client, dataset):
    response = client.get("/api/countries/MAR/")

    assert response.status_code == 200
    country = response.json()
    assert country["name"] == "Morocco"
    assert country["page_url"] == "http://testserver/countries/morocco/"
    assert country["chaired_forum_years"] == ["2011"]
    assert country["attendance"] == [
        {
            "forum_year": "2011",
            "attended_meeting": True,
            "attended_prep_meetings": False,
            "attended_summit": True,
            "contribution_recorded": True,
        }
    ]
    assert country["roundtable_roles"] == [
        {
            "forum_year": "2011",
            "role": "co_chair",
            "roundtable": "1.2",
            "roundtable_title": "=Labour mobility",
            "session": "",
            "line": 'Co-Chair in RT 1.2 "=Labour mobility"',
        }
    ]
    assert country["thematic_meetings"] == [
        {
            "forum_year": "2011",
            "title": "Skills",
            "kind": "thematic_meeting",
            "start_date": "2011-06-14",
            "end_date": "2011-06-15",
            "city": "Rabat",
            "host_country": "MAR",
            "role": "co_chair",
        }
    ]
    assert country["contributions"] == [
        {
            "forum_year": "2011",
            "amount": "50000.00",
            "currency": "USD",
            "earmarked": "no",
            "note": "",
            "line": "USD 50,000 non-earmarked",
        }
    ]
    assert country["practices"] == ["circular-migration"]
    # Tunisia's only practice is pending: not listed.
    assert client.get("/api/countries/TUN/").json()["practices"] == []
    assert client.get("/api/countries/ZZZ/").status_code == 404


def test_a_forum_year_answers_with_roundtables_meetings_and_participants(client, dataset):
    year = client.get("/api/forum-years/2011/").json()

    assert year["chairs"] == ["MAR"]
    assert year["roundtables"] == [{"number": "1.2", "title": "=Labour mobility"}]
    assert {
        (role["country"], role["role"], role["roundtable"]) for role in year["roundtable_roles"]
    } == {
        ("MAR", "co_chair", "1.2"),
        ("TUN", "coordinator", None),
    }
    [meeting] = year["thematic_meetings"]
    assert meeting["host_country"] == "MAR"
    assert meeting["participants"] == [{"country": "MAR", "role": "co_chair"}]
    assert [row["country"] for row in year["participants"]] == ["MAR"]
    assert client.get("/api/forum-years/2099/").status_code == 404


def test_lists_are_paginated(client, dataset):
    for n in range(3):
        factories.CountryFactory(name=f"Zland {n}")

    first = client.get("/api/countries/?per_page=2").json()
    last = client.get("/api/countries/?per_page=2&page=3").json()

    assert first["count"] == 5
    assert [country["iso3"] for country in first["results"]] == ["MAR", "TUN"]
    assert first["next"] == "http://testserver/api/countries/?page=2&per_page=2"
    assert len(last["results"]) == 1 and last["next"] is None
    assert client.get("/api/countries/?page=9").status_code == 404


def test_practices_are_published_only(client, dataset):
    slugs = [p["slug"] for p in client.get("/api/practices/").json()["results"]]

    assert slugs == ["circular-migration"]
    assert client.get("/api/practices/secret-draft/").status_code == 404
    practice = client.get("/api/practices/circular-migration/").json()
    assert "submitter_email" not in practice
    assert practice["partners"] == ["IOM", "ILO"]
    assert practice["countries"] == ["MAR"] and practice["themes"] == ["labour-migration"]


@pytest.fixture
def practices(dataset):
    """Practices that the filters tell apart."""
    morocco, tunisia = dataset["MAR"], dataset["TUN"]
    asia = factories.CountryFactory(name="Philippines", iso3="PHL", region="Asia")
    skills = factories.ThemeFactory(name="Skills", slug="skills")
    factories.PracticeFactory(
        title="Skills partnership",
        countries=[tunisia],
        themes=[skills],
        forum_year=dataset["2012"],
        submitted_on=datetime.date(2018, 1, 1),
    )
    factories.PracticeFactory(
        title="Remittances app",
        countries=[asia],
        submitted_on=datetime.date(2022, 3, 1),
        published_on=datetime.date(2022, 4, 1),
    )
    factories.PracticeFactory(
        title="Return and skills",
        countries=[morocco, asia],
        themes=[skills],
        submitted_on=datetime.date(2015, 1, 1),
        published_on=datetime.date(2015, 2, 1),
    )


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=skills",
        "country=MAR",
        "country=MAR&country=PHL",
        "region=Asia",
        "theme=skills",
        "forum_year=2012",
        "submitted_from=2016&submitted_to=2020",
        "sort=title",
        "q=skills&sort=relevance",
        "theme=skills&country=PHL",
    ],
)
def test_practice_filters_give_what_the_practices_page_gives(client, practices, query):
    page = client.get(f"/practices/?{query}&per_page=100")
    api = client.get(f"/api/practices/?{query}&per_page=100")

    assert api.status_code == 200
    expected = [practice.slug for practice in page.context["practices"]]
    assert [practice["slug"] for practice in api.json()["results"]] == expected


def test_an_invalid_filter_value_answers_400_with_the_reason(client, practices):
    response = client.get("/api/practices/?country=ZZZ&submitted_from=1200")

    assert response.status_code == 400
    assert set(response.json()) == {"country", "submitted_from"}


def test_country_updates_filter_by_country_and_date(client, dataset):
    factories.CountryUpdateFactory(country=dataset["TUN"], summary="2012: added Attended Summit")

    tunisia = client.get("/api/country-updates/?country=TUN").json()
    future = client.get("/api/country-updates/?since=2100-01-01T00:00:00Z").json()

    assert [update["summary"] for update in tunisia["results"]] == ["2012: added Attended Summit"]
    assert future["count"] == 0


@pytest.mark.parametrize(
    ("since", "found"),
    [
        ("1850-11-06T22:10:18.89529-18:10", 1),  # found by schemathesis: a 500 on PostgreSQL
        ("0001-01-01T00:00:00+18:00", 1),  # before year 1 in UTC
        ("9999-12-31T23:00:00-18:00", 0),  # after year 9999 in UTC
    ],
)
def test_country_updates_since_takes_any_iso_offset(client, dataset, since, found):
    """ISO 8601 allows offsets PostgreSQL refuses (beyond 15:59): compared in UTC."""
    factories.CountryUpdateFactory(country=dataset["TUN"], summary="2012: added Attended Summit")

    response = client.get("/api/country-updates/", {"since": since, "country": "TUN"})

    assert response.status_code == 200
    assert response.json()["count"] == found


def _more_records(dataset, n: int) -> None:
    """n more of everything a list or detail answer shows."""
    morocco = dataset["MAR"]
    for _ in range(n):
        country = factories.CountryFactory()
        year = factories.ForumYearFactory()
        year.chairs.set([country, morocco])
        factories.AttendanceFactory(country=morocco, forum_year=year)
        factories.RoundtableRoleFactory(
            country=morocco, roundtable__forum_year=year, role=RoundtableRole.Role.TEAM_MEMBER
        )
        factories.ThematicMeetingParticipationFactory(country=morocco, meeting__forum_year=year)
        factories.ContributionFactory(country=morocco, forum_year=year)
        theme = factories.ThemeFactory()
        factories.PracticeFactory(countries=[country, morocco], themes=[theme], forum_year=year)
        factories.CountryUpdateFactory(country=country)


LIST_AND_DETAIL = [
    "/api/countries/",
    "/api/countries/MAR/",
    "/api/forum-years/",
    "/api/forum-years/2011/",
    "/api/practices/",
    "/api/practices/circular-migration/",
    "/api/country-updates/",
]


@pytest.mark.parametrize("path", LIST_AND_DETAIL)
def test_query_counts_do_not_grow_with_the_records(client, dataset, path):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    few = queries()
    _more_records(dataset, 6)
    assert queries() == few


def test_a_conditional_request_gets_304_while_the_answer_is_the_same(client, dataset):
    first = client.get("/api/countries/MAR/")
    etag = first["ETag"]

    again = client.get("/api/countries/MAR/", HTTP_IF_NONE_MATCH=etag)

    assert etag.startswith('"') and len(etag) > 10
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Access-Control-Allow-Origin"] == "*"
    dataset["MAR"].official_name = "Royaume du Maroc"
    dataset["MAR"].save()
    changed = client.get("/api/countries/MAR/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed.json()["official_name"] == "Royaume du Maroc"


@override_settings(API_THROTTLE_RATE="3/minute")
def test_anonymous_clients_are_throttled_with_retry_after(client, dataset):
    statuses = [client.get("/api/countries/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/forum-years/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"].lower()
    # Another address has its own allowance.
    assert client.get("/api/countries/", REMOTE_ADDR="192.0.2.7").status_code == 200


@override_settings(API_THROTTLE_RATE="2/minute", CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR")
def test_behind_the_proxy_the_throttle_counts_by_the_address_the_proxy_saw(client, dataset):
    def get(forwarded: str) -> int:
        return client.get("/api/countries/", HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert [get("198.51.100.1"), get("203.0.113.9, 198.51.100.1")] == [200, 200]
    assert get("198.51.100.1") == 429
    assert get("198.51.100.2") == 200


def test_cors_is_open_for_reading_without_credentials(client, dataset):
    response = client.get("/api/practices/", HTTP_ORIGIN="https://researcher.example")

    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/practices/",
        HTTP_ORIGIN="https://researcher.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in preflight["Access-Control-Allow-Headers"]
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    # Nowhere else: the site's pages keep the browser's same-origin rule.
    assert "Access-Control-Allow-Origin" not in client.get("/countries/morocco/")


def test_the_api_writes_nothing(client, dataset):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/api/countries/MAR/", content_type="application/json")
        assert response.status_code == 405


def test_an_unknown_api_address_answers_json_404(client):
    response = client.get("/api/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_nul_in_a_parameter_answers_400_as_the_document_says(client):
    response = client.get("/api/practices/?q=%00")

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    document = client.get("/api/schema/?format=json").json()
    assert (
        "text/plain" in document["paths"]["/api/practices/"]["get"]["responses"]["400"]["content"]
    )
