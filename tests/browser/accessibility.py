"""Helpers for the accessibility tests: the public pages to check, axe-core, screenshots."""

from __future__ import annotations

import re
from pathlib import Path

from tests.site_walk import build_site, is_admin, routes, url, valid_kwargs

HERE = Path(__file__).parent
AXE = HERE / "vendor" / "axe.min.js"  # axe-core, see vendor/README.md
SCREENSHOTS = HERE / "screenshots"  # git-ignored: for people to look at
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = {"critical", "serious"}
WIDTHS = {"desktop": (1280, 800), "phone": (375, 740)}
FOREIGN_LANGUAGES = ("fr", "es")


def public_pages() -> dict[str, str]:
    """Every public route, by name, with a real object behind it (one of everything,
    tests/site_walk.py), and the 404 page; a few also in French and Spanish, named with
    the language ("home (fr)"). Some answer no HTML (the feed, downloads)."""
    site = build_site()
    pages = {}
    for route in routes():
        if is_admin(route):
            continue
        kwargs = valid_kwargs(route, site)
        if kwargs is not None:
            pages[route.name] = url(route, kwargs)
    pages["404"] = "/no-such-page/"
    # Some in French and Spanish too: longer words, and the lang attribute to check.
    for name in ("home", "countries:detail", "countries:forum_year"):
        for code in FOREIGN_LANGUAGES:
            pages[f"{name} ({code})"] = f"/{code}{pages[name]}"
    return pages


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.2 A and AA violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
            });
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
            }));
        }""",
        WCAG_22_AA,
    )
    return result


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


def screenshot(page, width_name: str, name: str) -> None:
    folder = SCREENSHOTS / width_name
    folder.mkdir(parents=True, exist_ok=True)
    filename = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "page"
    page.screenshot(path=str(folder / f"{filename}.png"), full_page=True)
