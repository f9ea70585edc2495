"""Morocco's page against the reader's copy of the GFMD page, line by line and year by year.

The copy (tests/data/reference/morocco-profile.txt, see the README there) lost its year
headings; the table of morocco-by-year.md gives the year of each of its lines. The table is
the authority: a line's year is the row whose cell (the column the line's heading in the
copy names) holds it, never its place among the copy's blocks (the copy shows thematic
meetings one block late, our page in the year of their date). The page must show every line
of the copy in the section of that year, and no line in the section of any other year.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import call_command

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"
ATTENDANCE_FLAGS = {"Attended Meeting", "Attended Prep Meetings", "Attended Summit"}
# The copy's headings, and the column of the year table that the lines under each fill.
HEADINGS = {
    "RT Participation": "roundtable roles",
    "Thematic Meetings": "thematic meetings (by date)",
    "Financial Contribution": "financial contribution",
}
NO_CONTRIBUTION = "No Financial Contribution"
BLOCK_TAGS = {"h1", "h2", "h3", "p", "li", "dt", "dd", "code"}


def normalise(line: str) -> str:
    """Whitespace, bullets and the copy's stray punctuation aside."""
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


def year_table() -> dict[str, dict[str, str]]:
    """The rows of morocco-by-year.md's table: year -> column -> cell."""
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in (REFERENCE / "morocco-by-year.md").read_text().splitlines()
        if line.startswith("|")
    ]
    header, _rule, *body = rows
    return {row[0]: dict(zip(header, row, strict=True)) for row in body}


def reference_practice_titles() -> list[str]:
    text = (REFERENCE / "morocco-by-year.md").read_text().split("## Practices", 1)[1]
    return re.findall(r'^\d+\. "(.+?)"(?: \(|$)', text, re.M)


def reference_parts() -> tuple[list[str], list[tuple[str, str]], list[str]]:
    """The copy's header lines, its profile lines (each with its table column), and its
    practice lines."""
    lines = [
        normalise(line) for line in (REFERENCE / "morocco-profile.txt").read_text().splitlines()
    ]
    lines = [line for line in lines if line]
    start = next(i for i, line in enumerate(lines) if line in ATTENDANCE_FLAGS)
    practices_start = lines.index(reference_practice_titles()[0])
    profile: list[tuple[str, str]] = []
    column = ""
    for line in lines[start:practices_start]:
        if line in HEADINGS:
            column = HEADINGS[line]
        else:
            profile.append(("attendance" if line in ATTENDANCE_FLAGS else column, line))
    return lines[:start], profile, lines[practices_start:]


def gives(cell: str, line: str) -> bool:
    """Whether a cell of the year table holds a line of the copy: by its quoted titles, or
    its amount, or its words; "none" is what the page shows as "No Financial Contribution"."""
    if line == NO_CONTRIBUTION:
        return cell == "none"
    if line in ATTENDANCE_FLAGS:
        return line in cell.split("; ")
    keys = re.findall(r'"[^"]+"', line) or re.findall(r"USD [\d,]+", line) or [line]
    return all(key in cell for key in keys)


def years_of_lines() -> dict[str, list[str]]:
    """Each line of the copy's profile with the years the table gives it, oldest first."""
    table = year_table()
    _, profile, _ = reference_parts()
    return {
        line: [year for year, row in table.items() if gives(row[column], line)]
        for column, line in profile
    }


def expected_by_year() -> dict[str, list[str]]:
    expected: dict[str, list[str]] = {year: [] for year in year_table()}
    for line, years in years_of_lines().items():
        for year in years:
            expected[year].append(line)
    return expected


@pytest.fixture
def morocco_page(client, db) -> dict[str, list[str]]:
    call_command("load_gfmd_data", verbosity=0)
    response = client.get("/countries/morocco/")
    assert response.status_code == 200
    parser = PageSections()
    parser.feed(response.content.decode())
    parser.flush()
    return parser.sections


