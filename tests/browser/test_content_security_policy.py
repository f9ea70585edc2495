"""The public pages under their Content-Security-Policy in a real Chromium: nothing blocked,
no console error; and the policy is really enforced (an injected inline script is refused)."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory
from tests.site_walk import build_site, is_admin, routes, url, valid_kwargs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_pages_raise_no_csp_violation(page):
    site = build_site()
    paths = [
        url(route, kwargs)
        for route in routes()
        if not is_admin(route)
        and route.name != "subscriptions:country_feed"
        and (kwargs := valid_kwargs(route, site)) is not None
    ]
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    # Listening before the page's own parsing starts (init scripts are exempt from CSP).
    page.add_init_script(
        "window.violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    for path in paths:
        # Files and data (downloads, JSON, XML) open no page to check.
        if "text/html" not in page.request.get(path).headers.get("content-type", ""):
            continue
        response = page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        problems.extend(f"{path}: {v}" for v in page.evaluate("window.violations"))
    assert len(paths) >= 12
    assert problems == []


def test_admin_pages_raise_no_csp_violation(page):
    """The admin's own policy lets Django's admin and django-import-export work: log in
    through the form, then open a list with filters, a change form, import, export and the
    two-factor set-up."""
    site = build_site()
    UserFactory(username="ana", is_staff=True, is_superuser=True)
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")
    country = site["country"].pk  # type: ignore[attr-defined]
    for path in (
        "/admin/countries/country/?region=Africa",
        f"/admin/countries/country/{country}/change/",
        "/admin/practices/practicesubmission/add/",
        "/admin/countries/country/import/",
        "/admin/countries/country/export/",
        "/admin/countries/countryupdate/",
        "/admin/two-factor/",
    ):
        response = page.goto(path)
        assert response.status == 200, path
        assert "'unsafe-inline'" in response.headers["content-security-policy"]
    # The export page's inline handler runs (allowed by its hash).
    page.goto("/admin/countries/country/export/")
    fields = page.locator(".selectable-field-export-row:visible input[type=checkbox]")
    assert fields.count() > 1 and fields.first.is_checked()
    page.locator("input[name=select-all-toggle]").uncheck()
    assert not fields.first.is_checked()
    assert problems == []


def test_an_inline_script_is_refused(page):
    build_site()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto("/countries/morocco/")
    page.evaluate(
        """() => {
            const script = document.createElement('script');
            script.textContent = 'document.body.dataset.injected = "yes"';
            document.body.appendChild(script);
        }"""
    )
    assert page.evaluate("document.body.dataset.injected") is None
    assert any("Content Security Policy" in text for text in messages)
