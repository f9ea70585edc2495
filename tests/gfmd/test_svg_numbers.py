"""SVG coordinates are numbers in SVG's own syntax whatever the reader's language: a French
decimal comma (`cx="34,8"`) is not a number to the browser, which drops the attribute and
draws the marker or bar in the wrong place or not at all."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

# Attributes whose value is one number, and those holding numbers in a list or path, where
# SVG allows commas between numbers (checked against the English page instead).
SCALAR = {"x", "y", "cx", "cy", "r", "dy", "width", "height", "stroke-width", "font-size"}
NUMERIC_ATTRIBUTE = re.compile(rf'\s({"|".join(SCALAR)}|viewBox|transform|d)="([^"]*)"')
SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


@pytest.fixture
def reference_data(db):
    call_command("load_gfmd_data", verbosity=0)


def svg_numbers(page: str) -> list[tuple[str, str]]:
    return [
        match.groups() for svg in SVG.findall(page) for match in NUMERIC_ATTRIBUTE.finditer(svg)
    ]


@pytest.mark.parametrize("language", ["fr", "es"])
@pytest.mark.parametrize("path", ["/", "/countries/morocco/", "/forum/2011/"])
def test_svg_numbers_have_no_decimal_comma_in_any_language(client, reference_data, language, path):
    response = client.get(f"/{language}{path}", secure=True)
    assert response.status_code == 200
    numbers = svg_numbers(response.content.decode())
    assert numbers, "the page draws no SVG to check"
    with_commas = [(name, value) for name, value in numbers if name in SCALAR and "," in value]
    assert not with_commas, with_commas[:5]
    # The same drawing as in English, lists and paths included.
    english = svg_numbers(client.get(path, secure=True).content.decode())
    assert sorted(numbers) == sorted(english)
