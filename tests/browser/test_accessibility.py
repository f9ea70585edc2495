"""Every public page at a desktop and a phone width, checked by axe-core against WCAG 2.2
A and AA: no critical or serious violation. Each page is also saved as a screenshot in
tests/browser/screenshots/ (git-ignored), for people to look at."""

from __future__ import annotations

import re

import pytest

from tests.browser.accessibility import (
    WIDTHS,
    axe_violations,
    blocking,
    public_pages,
    screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=list(WIDTHS))
def sized_page(request, browser, live_server):
    width, height = WIDTHS[request.param]
    # axe is injected as a script element: the page's own CSP would refuse it.
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": height}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.width_name = request.param
    yield page
    context.close()


def check(page, name: str, problems: dict[str, list]) -> None:
    found = blocking(axe_violations(page))
    # WCAG 1.4.10 Reflow: no sideways scrolling of the page at 320 CSS px and up.
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > page.viewport_size["width"]:
        found.append({"id": "page-wider-than-screen", "impact": "serious", "width": width})
    if found:
        problems[name] = found


def test_every_public_page_has_no_serious_violation(sized_page):
    page = sized_page
    pages = public_pages()
    assert len(pages) >= 14, pages
    problems: dict[str, list] = {}
    checked = []
    for name, path in pages.items():
        # Routes that answer files or data (downloads, JSON, XML) are no page to check.
        if "text/html" not in page.request.get(path).headers.get("content-type", ""):
            continue
        response = page.goto(path)
        assert response.status == (404 if name == "404" else 200), path
        if match := re.search(r"\((\w\w)\)$", name):
            assert page.evaluate("document.documentElement.lang") == match.group(1), path
        check(page, name, problems)
        screenshot(page, page.width_name, name)
        checked.append(name)
    assert len(checked) >= 14, checked
    assert problems == {}


def test_forms_with_errors_have_no_serious_violation(sized_page, morocco):
    """The states a page walk does not reach: each public form sent back with errors."""
    page = sized_page
    problems: dict[str, list] = {}

    page.goto("/practices/submit/")
    page.get_by_role("button", name="Send for review").click()
    page.wait_for_selector(".error-summary")
    check(page, "practice form with errors", problems)
    screenshot(page, page.width_name, "practices-submit-errors")

    page.goto("/countries/morocco/subscribe/")
    page.get_by_label("Email address").fill("not an address")
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_selector(".error-summary")
    check(page, "subscribe form with errors", problems)
    screenshot(page, page.width_name, "subscribe-errors")

    page.goto("/practices/?submitted_from=abc&country=XXX")
    check(page, "practice filters with errors", problems)
    screenshot(page, page.width_name, "practices-filter-errors")
    assert problems == {}
