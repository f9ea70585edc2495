"""The keyboard alone: Tab (and Shift+Tab), Enter and Space, plus typing into text boxes.
Each step asserts which element has the focus and that its focus ring is visible, with 3:1
contrast against the page (white) and, in the header, against the header's blue."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from practices.models import PracticeSubmission
from subscriptions.models import Subscription
from tests.factories import CountryFactory, PracticeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WHITE = (255, 255, 255)
HEADER_BLUE = (0x0B, 0x5C, 0x8E)  # --brand in static/css/site.css


def luminance(rgb: tuple[int, ...]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: tuple[int, ...], other: tuple[int, ...]) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula():
    assert round(contrast((0, 0, 0), WHITE), 1) == 21.0
    assert round(contrast((0xE0, 0x8A, 0x1E), WHITE), 1) == 2.7  # the old ring


def focused(page) -> dict:
    """The focused element: tag, id, name, text, and its focus ring as computed."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '',
                type: el.getAttribute('type') || '', text: (el.innerText || el.value || '').trim(),
                label: el.labels && el.labels.length ? el.labels[0].innerText.trim() : '',
                outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth),
                outlineColor: style.outlineColor, checked: el.checked === true,
                // The skip link opens over the header.
                onBlue: Boolean(el.closest('.site-header, .skip-link')),
            };
        }"""
    )


def rgb(css_colour: str) -> tuple[int, ...]:
    return tuple(int(float(v)) for v in re.findall(r"[\d.]+", css_colour)[:3])


def assert_focus_visible(element: dict, *, against: tuple[int, ...] = WHITE) -> None:
    assert element["outlineStyle"] not in {"none", "hidden"}, element
    assert element["outlineWidth"] >= 2, element
    assert contrast(rgb(element["outlineColor"]), against) >= 3, element


def tab_to(page, matches, *, limit: int = 60, backwards: bool = False) -> int:
    """Press Tab (or Shift+Tab) until `matches(focused element)`; return how many presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        element = focused(page)
        if element["tag"] != "body":
            assert_focus_visible(element, against=HEADER_BLUE if element["onBlue"] else WHITE)
        if matches(element):
            return presses
    raise AssertionError(f"not reached in {limit} presses; last: {element}")


def test_skip_link_then_main_content(page, morocco):
    page.goto("/countries/morocco/")
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["text"] == "Skip to content"
    # It opens over the blue header: its ring stands out against the blue.
    assert_focus_visible(skip, against=HEADER_BLUE)
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["text"] == "Countries"  # the breadcrumb, first link in the content
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_header_links_have_a_ring_that_stands_out_against_the_header(page, morocco):
    page.goto("/")
    tab_to(page, lambda el: el["onBlue"] and el["text"] == "Countries")
    assert_focus_visible(focused(page), against=HEADER_BLUE)


def test_home_search(page, morocco):
    CountryFactory(name="France", slug="france", iso2="FR", iso3="FRA")
    page.goto("/")
    tab_to(page, lambda el: el["id"] == "home-search")
    page.keyboard.type("moro")
    page.keyboard.press("Enter")
    page.wait_for_url("**/countries/?q=moro")
    tab_to(page, lambda el: el["text"] == "Morocco")
    page.keyboard.press("Enter")
    page.wait_for_url("**/countries/morocco/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Morocco")


def test_practice_filters(browser, live_server, morocco):
    france = CountryFactory(name="France", slug="france", iso2="FR", iso3="FRA")
    PracticeFactory(title="Moroccan desk", countries=[morocco])
    PracticeFactory(title="French desk", countries=[france])
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto("/practices/")
    # The sidebar is no scroll area of its own: "Apply filters" is reached by the page's scroll.
    assert page.evaluate(
        "(() => { const s = document.querySelector('.practice-filters');"
        " return s.scrollHeight <= s.clientHeight + 1; })()"
    )
    tab_to(page, lambda el: el["label"] == "Find countries")
    page.keyboard.type("moro")
    tab_to(page, lambda el: el["type"] == "checkbox", limit=1)
    assert "Morocco" in focused(page)["label"]
    page.keyboard.press("Space")
    assert focused(page)["checked"]
    presses = tab_to(page, lambda el: el["text"] == "Apply filters")
    assert presses <= 8
    box = page.evaluate("document.activeElement.getBoundingClientRect().toJSON()")
    assert box["top"] >= 0 and box["bottom"] <= 800, box  # scrolled into view, not cut off
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*country=MAR.*"))
    assert page.locator(".practice-card h3").all_inner_texts() == ["Moroccan desk"]
    context.close()


def test_subscribe_form(page, morocco):
    page.goto("/countries/morocco/subscribe/")
    tab_to(page, lambda el: el["name"] == "email")
    page.keyboard.type("keyboard.reader@example.org")
    page.keyboard.press("Tab")
    radio = focused(page)
    assert radio["type"] == "radio" and radio["checked"] and radio["label"] == "Immediately"
    tab_to(page, lambda el: el["text"] == "Subscribe")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    assert Subscription.objects.get().email == "keyboard.reader@example.org"


def test_subscribe_form_with_an_error(page, morocco):
    page.goto("/countries/morocco/subscribe/")
    tab_to(page, lambda el: el["name"] == "email")
    page.keyboard.type("not an address")
    tab_to(page, lambda el: el["text"] == "Subscribe")
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    assert focused(page)["id"] == "error-summary"
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Email address: Enter a valid email address."
    page.keyboard.press("Enter")
    field = focused(page)
    assert field["name"] == "email"
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"


def test_practice_form_with_an_error(page, morocco):
    CountryFactory(name="Mozambique", slug="mozambique", iso2="MZ", iso3="MOZ")
    CountryFactory.create_batch(60)
    page.goto("/practices/submit/")
    tab_to(page, lambda el: el["name"] == "title")
    page.keyboard.type("Diaspora investment desk")
    # The country list is one filter box and a button, not one tab stop per country.
    presses = tab_to(page, lambda el: el["text"] == "Send for review")
    assert presses <= 30  # 11 themes, then the form; 278 with a checkbox per country
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")

    summary = focused(page)
    assert summary["id"] == "error-summary"
    assert_focus_visible(summary)
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Description: This field is required."
    page.keyboard.press("Enter")
    assert focused(page)["name"] == "description"
    page.keyboard.type("A one-stop desk for investors.")

    tab_to(page, lambda el: el["text"].startswith("Countries:"), backwards=True)
    page.keyboard.press("Enter")
    assert focused(page)["label"] == "Find countries"
    page.keyboard.type("mo")
    page.keyboard.press("Tab")
    assert focused(page)["label"] == "Morocco"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert focused(page)["label"] == "Mozambique"

    tab_to(page, lambda el: el["name"] == "submitted_by_name")
    page.keyboard.type("Amina")
    tab_to(page, lambda el: el["name"] == "submitter_email")
    # An address of its own: acknowledgements go once a day per inbox, counted in the cache.
    page.keyboard.type("keyboard.user@example.org")
    tab_to(page, lambda el: el["text"] == "Send for review")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your submission")
    practice = PracticeSubmission.objects.get()
    assert practice.title == "Diaspora investment desk"
    assert list(practice.countries.all()) == [morocco]