def year_lines(section: list[str]) -> list[str]:
    """A year section's record lines: without its heading, its chairs and summit line and
    the headings of its parts."""
    heading, meta, *lines = section
    assert heading.startswith("GFMD ") and "Summit:" in meta
    return [line for line in lines if line not in HEADINGS]


def test_the_table_gives_every_line_of_the_copy_as_often_as_the_copy_has_it():
    _, profile, _ = reference_parts()
    occurrences = Counter(line for _, line in profile)
    years = years_of_lines()
    assert {line: len(years[line]) for line in occurrences} == occurrences
    assert years["Attended Prep Meetings"] == ["2009", "2011"]
    assert years["USD 50,000 non-earmarked"] == ["2016"]
    assert years["Morocco will host the GFMD Summit in December 2018"] == ["2017"]
    # Shown in the 2019 block of the copy, of 2018 by the table.
    assert [y for line, y in years.items() if "Children and Youth" in line] == [["2018"]]
    assert list(year_table())[0::11] == ["2007", "2019"]


def test_header_lines(morocco_page):
    header, _, _ = reference_parts()
    assert header[:2] == ["Official Name", "Kingdom of Morocco"]
    assert [line for line in header if line not in morocco_page["facts"]] == []
    assert {"MA", "MAR"} <= set(morocco_page["facts"])  # the values the copy lost


def test_year_sections_are_the_table_years_oldest_first(morocco_page):
    shown = [key.removeprefix("year-") for key in morocco_page if key.startswith("year-")]
    assert shown == list(year_table())
    assert shown == sorted(shown)


@pytest.mark.parametrize("year", list(year_table()))
def test_each_year_section_shows_its_lines_and_no_other(morocco_page, year):
    section = morocco_page[f"year-{year}"]
    assert section[0].startswith(f"GFMD {year}")  # the heading the copy lost
    shown = year_lines(section)
    expected = expected_by_year()[year]
    assert [line for line in expected if line not in shown] == []
    assert Counter(shown) == Counter(expected)


@pytest.mark.parametrize(
    ("year", "absent"),
    [
        ("2008", "Attended Prep Meetings"),
        ("2007", "Attended Summit"),
        ("2014-2015", "USD 50,000 non-earmarked"),
        ("2016", "Morocco will host the GFMD Summit in December 2018"),
        ("2017", "USD 207,622"),
        ("2019", "Participated in the Thematic Workshops on"),
    ],
)
def test_no_line_in_a_year_the_table_does_not_give(morocco_page, year, absent):
    assert not [line for line in morocco_page[f"year-{year}"] if line.startswith(absent)]


def test_no_line_of_the_copy_in_another_year(morocco_page):
    for line, years in years_of_lines().items():
        for key, section in morocco_page.items():
            year = key.removeprefix("year-")
            if key.startswith("year-") and year not in years:
                assert line not in section, f"{line!r} shown in {year}, the table gives {years}"


def test_the_newest_practices_then_all_of_them_with_their_descriptions(client, morocco_page):
    """The page lists the newest five practices by title and links to the practice list of
    Morocco, which links to each practice's page with its description: every practice line
    of the copy is one link away, and the page stays small. The subscribe link follows."""
    from practices.models import PracticeSubmission

    _, _, practices = reference_parts()
    *practice_lines, last_line = practices
    titles = [normalise(title) for title in reference_practice_titles()]
    shown = morocco_page["practices"]
    assert len([title for title in titles if any(line.startswith(title) for line in shown)]) == 5
    assert "See all 6 practices concerning Morocco in the database" in shown
    assert not [line for line in practice_lines if line not in titles and line in shown]

    listing = html.unescape(client.get("/practices/?country=MAR").content.decode())
    assert [title for title in titles if title not in listing] == []
    pages = " ".join(
        normalise(
            re.sub(
                r"<[^>]+>", " ", html.unescape(client.get(p.get_absolute_url()).content.decode())
            )
        )
        for p in PracticeSubmission.objects.all()
    )
    assert [line for line in practice_lines if line not in pages] == []

    assert last_line == "Subscribe to Morocco"
    assert last_line in morocco_page["follow"]  # the section after the practices
