"""Morocco's page against the reader's copy of the GFMD page, line by line and year by year.

The copy (shared/reference/morocco-profile.txt) lost its year headings; morocco-by-year.md
gives the years of its blocks in order. Each block of the copy starts at "RT Participation"
(the first one a line earlier, at "Attended Meeting"); the practices start at the first
practice title that morocco-by-year.md lists.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

REFERENCE = Path(settings.BASE_DIR).parent / "shared" / "reference"
# Headings the copy shows that the page composes differently or that stand for sections.
DECORATION = {"RT Participation", "Thematic Meetings", "Financial Contribution"}
BLOCK_TAGS = {"h1", "h2", "h3", "p", "li", "dt", "dd", "code"}


def normalise(line: str) -> str:
    """Whitespace, bullets and the copy's stray punctuation aside, as the issue allows."""
    line = re.sub(r"\s+", " ", line).strip()
    line = re.sub(r"^[•\-] ?", "", line)
    line = re.sub(r"\bRT (\d+\.\d+)\.", r"RT \1", line)  # "RT 1.2." and "RT 1.2" alike
    line = line.replace("non-earnmarked", "non-earmarked")  # the copy's typo (by-year file)
    line = re.sub(r"^(Submitted by .+) on$", r"\1", line)  # the copy lost every date
    return line.rstrip(".").strip()


class PageSections(HTMLParser):
    """The text lines of a page's block elements, keyed by the id of their <section>."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, list[str]] = {}
        self.current: str | None = None
        self.buffer: list[str] = []

    def flush(self) -> None:
        text = normalise("".join(self.buffer))
        if text and self.current:
            self.sections.setdefault(self.current, []).append(text)
        self.buffer = []

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self.flush()
            self.current = dict(attrs).get("id")
        elif tag in BLOCK_TAGS or tag == "br":
            self.flush()

    def handle_endtag(self, tag):
        if tag in BLOCK_TAGS or tag == "section":
            self.flush()

    def handle_data(self, data):
        self.buffer.append(data)


def reference_years() -> list[str]:
    table = (REFERENCE / "morocco-by-year.md").read_text()
    return re.findall(r"^\| \d+ \| ([\d-]+) \|", table, re.M)


def reference_practice_titles() -> list[str]:
    text = (REFERENCE / "morocco-by-year.md").read_text().split("## Practices", 1)[1]
    return re.findall(r'^\d+\. "(.+?)"(?: \(|$)', text, re.M)


def reference_blocks() -> tuple[list[str], dict[str, list[str]], list[str]]:
    """The copy's header lines, its lines per year, and its practice lines."""
    lines = [
        normalise(line) for line in (REFERENCE / "morocco-profile.txt").read_text().splitlines()
    ]
    lines = [line for line in lines if line]
    first_title = reference_practice_titles()[0]
    practices_start = lines.index(first_title)
    profile, practices = lines[:practices_start], lines[practices_start:]
    starts = [i for i, line in enumerate(profile) if line == "RT Participation"]
    starts[0] = profile.index("Attended Meeting")
    header = profile[: starts[0]]
    years = reference_years()
    assert len(years) == len(starts), "every block of the copy has a year"
    by_year = {
        year: profile[start:end]
        for year, start, end in zip(years, starts, [*starts[1:], len(profile)], strict=True)
    }
    return header, by_year, practices


@pytest.fixture
def morocco_page(client, db) -> dict[str, list[str]]:
    call_command("load_gfmd_data", verbosity=0)
    response = client.get("/countries/morocco/")
    assert response.status_code == 200
    parser = PageSections()
    parser.feed(response.content.decode())
    parser.flush()
    return parser.sections


def missing(expected: list[str], shown: list[str]) -> list[str]:
    return [line for line in expected if line not in DECORATION and line not in shown]


def test_reference_is_split_into_eleven_years():
    header, by_year, practices = reference_blocks()
    years = list(by_year)
    assert (years[0], years[-1], len(years)) == ("2007", "2018", 11)
    assert header[:2] == ["Official Name", "Kingdom of Morocco"]
    assert practices[-1] == "Subscribe to Morocco"


def test_header_lines(morocco_page):
    header, _, _ = reference_blocks()
    assert missing(header, morocco_page["facts"]) == []
    assert {"MA", "MAR"} <= set(morocco_page["facts"])  # the values the copy lost


@pytest.mark.parametrize("year", reference_years())
def test_each_year_section_carries_its_lines(morocco_page, year):
    _, by_year, _ = reference_blocks()
    section = morocco_page[f"year-{year}"]
    assert section[0].startswith(f"GFMD {year}")  # the heading the copy lost
    assert missing(by_year[year], section) == []


def test_years_appear_in_order(morocco_page):
    shown = [key.removeprefix("year-") for key in morocco_page if key.startswith("year-")]
    assert shown == reference_years()


def test_practices_with_their_descriptions_then_the_subscribe_link(morocco_page):
    _, _, practices = reference_blocks()
    *practice_lines, last_line = practices
    assert missing(practice_lines, morocco_page["practices"]) == []
    assert last_line == "Subscribe to Morocco"
    assert last_line in morocco_page["updates"]  # the section after the practices
