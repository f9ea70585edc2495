"""countries/data/roundtables.csv against the team's roundtable notes (a copy is in
tests/data/reference/roundtables.md): every session a source names, with its title, is in
the catalogue, numbered only as a source numbers it; nothing is in it that no source has."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from countries.pagetext import title_key

ROOT = Path(__file__).resolve().parents[2]
NOTES = ROOT / "tests" / "data" / "reference" / "roundtables.md"
CATALOGUE = ROOT / "countries" / "data" / "roundtables.csv"
# Morocco's page (the GFMD's own site) spells these sessions otherwise; the row keeps its
# spelling, the one other countries' pages show (see countries/data/README.md).
MOROCCO_SPELLING = {("2016", "2.2"), ("2016", "3.1"), ("2016", "3.2")}
# Rows of the notes that are not a session's title (paraphrase, planned topic, description)
# or are cut off in their source.
NOT_TITLES = re.compile(
    r"paraphrase|as planned|topic given as|description, not a title|cut off", re.I
)


def note_rows() -> list[tuple[str, str, str]]:
    """(forum year, number cell, title cell) of each session table of the notes."""
    rows, year, header = [], None, None
    for line in NOTES.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"^## (\d{4}(?:-\d{4})?)[ ,]", line):
            year, header = match[1], None
            continue
        if line.startswith("## "):
            year = None
        if not (year and line.startswith("| ")):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] in {"No.", "RT", "Cluster"}:
            header = cells[0]
        elif header == "No." and not set(cells[0]) <= {"-"}:
            rows.append((year, cells[0], cells[1]))
    return rows


def catalogue() -> list[dict[str, str]]:
    with open(CATALOGUE, encoding="utf-8") as file:
        return list(csv.DictReader(file))


def stated_number(cell: str) -> str | None:
    """The number as the source states it; None for an inference or no number."""
    if match := re.fullmatch(r"(?:Roundtable )?(\d+(?:\.\d+)?)", cell):
        return match[1]
    return None


def spelled_in(title: str, cell: str) -> bool:
    return title_key(title) in title_key(cell)


def test_the_notes_are_read():
    rows = note_rows()
    assert len(rows) == 64
    assert rows[0][0] == "2007"
    assert rows[-1][:2] == ("2024-2025", "6")


def test_every_titled_session_of_the_notes_is_in_the_catalogue():
    rows = catalogue()
    numbered = {(r["forum_year"], r["number"]): r["title"] for r in rows if r["number"]}
    missing = []
    for year, number_cell, title_cell in note_rows():
        if title_cell == "not found" or NOT_TITLES.search(title_cell):
            continue
        number = stated_number(number_cell)
        if number is not None:
            title = numbered.get((year, number))
            if title is None or not (
                spelled_in(title, title_cell) or (year, number) in MOROCCO_SPELLING
            ):
                missing.append((year, number_cell, title_cell))
        elif not any(r["forum_year"] == year and spelled_in(r["title"], title_cell) for r in rows):
            missing.append((year, number_cell, title_cell))
    assert missing == []


def test_an_inferred_number_is_not_loaded_as_the_sources_number():
    rows = catalogue()
    for year, number_cell, title_cell in note_rows():
        if number_cell.startswith("*") and not NOT_TITLES.search(title_cell):
            found = [
                r for r in rows if r["forum_year"] == year and spelled_in(r["title"], title_cell)
            ]
            assert len(found) == 1, title_cell
            # Empty, unless Morocco's page numbers it (2012 "2a" is its RT 2.1).
            assert found[0]["number"] in {"", "2.1"}, found[0]
            if found[0]["number"]:
                assert (year, found[0]["number"]) == ("2012", "2.1")


def test_no_row_comes_from_nowhere():
    """Beyond Morocco's 18 rows (from its page), every row is a session of the notes."""
    cells = {(year, title_cell) for year, _n, title_cell in note_rows()}
    for row in catalogue()[18:]:
        assert any(
            year == row["forum_year"] and spelled_in(row["title"], cell) for year, cell in cells
        ), row


@pytest.mark.django_db
def test_a_forum_year_page_lists_every_roundtable_of_its_year(client):
    call_command("load_gfmd_data", verbosity=0)
    page = html.unescape(client.get("/forum/2017/").content.decode())
    titles = [r["title"] for r in catalogue() if r["forum_year"] == "2017"]
    assert len(titles) == 6
    for row in catalogue():
        if row["forum_year"] == "2017":
            assert f"RT {row['number']}: {row['title']}" in page
