"""The maps and charts as the pages render them: one focusable image per map with no link
inside, participating countries filled, small states marked, names on hover, the linked
list beside each map; the country page's locator map and contribution chart; the forum
years' participation chart."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.urls import reverse

from countries.maps import SMALL_AREA, contribution_series, world_paths
from countries.models import Attendance, ForumYear
from countries.profile import country_profile
from tests.factories import (
    AttendanceFactory,
    ContributionFactory,
    CountryFactory,
    ForumYearFactory,
)

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def svgs(html: str, css_class: str) -> list[ET.Element]:
    return [
        ET.fromstring(match)
        for match in re.findall(rf'<svg class="{css_class}".*?</svg>', html, re.S)
    ]


def titled(svg: ET.Element, tag: str) -> dict[str, str]:
    """Title text -> class of each `tag` element (path, circle) of the map."""
    return {
        element.find(f"{SVG}title").text: element.get("class")
        for element in svg.iter(f"{SVG}{tag}")
        if element.find(f"{SVG}title") is not None
    }


def focusable(html: str) -> list[str]:
    """Elements a keyboard reaches: links, form controls and anything with tabindex >= 0."""
    return re.findall(
        r'<(?:a\s[^>]*href|button|input(?![^>]*type="hidden")|select|textarea|[a-z]+\s[^>]*tabindex="0")[^>]*>',
        html,
    )


@pytest.fixture
def world(morocco):
    """Morocco (an outline) attended 2012; Malta (an outline too small to see at 1:110m:
    none) attended too; France has an outline and no attendance; Tuvalu none of either."""
    year = ForumYearFactory(label="2012", sort_year=2012)
    malta = CountryFactory(name="Malta", slug="malta", iso3="MLT", latitude=35.83, longitude=14.58)
    france = CountryFactory(name="France", slug="france", iso3="FRA", latitude=46, longitude=2)
    tuvalu = CountryFactory(name="Tuvalu", slug="tuvalu", iso3="TUV", latitude=-8, longitude=178)
    AttendanceFactory(country=morocco, forum_year=year)
    AttendanceFactory(country=malta, forum_year=year)
    return {"year": year, "malta": malta, "france": france, "tuvalu": tuvalu}


def test_small_states_are_those_without_a_visible_outline():
    paths = world_paths()["countries"]
    assert "MLT" not in paths and "TUV" not in paths  # absent at 1:110m
    assert paths["MAR"]["area"] > SMALL_AREA and paths["FRA"]["area"] > SMALL_AREA


MAP_TITLES = {
    "home": "Countries that have taken part in the GFMD, by number of forum years attended",
    "forum_year": "Countries with attendance records this year",
}


@pytest.mark.parametrize("page", ["home", "forum_year"])
def test_a_world_map_is_one_image_one_tab_stop_without_links(client, world, page):
    url = "/" if page == "home" else reverse("countries:forum_year", kwargs={"label": "2012"})
    html = client.get(url).content.decode()
    (svg_html,) = re.findall(r'<svg class="world-map".*?</svg>', html, re.S)
    assert "<a" not in svg_html
    assert len(focusable(svg_html)) == 1  # the image itself
    (svg,) = svgs(html, "world-map")
    assert svg.get("role") == "img" and svg.get("tabindex") == "0"
    title = svg.find(f"{SVG}title")
    assert svg.get("aria-labelledby") == title.get("id")
    assert title.text == MAP_TITLES[page]
    # Every country has a name on hover: an outline or a marker with its title.
    names = {t.split(":")[0] for t in [*titled(svg, "path"), *titled(svg, "circle")]}
    assert {"Morocco", "Malta", "France", "Tuvalu"} <= names


def test_home_map_fills_participants_by_years_and_marks_small_states(client, world):
    html = client.get("/").content.decode()
    (svg,) = svgs(html, "world-map")
    paths, circles = titled(svg, "path"), titled(svg, "circle")
    assert paths["Morocco: 1 forum year"] == "c1"
    assert paths["France"] == "c0"
    # Malta has no outline: a marker, filled like its level and ringed to stand out.
    assert "Malta: 1 forum year" not in paths
    assert circles["Malta: 1 forum year"] == "c1 marked"
    assert circles["Tuvalu"] == "c0"
    assert "France" not in circles  # big enough to see: no marker
    # The list beside the map names and links the participants, the keyboard's way in.
    listed = re.search(r'<details class="map-countries".*?</details>', html, re.S)[0]
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', listed) == [
        ("/countries/malta/", "Malta"),
        ("/countries/morocco/", "Morocco"),
    ]
    assert "10 forum years or more" in html  # the legend


def test_home_map_levels_follow_the_number_of_years(client, morocco):
    for year in range(2007, 2012):
        AttendanceFactory(country=morocco, forum_year=ForumYearFactory(label=str(year)))
    (svg,) = svgs(client.get("/").content.decode(), "world-map")
    assert titled(svg, "path")["Morocco: 5 forum years"] == "c3"


def test_forum_year_map_fills_the_year_attendance_and_links_to_the_year(client, world):
    AttendanceFactory(country=world["france"], forum_year=ForumYearFactory(label="2013"))
    html = client.get(reverse("countries:forum_year", kwargs={"label": "2012"})).content.decode()
    (svg,) = svgs(html, "world-map")
    paths, circles = titled(svg, "path"), titled(svg, "circle")
    assert paths["Morocco: attended 2012"] == "c4"
    assert paths["France"] == "c0"  # took part another year only
    assert circles["Malta: attended 2012"] == "c4 marked"
    listed = re.search(r'<details class="map-countries" open>.*?</details>', html, re.S)[0]
    assert re.findall(r'<a href="([^"]+)">', listed) == [
        "/countries/malta/#year-2012",
        "/countries/morocco/#year-2012",
    ]


def test_locator_map_highlights_the_country_among_its_neighbours(client, world, morocco):
    html = client.get(morocco.get_absolute_url()).content.decode()
    (svg_html,) = re.findall(r'<svg class="locator-map".*?</svg>', html, re.S)
    assert "<a" not in svg_html and len(focusable(svg_html)) == 1
    (svg,) = svgs(html, "locator-map")
    assert svg.find(f"{SVG}title").text == "Morocco on the map"
    paths = titled(svg, "path")
    assert paths["Morocco"] == "here"
    assert paths["France"] == "c0"  # a neighbour, named by our data
    assert "Algeria" in paths  # not in the database: named by Natural Earth
    # Only the outlines near Morocco are sent: not Australia's.
    assert "Australia" not in paths
    assert len(svg_html) < 25_000
    assert "32 00 N, 5 00 W" in html  # the caption


def test_locator_map_of_a_small_state_marks_it(client, world):
    html = client.get(world["malta"].get_absolute_url()).content.decode()
    (svg,) = svgs(html, "locator-map")
    assert svg.find(f"{SVG}circle").get("class") == "here-marker"
    assert "Italy" in titled(svg, "path")


def test_contribution_chart_absent_without_contributions(client, world, morocco):
    html = client.get(morocco.get_absolute_url()).content.decode()
    assert 'class="bar-chart"' not in html and "Financial contributions by year" not in html


def test_contribution_chart_and_table_by_year_and_currency(client, morocco):
    y2016, y2018 = ForumYearFactory(label="2016"), ForumYearFactory(label="2018")
    ContributionFactory(country=morocco, forum_year=y2016, amount=Decimal("50000"))
    ContributionFactory(country=morocco, forum_year=y2018, amount=Decimal("48342"))
    ContributionFactory(country=morocco, forum_year=y2018, amount=Decimal("207622"))
    ContributionFactory(country=morocco, forum_year=y2018, amount=Decimal("1000"), currency="EUR")
    ContributionFactory(country=morocco, forum_year=y2018, amount=None, currency="", note="Kind")
    series = contribution_series(country_profile(morocco))
    assert [(s.currency, [(y.label, y.amount) for y in s.years]) for s in series] == [
        ("EUR", [("2018", 1000)]),
        ("USD", [("2016", 50000), ("2018", 255964)]),
    ]
    html = client.get(morocco.get_absolute_url()).content.decode()
    charts = svgs(html, "bar-chart")
    assert [c.find(f"{SVG}title").text for c in charts] == [
        "Financial contributions in EUR by forum year",
        "Financial contributions in USD by forum year",
    ]
    usd = [r.find(f"{SVG}title").text for r in charts[1].iter(f"{SVG}rect")]
    assert usd == ["2016: 50,000", "2018: 255,964"]
    assert len({c.get("aria-labelledby") for c in charts}) == 2  # ids stay unique
    assert "amounts in different currencies are not added up" in html
    # The text alternative: a table with the same figures, linked to the years.
    rows = re.findall(
        r'<tr><th scope="row"><a href="#year-(\d+)">\d+</a></th><td class="number">([^<]+)</td>',
        html,
    )
    assert rows == [("2018", "1,000"), ("2016", "50,000"), ("2018", "255,964")]


def test_forum_years_chart_counts_attendance_records(client, morocco):
    countries = [morocco, *(CountryFactory() for _ in range(3))]
    years = [ForumYearFactory(label=str(y), sort_year=y) for y in (2010, 2011, 2012)]
    for country in countries:
        AttendanceFactory(country=country, forum_year=years[0])
    for country in countries[:2]:
        AttendanceFactory(country=country, forum_year=years[1])
    AttendanceFactory(
        country=countries[3],
        forum_year=years[1],
        attended_meeting=False,
        attended_prep_meetings=False,
        attended_summit=False,
    )
    html = client.get(reverse("countries:forum_years")).content.decode()
    (chart,) = svgs(html, "bar-chart")
    shown = dict(r.find(f"{SVG}title").text.split(": ") for r in chart.iter(f"{SVG}rect"))
    recorded = {
        year.label: Attendance.objects.filter(forum_year=year)
        .exclude(attended_meeting=False, attended_prep_meetings=False, attended_summit=False)
        .count()
        for year in ForumYear.objects.all()
    }
    assert (
        shown
        == {label: str(n) for label, n in recorded.items()}
        == {
            "2010": "4",
            "2011": "2",
            "2012": "0",
        }
    )
    # The chart scrolls sideways in a region a keyboard can reach, on a phone.
    region = r'<div class="chart-scroll" tabindex="0" role="region" aria-label="[^"]+">'
    assert re.search(region + r'\s*<svg class="bar-chart"', html)


def test_locator_map_of_a_remote_island_widens_until_it_shows_land(client, db):
    pitcairn = CountryFactory(
        name="Pitcairn", slug="pitcairn", iso3="PCN", latitude=-25.07, longitude=-130.1
    )
    html = client.get(pitcairn.get_absolute_url()).content.decode()
    (svg,) = svgs(html, "locator-map")
    assert titled(svg, "path")  # some neighbouring land, not only open sea
    assert svg.find(f"{SVG}circle").get("class") == "here-marker"
