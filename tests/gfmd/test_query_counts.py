"""The public pages run as many queries with ten times the data (issue 14): the forum-year
page, the practice list (with and without a search) and the home page. The country page's
own test is in tests/countries/test_views.py."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from countries.models import ForumYear
from practices.models import Theme
from tests.factories import (
    AttendanceFactory,
    CountryFactory,
    CountryUpdateFactory,
    ForumYearFactory,
    PracticeFactory,
    RoundtableFactory,
    RoundtableRoleFactory,
    ThematicMeetingFactory,
    ThematicMeetingParticipationFactory,
)

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/forum/2018/",
    "/practices/",
    "/practices/?q=migrants&theme=remittances&sort=newest",
    "/countries/",
]


def add_countries(count: int, forum_year: ForumYear) -> None:
    """`count` countries, each taking part in the year (attendance, a roundtable role, a
    thematic meeting), with a practice and an update."""
    roundtable = RoundtableFactory(forum_year=forum_year)
    meeting = ThematicMeetingFactory(forum_year=forum_year)
    remittances = Theme.objects.get(slug="remittances")
    for _ in range(count):
        country = CountryFactory()
        forum_year.chairs.add(country)
        AttendanceFactory(country=country, forum_year=forum_year)
        RoundtableRoleFactory(country=country, roundtable=roundtable, forum_year=forum_year)
        ThematicMeetingParticipationFactory(country=country, meeting=meeting)
        PracticeFactory(
            title=f"Support for migrants in {country.name}",
            countries=[country],
            themes=[remittances],
        )
        CountryUpdateFactory(country=country)


def queries_of(client, url: str) -> list[str]:
    cache.clear()  # rendered afresh, whatever is cached
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return [query["sql"] for query in queries]


def test_public_pages_run_as_many_queries_with_ten_times_the_data(client):
    forum_year = ForumYearFactory(label="2018", sort_year=2018)
    add_countries(3, forum_year)
    few = {url: queries_of(client, url) for url in PAGES}

    add_countries(27, forum_year)
    many = {url: queries_of(client, url) for url in PAGES}

    assert {url: len(sql) for url, sql in many.items()} == {
        url: len(sql) for url, sql in few.items()
    }
    # Every country listed: in the roundtable, the meeting and the map's list.
    forum_year_page = client.get("/forum/2018/").content.decode()
    assert forum_year_page.count('<li><a href="/countries/country-') == 3 * 30
    assert "30 practices" in client.get("/practices/").content.decode()
