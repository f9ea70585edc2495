"""The maps in Chromium at desktop and phone widths: each map is one tab stop with a name,
no page scrolls sideways, and the forum years' chart can be scrolled from the keyboard."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.browser.conftest import open_page
from tests.factories import AttendanceFactory, ContributionFactory, CountryFactory, ForumYearFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1280, 375]
MAPS = "svg.world-map, svg.locator-map"


@pytest.fixture
def atlas(morocco):
    countries = [
        morocco,
        CountryFactory(name="France", slug="france", iso3="FRA", latitude=46, longitude=2),
        CountryFactory(name="Malta", slug="malta", iso3="MLT", latitude=35.83, longitude=14.58),
        CountryFactory(name="Chile", slug="chile", iso3="CHL", latitude=-30, longitude=-71),
    ]
    for label in ("2010", "2011", "2012", "2013-2014", "2014-2015", "2016"):
        year = ForumYearFactory(label=label, sort_year=int(label[:4]), summit_city="Port Louis")
        for country in countries:
            AttendanceFactory(country=country, forum_year=year)
    year_2016 = year
    ContributionFactory(country=morocco, forum_year=year_2016, amount=Decimal("50000"))
    return countries


def tab_stops(page, limit: int = 400) -> list[dict]:
    """Tab from the top of the page until the focus leaves it: what each stop is."""
    page.locator("body").focus()
    stops: list[dict] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(
            f"""() => {{
                const el = document.activeElement;
                if (!el || el === document.body) return null;
                const map = el.closest('{MAPS}');
                const label = el.getAttribute('aria-labelledby');
                return {{
                    tag: el.tagName.toLowerCase(),
                    inMap: map !== null,
                    isMap: map === el,
                    name: label ? document.getElementById(label).textContent : el.textContent,
                }};
            }}"""
        )
        if stop is None or (stops and stop == stops[0]):
            break
        stops.append(stop)
    return stops


def horizontal_overflow(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    ("path", "map_name"),
    [
        ("/", "Countries that have taken part in the GFMD"),
        ("/forum/2012/", "Countries with attendance records this year"),
        ("/countries/morocco/", "Morocco on the map"),
    ],
)
def test_a_map_is_one_named_tab_stop_and_nothing_overflows(
    browser, live_server, atlas, width, path, map_name
):
    for page in open_page(browser, live_server, width=width, height=800):
        page.goto(path)
        stops = tab_stops(page)
        on_map = [stop for stop in stops if stop["inMap"]]
        assert len(on_map) == 1, on_map
        assert on_map[0]["isMap"] and on_map[0]["name"].startswith(map_name)
        # The map has a visible size on the screen, and the page no sideways scroll.
        box = page.locator(MAPS).first.bounding_box()
        assert box["width"] > 250 and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert horizontal_overflow(page) <= 0
        if path != "/countries/morocco/":
            # The countries of the map are reachable by keyboard: in the list after it.
            details = page.locator("details.map-countries")
            if details.get_attribute("open") is None:
                details.locator("summary").click()
            assert page.locator("details.map-countries a", has_text="Malta").is_visible()


@pytest.mark.parametrize("width", WIDTHS)
def test_forum_years_table_fits_and_the_chart_scrolls_from_the_keyboard(
    browser, live_server, atlas, width
):
    for page in open_page(browser, live_server, width=width, height=800):
        page.goto("/forum/")
        assert horizontal_overflow(page) <= 0
        table = page.locator("table.forum-years").bounding_box()
        assert table["x"] + table["width"] <= width
        region = page.get_by_role("region", name="Chart of participation by year")
        stops = tab_stops(page)
        assert any(stop["tag"] == "div" for stop in stops)  # the chart's scroll area
        region.focus()
        before = region.evaluate("el => el.scrollLeft")
        page.keyboard.press("ArrowRight")
        scrollable = region.evaluate("el => el.scrollWidth > el.clientWidth")
        assert region.evaluate("el => el.scrollLeft") > before or not scrollable


def test_maps_print_whole_and_in_black_and_white(browser, live_server, atlas):
    for page in open_page(browser, live_server, width=1280, height=800):
        page.emulate_media(media="print")
        page.goto("/")
        sphere = page.locator("svg.world-map .sphere")
        assert sphere.evaluate("el => getComputedStyle(el).fill") == "rgb(255, 255, 255)"
        box = page.locator("svg.world-map").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280
        # The list of the map's countries prints even while its <details> is closed.
        assert page.locator("details.map-countries").get_attribute("open") is None
        assert page.locator("details.map-countries a", has_text="Malta").is_visible()
        page.goto("/forum/")
        assert page.locator(".chart-scroll").evaluate("el => getComputedStyle(el).overflowX") == (
            "visible"
        )
