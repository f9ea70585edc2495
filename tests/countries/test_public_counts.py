"""The counts and maps on the public pages, on a small known data set: participation comes
from attendance records alone, and while not every country's record is entered the pages
say for how many it is."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from countries.models import Country, records_coverage
from tests.factories import (
    AttendanceFactory,
    ContributionFactory,
    CountryFactory,
    ForumYearFactory,
    RoundtableRoleFactory,
)

pytestmark = pytest.mark.django_db

COVERAGE = (
    "Records entered for 4 of 6 countries so far: "
    "a country without records may still have taken part."
)


@pytest.fixture
def known(morocco) -> dict[str, Country]:
    """Six countries. Morocco attended a meeting in 2017 and the summit in 2018; France and
    Germany chaired 2018 (France without any record, Germany with a roundtable role but no
    attendance); Chile gave a contribution; Belgium's 2018 attendance is recorded with no
    flag set; Peru has no record at all."""
    country = {
        "Morocco": morocco,
        **{
            name: CountryFactory(name=name, slug=name.lower(), iso3=iso3, region=region)
            for name, iso3, region in [
                ("France", "FRA", "Europe"),
                ("Germany", "DEU", "Europe"),
                ("Belgium", "BEL", "Europe"),
                ("Chile", "CHL", "Americas"),
                ("Peru", "PER", "Americas"),
            ]
        },
    }
    year_2017 = ForumYearFactory(label="2017", sort_year=2017, summit_city="Berlin")
    year_2018 = ForumYearFactory(label="2018", sort_year=2018, summit_city="Marrakesh")
    ForumYearFactory(label="2019", sort_year=2019, summit_city="Quito")
    year_2018.chairs.add(country["France"], country["Germany"])
    AttendanceFactory(
        country=morocco, forum_year=year_2017, attended_meeting=True, attended_summit=False
    )
    AttendanceFactory(country=morocco, forum_year=year_2018, attended_summit=True)
    AttendanceFactory(country=country["Belgium"], forum_year=year_2018, attended_summit=False)
    RoundtableRoleFactory(
        country=country["Germany"], roundtable__forum_year=year_2018, forum_year=year_2018
    )
    ContributionFactory(country=country["Chile"], forum_year=year_2017)
    return country


def text_of(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_participating_and_entered_countries(known):
    assert list(Country.objects.participating().values_list("name", flat=True)) == ["Morocco"]
    entered = Country.objects.with_records().values_list("name", flat=True)
    assert list(entered) == ["Belgium", "Chile", "Germany", "Morocco"]


def test_the_coverage_counts_what_with_records_selects(known):
    """The note's one-statement count and the ORM's filter share one list of records."""
    assert records_coverage() == {
        "entered": Country.objects.with_records().count(),
        "total": Country.objects.count(),
    }
    assert records_coverage()["entered"] == 4


def test_home_page_counts_attendance_only_and_says_how_much_is_entered(client, known):
    response = client.get("/")
    text = text_of(response)
    assert "1 country has taken part" in text
    assert COVERAGE in text
    html = response.content.decode()
    assert re.findall(r'class="c[1-4]"[^>]*><title>([^<]+)</title>', html) == [
        "Morocco: 2 forum years"
    ]


def test_forum_year_chart_and_table_count_attendance_only(client, known):
    response = client.get(reverse("countries:forum_years"))
    years = response.context["forum_years"]
    assert [(y.label, y.participating_countries) for y in years] == [
        ("2017", 1),
        ("2018", 1),  # Morocco; not the chairs France and Germany, nor Belgium's empty row
        ("2019", 0),
    ]
    html = response.content.decode()
    assert re.findall(r"<rect [^>]*><title>([^<]+)</title>", html) == [
        "2017: 1",
        "2018: 1",
        "2019: 0",
    ]
    assert COVERAGE in text_of(response)


def test_forum_year_page_maps_the_countries_recorded_as_taking_part(client, known):
    response = client.get(reverse("countries:forum_year", kwargs={"label": "2018"}))
    assert [c.name for c in response.context["attending_countries"]] == ["Morocco"]
    text = text_of(response)
    assert "1 country recorded" in text
    assert COVERAGE in text


def test_country_list_says_how_much_is_entered_and_offers_each_region_once(client, known):
    response = client.get(reverse("countries:list"))
    html = response.content.decode()
    assert COVERAGE in text_of(response)
    region = re.search(r'<select name="region"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r"<option[^>]*>([^<]*)</option>", region) == [
        "any",
        "Africa",
        "Americas",
        "Europe",
    ]
    took_part = re.search(r'<select name="participating"[^>]*>(.*?)</select>', html, re.S)
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', took_part[1])
    assert options == [
        ("", " selected", "any"),
        ("true", "", "yes"),
        ("false", "", "no attendance recorded"),
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("participating=true", ["Morocco"]),
        ("participating=false", ["Belgium", "Chile", "France", "Germany", "Peru"]),
        ("participating=", ["Belgium", "Chile", "France", "Germany", "Morocco", "Peru"]),
    ],
)
def test_took_part_filter_follows_attendance(client, known, query, expected):
    response = client.get(f"{reverse('countries:list')}?{query}")
    assert [country.name for country in response.context["object_list"]] == expected


@pytest.mark.parametrize("name", ["Peru", "France"])
def test_a_country_without_records_says_its_record_is_not_entered_yet(client, known, name):
    text = text_of(client.get(known[name].get_absolute_url()))
    assert f"The GFMD record of {name} has not been entered yet." in text
    assert f"This does not mean that {name} did not take part." in text
    assert 'class="forum-year"' not in client.get(known[name].get_absolute_url()).content.decode()


def test_a_country_with_records_does_not_say_so(client, known):
    assert "not been entered" not in text_of(client.get(known["Morocco"].get_absolute_url()))


def test_no_coverage_note_once_every_country_has_records(client, known):
    Country.objects.exclude(name__in=["Belgium", "Chile", "Germany", "Morocco"]).delete()
    for url in ["/", reverse("countries:forum_years"), reverse("countries:list")]:
        assert "Records entered" not in client.get(url).content.decode()
