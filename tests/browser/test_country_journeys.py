from __future__ import annotations

import pytest

from tests.factories import AttendanceFactory, ContributionFactory, CountryFactory, ForumYearFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def profile(morocco):
    CountryFactory(name="France", slug="france", iso2="FR", iso3="FRA", region="Europe")
    year = ForumYearFactory(label="2016", sort_year=2016, summit_city="Dhaka")
    AttendanceFactory(country=morocco, forum_year=year)
    ContributionFactory(country=morocco, forum_year=year)
    return morocco


def test_find_a_country_from_the_home_page_and_read_its_profile(page, profile):
    page.goto("/")
    page.get_by_label("Find a country").fill("moro")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Morocco", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Morocco"
    section = page.locator("#year-2016")
    assert "Attended Summit" in section.inner_text()
    assert "USD 50,000 non-earmarked" in section.inner_text()
    page.get_by_role("navigation", name="GFMD years").get_by_role("link", name="2016").click()
    assert page.url.endswith("#year-2016")


def test_country_filters_on_a_phone(phone_page, profile):
    phone_page.goto("/countries/")
    phone_page.get_by_label("Region").select_option("Europe")
    phone_page.get_by_role("button", name="Filter").click()
    assert "region=Europe" in phone_page.url
    assert phone_page.locator(".country-grid li").all_inner_texts()[0].startswith("France")
    # Nothing sticks out sideways on a narrow screen.
    overflow = phone_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
