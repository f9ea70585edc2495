"""Security headers on public and admin pages, HTTPS behind the proxy, and no inline script
or style anywhere in the public pages (the public CSP forbids them)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from tests.site_walk import build_site, is_admin, routes, url, valid_kwargs

pytestmark = pytest.mark.django_db


def csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def test_a_public_page_allows_no_inline_code_and_no_framing(client):
    build_site()
    response = client.get("/countries/morocco/")
    policy = csp(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "unsafe" not in response["Content-Security-Policy"]
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in permissions


def test_the_admin_has_its_own_policy(client, staff):
    client.force_login(staff)
    for path in ("/admin/login/", "/admin/countries/country/"):
        response = client.get(path)
        policy = csp(response)
        assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
        assert "'unsafe-inline'" not in policy["script-src"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert "camera=()" in response["Permissions-Policy"]


@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_is_redirected_and_https_gets_hsts(client):
    response = client.get("/countries/?region=Africa")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/countries/?region=Africa"
    assert "Strict-Transport-Security" not in response
    # Behind the proxy: it says the visitor came over HTTPS.
    response = client.get("/countries/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_REDIRECT_EXEMPT=[r"^countries/$"])
def test_an_exempt_path_answers_over_plain_http(client):
    assert client.get("/countries/").status_code == 200


class InlineCode(HTMLParser):
    """What a CSP without 'unsafe-inline' would block: script and style elements with a body,
    style attributes, on* event handlers and javascript: links."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in {"href", "src", "action"} and (value or "").strip().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:...>")
        if tag == "style" or (tag == "script" and not dict(attrs).get("src")):
            self._open = tag

    def handle_data(self, data: str) -> None:
        if self._open and data.strip():
            self.found.append(f"<{self._open}>{data.strip()[:40]}")

    def handle_endtag(self, tag: str) -> None:
        self._open = None


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_the_detector_finds_inline_code():
    assert inline_code('<p style="color:red" onclick="x()"><script>alert(1)</script>') == [
        "<p style=...>",
        "<p onclick=...>",
        "<script>alert(1)",
    ]
    assert inline_code("<style>p{}</style><a href='javascript:x()'>") == [
        "<style>p{}",
        "<a href=javascript:...>",
    ]
    assert inline_code('<script src="/static/x.js"></script><svg fill="#000"></svg>') == []


def test_no_public_page_has_inline_script_or_style(client):
    site = build_site()
    pages = {}
    for route in routes():
        if is_admin(route) or (kwargs := valid_kwargs(route, site)) is None:
            continue
        response = client.get(url(route, kwargs))
        if "html" in response.get("Content-Type", ""):
            pages[url(route, kwargs)] = inline_code(response.content.decode())
    assert len(pages) >= 12
    assert {path: found for path, found in pages.items() if found} == {}


def test_no_public_template_has_inline_script_or_style():
    """Templates too, for the branches a page walk does not reach. Emails are exempt (mail
    clients need inline styles and run no script); so is the admin (its own policy)."""
    root = Path(settings.BASE_DIR) / "templates"
    offenders = {}
    for template in root.rglob("*.html"):
        relative = template.relative_to(root).as_posix()
        if relative.startswith("admin/") or "/email/" in relative or "/admin/" in relative:
            continue
        text = template.read_text()
        found = inline_code(re.sub(r"{[%{#].*?[%}#]}", "", text, flags=re.S))
        if found:
            offenders[relative] = found
    assert offenders == {}
