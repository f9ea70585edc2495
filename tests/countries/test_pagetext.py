"""Reading the text of a country page of the GFMD's current site (countries/pagetext.py).

Morocco's copy must read back to exactly the corrected year table of morocco-by-year.md
(both in tests/data/reference); pages written in the site's format from the reference data
and from random profiles must read back to the records they were written from.
"""

from __future__ import annotations

import random
import re
from decimal import Decimal
from pathlib import Path

import pytest

from countries.pagetext import (
    Catalogue,
    Line,
    PageReading,
    WrongCountry,
    check_country,
    parse_dates,
    read_contribution_line,
    read_page,
    read_role_line,
)
from tests.countries.test_morocco_page import year_table
from tests.pages import Profile, data_catalogue, data_profile, random_catalogue, random_profile
from tests.pages import render as render_page

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"
MOROCCO = (REFERENCE / "morocco-profile.txt").read_text(encoding="utf-8")
FLAGS = {
    "Attended Meeting": "meeting",
    "Attended Prep Meetings": "prep_meetings",
    "Attended Summit": "summit",
}
ROLES = {"Co-Chair": "co_chair", "Team Member": "team_member", "Coordinator": "coordinator"}
MEETING_ROLES = {"Co-Chair": "co_chair", "Attended": "attended", "Participated": "participated"}


# --- The corrected year table, as records ---------------------------------------------------


def table_roles(cell: str) -> list[tuple]:
    if cell == "No Participation":
        return [("no_participation", "", "", "")]
    roles = [
        (ROLES[role], number, title, "")
        for role, number, title in re.findall(
            r'(Co-Chair|Team Member), RT ([\d.]+) "([^"]+)"', cell
        )
    ]
    for role, session in re.findall(r"(Co-Chair) in (.+?) \(no RT number\)", cell):
        roles.append((ROLES[role], "", "", session))
    for role, session in re.findall(r"(Coordinator) of (.+?) \(no RT number\)", cell):
        roles.append((ROLES[role], "", "", session))
    return sorted(roles)


def table_meetings(cell: str) -> list[tuple]:
    if cell == "none":
        return []
    meetings = []
    for item in re.split(r"; (?=(?:Co-Chair|Attended|Participated):)", cell):
        role, rest = item.split(": ", 1)
        head = rest.split('"', 1)[0]
        kind = (
            "gfmd_thematic_workshop"
            if "GFMD Thematic Workshop" in head
            else "thematic_workshop"
            if "Thematic Workshop" in head
            else "thematic_meeting"
        )
        titles = re.findall(r'"([^"]+)"', rest)
        after = rest.rsplit('"', 1)[1]
        start = end = None
        city = country = ""
        if match := re.match(r", (\d{1,2}(?:-\d{1,2})? \w+ \d{4}), ([^,]+), (.+)$", after):
            start, end = parse_dates(match[1])
            city, country = match[2], match[3]
        meetings += [
            (MEETING_ROLES[role], kind, title, start, end, city, country) for title in titles
        ]
    return sorted(meetings, key=repr)


def table_contributions(cell: str) -> tuple[bool, list[tuple]]:
    """(whether the year's contribution is on record, the contributions)."""
    if cell.startswith("nothing shown"):
        return False, []
    if cell == "none":
        return True, []
    if cell.startswith("notes, no amount:"):
        return True, [(None, "", "unknown", note) for note in re.findall(r'"([^"]+)"', cell)]
    contributions = []
    for item in cell.split("; "):
        match = re.match(r'(USD) ([\d,]*\d)(, non-earmarked)?(?: \(note: "(.+)"\))?', item)
        amount = Decimal(match[2].replace(",", ""))
        contributions.append((amount, match[1], "no" if match[3] else "unknown", match[4] or ""))
    return True, contributions


def read_years(reading: PageReading) -> dict[str, dict]:
    """The reading's records by year, in the table's terms."""
    years = {}
    for label, year in reading.years().items():
        block = year.block
        years[label] = {
            "attendance": sorted(flag.flag for flag in year.attendance),
            "roles": sorted((r.role, r.number, r.title, r.session) for r in year.roles),
            "meetings": sorted(
                (
                    (m.role, m.kind, m.title, m.start_date, m.end_date, m.city, m.country_name)
                    for m in year.meetings
                ),
                key=repr,
            ),
            "recorded": block.contribution_recorded if block else True,
            "contributions": [
                (c.amount, c.currency, c.earmarked, c.note) for c in year.contributions
            ],
        }
    return years


def table_years() -> dict[str, dict]:
    years = {}
    for label, row in year_table().items():
        recorded, contributions = table_contributions(row["financial contribution"])
        roles = row["roundtable roles"]
        years[label] = {
            "attendance": sorted(FLAGS[flag] for flag in row["attendance"].split("; ")),
            "roles": [] if roles.startswith("nothing shown") else table_roles(roles),
            "meetings": table_meetings(row["thematic meetings (by date)"]),
            "recorded": recorded,
            "contributions": contributions,
        }
    return years


# --- Morocco's copy -------------------------------------------------------------------------


def test_morocco_reads_back_to_the_corrected_year_table():
    reading = read_page(MOROCCO, data_catalogue())
    # The last block (2019 by the table) has nothing but "Attended Summit": the page gives
    # no evidence of its year beyond "after 2018", so the reader leaves it open...
    assert [(b.first_line, b.candidates) for b in reading.open_blocks] == [
        (106, ["2019", "2020", "2022-2023", "2024-2025"])
    ]
    # ...and staff choose it, as the preview lets them.
    reading.choose({106: "2019"})
    assert reading.open_blocks == []
    assert read_years(reading) == table_years()
    assert reading.unread == []
    assert reading.stopped_at is None


def test_morocco_header_and_practices():
    reading = read_page(MOROCCO, data_catalogue())
    header = reading.header
    assert (header.official_name, header.iso2, header.iso3) == ("Kingdom of Morocco", "", "")
    assert (header.latitude, header.longitude) == (Decimal(32), Decimal(-5))
    assert reading.subscribe_name == "Morocco"
    titles = re.findall(
        r'^\d+\. "(.+?)"(?: \(|$)',
        (REFERENCE / "morocco-by-year.md").read_text().split("## Practices", 1)[1],
        re.M,
    )
    assert [p.title.text for p in reading.practices] == titles
    assert [p.submitted_by for p in reading.practices] == ["Ms. Laurence BRON"] * 4 + [
        "system admin",
        "Ms. Laurence BRON",
    ]
    assert (
        reading.practices[1]
        .description[0]
        .text.endswith("how to invest and start a business in Morocco (")
    )


def test_years_are_placed_by_evidence_not_by_counting():
    reading = read_page(MOROCCO, data_catalogue())
    evidence = {b.first_line: [e.text for e in b.evidence] for b in reading.blocks}
    assert "'Attended Meeting' is 2007's wording" in evidence[8]
    assert evidence[86][:2] == ["note of a year after 2016", "note of a year before 2018"]
    # 2018's block: the workshops of the block after it are 2018's (known titles).
    assert "thematic meeting of 2018, shown one block late" in evidence[95]
    # Without the thematic meetings known, 2018's block is open too, between 2017 and the last.
    bare = read_page(MOROCCO, data_catalogue(meetings=False))
    assert [(b.first_line, b.candidates[:2]) for b in bare.open_blocks] == [
        (95, ["2018", "2019"]),
        (106, ["2019", "2020"]),
    ]
    # A missing year is skipped, not counted: drop the 2009 block and 2010 stays 2010.
    lines = MOROCCO.splitlines()
    without_2009 = "\n".join(lines[:19] + lines[27:])
    years = list(read_page(without_2009, data_catalogue()).years())
    assert years[:3] == ["2007", "2008", "2010"]


def test_a_page_cut_off_mid_line_reads_up_to_the_cut():
    lines = MOROCCO.splitlines()
    cut = "\n".join(lines[:55]) + "\n" + lines[55][:30]  # line 56, in 2012's roles
    reading = read_page(cut, data_catalogue())
    assert reading.stopped_at == 56
    assert [(u.number, u.text) for u in reading.unread] == [(56, lines[55][:30].strip())]
    assert "cut off" in reading.unread[0].reason
    assert list(reading.years()) == [
        "2007", "2008", "2009", "2010", "2011", "2012",
    ]  # fmt: skip
    assert [r.line.number for r in reading.years()["2012"].roles] == [55]  # RT 2.1's is cut
    assert reading.practices == []


def test_an_unreadable_line_is_listed_with_its_number_never_dropped():
    lines = MOROCCO.splitlines()
    lines.insert(16, "  • Morocco sent a letter of support")  # 2008's roles
    lines.insert(40, "Attended Lunch")  # 2011's attendance
    reading = read_page("\n".join(lines), data_catalogue())
    assert [(u.number, u.text) for u in reading.unread] == [
        (17, "• Morocco sent a letter of support".lstrip("• ")),
        (41, "Attended Lunch"),
    ]
    assert len(reading.years()["2008"].roles) == 3


def test_a_page_for_another_country_is_refused():
    reading = read_page(MOROCCO, data_catalogue())
    with pytest.raises(WrongCountry, match="Kingdom of Morocco / Morocco"):
        check_country(reading, names=["Tunisia", "Republic of Tunisia"], iso2="TN", iso3="TUN")
    check_country(reading, names=["Morocco", "Kingdom of Morocco"], iso2="MA", iso3="MAR")
    # One name for this country and one for another: refused.
    mixed = read_page(
        MOROCCO.replace("Kingdom of Morocco", "Republic of Tunisia"), data_catalogue()
    )
    with pytest.raises(WrongCountry, match="Republic of Tunisia / Morocco"):
        check_country(
            mixed, names=["Tunisia", "Republic of Tunisia"], iso2="TN", iso3="TUN",
            other_names=["Morocco", "Kingdom of Morocco"],
        )  # fmt: skip
    with_codes = MOROCCO.replace("ISO2 Code\nISO3 Code", "ISO2 Code\nTN\nISO3 Code\nTUN")
    coded = read_page(with_codes, data_catalogue())
    assert (coded.header.iso2, coded.header.iso3) == ("TN", "TUN")
    with pytest.raises(WrongCountry, match="TUN"):
        check_country(coded, names=["Morocco"], iso2="MA", iso3="MAR")


# --- Lines in all their phrasings -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Co-Chair in RT 1.2. "Title A"', ("co_chair", "1.2", "Title A", "")),
        ('Team Member in RT 2.1 "Title B"', ("team_member", "2.1", "Title B", "")),
        ("Coordinator and Co-Chair in RT 1.2", ("coordinator_co_chair", "1.2", "", "")),
        ("Rapporteur in RT 2.1", ("rapporteur", "2.1", "", "")),
        (
            'Team Member in Cluster I "Labour mobility and development"',
            ("team_member", "", "", 'Cluster I "Labour mobility and development"'),
        ),
        (
            'Co-Chair in "Plaform for Partnerships" meeting',
            ("co_chair", "", "", '"Plaform for Partnerships" meeting'),
        ),
        ("Team Member in Business Roundtable", ("team_member", "", "", "Business Roundtable")),
        (
            "Coordinator of the Roundtable Team Consultations",
            ("coordinator", "", "", "the Roundtable Team Consultations"),
        ),
        ("No Participation", ("no_participation", "", "", "")),
        ("Morocco attended the roundtables", None),
        ('Co-Chair in RT 1.2 "unclosed', None),
    ],
)
def test_roundtable_role_lines(text, expected):
    role = read_role_line(Line(1, text))
    assert (role and (role.role, role.number, role.title, role.session)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("USD 25,000 Non-earnmarked", (Decimal(25000), "USD", "no", "")),
        ("100,000€ non-earmarked", (Decimal(100000), "EUR", "no", "")),
        (
            "Euro 31,250 for Assistance in translation costs",
            (Decimal(31250), "EUR", "unknown", "for Assistance in translation costs"),
        ),
        (
            "CHF 230,000 for Preparatory Activities and Adviser Fees",
            (Decimal(230000), "CHF", "unknown", "for Preparatory Activities and Adviser Fees"),
        ),
        (
            "SEK 1,000,000 (USD 154,131) in January 2014",
            (Decimal(1000000), "SEK", "unknown", "(USD 154,131) in January 2014"),
        ),
        (
            "Left-over from GFMD 2010/2011 79,102 USD",
            (Decimal(79102), "USD", "unknown", "Left-over from GFMD 2010/2011"),
        ),
        (
            "In kind contributions: International Advisor secondment",
            (None, "", "unknown", "In kind contributions: International Advisor secondment"),
        ),
        ("USD 48,342 (Left-over)", (Decimal(48342), "USD", "unknown", "Left-over")),
        (
            "Morocco contributed financially with left-over from 2016",
            (None, "", "unknown", "Morocco contributed financially with left-over from 2016"),
        ),
    ],
)
def test_contribution_lines(text, expected):
    c = read_contribution_line(Line(1, text))
    assert (c.amount, c.currency, c.earmarked, c.note) == expected


def test_dated_notes_place_their_block():
    catalogue = data_catalogue()
    page = (
        "Official Name\nRepublic of Testland\n"
        "Attended Summit\nFinancial Contribution\n  • USD 10,000 to the GFMD 2010 budget\n"
        "Attended Summit\nFinancial Contribution\n  • Left-over from contributions to GFMD 2012\n"
        "Subscribe to Testland"
    )
    reading = read_page(page, catalogue)
    assert next(b.candidates for b in reading.blocks) == ["2010"]
    assert reading.blocks[1].candidates[0] == "2013-2014"  # after 2012, still open
    assert reading.open_blocks == [reading.blocks[1]]


def test_the_site_wkt_writes_minutes_as_decimals():
    page = (
        "Official Name\nRepublic of Ecuador\nISO2 Code\nEC\nISO3 Code\nECU\n"
        "POINT (-77.3 -2)\nSubscribe to Ecuador"
    )
    header = read_page(page, data_catalogue()).header
    assert (header.longitude, header.latitude) == (Decimal("-77.5"), Decimal(-2))
    labelled = page.replace(
        "POINT", "Longitude\n2 00 S\nLatitude\n77 30 W\nPOINT"
    )  # the site's labels are swapped: the hemisphere decides
    reading = read_page(labelled, data_catalogue())
    assert (reading.header.longitude, reading.header.latitude) == (Decimal("-77.5"), Decimal(-2))
    assert reading.unread == []
    wrong = read_page(page.replace("POINT", "2 00 S\n78 00 W\nPOINT"), data_catalogue())
    assert [u.reason for u in wrong.unread] == ["the point disagrees with the coordinates"]


# --- Round trip -----------------------------------------------------------------------------


def profile_records(profile: Profile) -> dict[str, dict]:
    years = {}
    meetings_by_year = {label: data.meetings for label, data in profile.years.items()}
    for label, data in profile.years.items():
        years[label] = {
            "attendance": sorted(data.flags),
            "roles": sorted(data.roles),
            "meetings": sorted(meetings_by_year[label], key=repr),
            "recorded": data.recorded or bool(data.contributions),
            "contributions": list(data.contributions),
        }
    return years


def round_trip(profile: Profile, catalogue: Catalogue) -> PageReading:
    text, starts = render_page(profile)
    reading = read_page(text, catalogue)
    for block in reading.open_blocks:
        assert starts[block.first_line] in block.candidates, block
    reading.choose({block.first_line: starts[block.first_line] for block in reading.open_blocks})
    assert reading.unread == [], reading.unread
    header = reading.header
    assert (header.official_name, header.iso2, header.iso3) == (
        profile.official_name,
        profile.iso2,
        profile.iso3,
    )
    assert abs(header.latitude - profile.latitude) < Decimal("0.00001")
    assert abs(header.longitude - profile.longitude) < Decimal("0.00001")
    assert [
        (p.title.text, p.submitted_by, [d.text for d in p.description]) for p in reading.practices
    ] == [
        (title, by, [line for line in description if line.strip()])
        for title, by, description in profile.practices
    ]
    return reading


def test_round_trip_of_the_reference_data():
    profile = data_profile()
    reading = round_trip(profile, data_catalogue(meetings=False))
    assert read_years(reading) == profile_records(profile)


@pytest.mark.parametrize("seed", range(40))
def test_round_trip_of_random_profiles(seed):
    rng = random.Random(seed)
    catalogue = random_catalogue(rng)
    profile = random_profile(rng, catalogue)
    reading = round_trip(profile, catalogue)
    assert read_years(reading) == profile_records(profile)


def test_random_profiles_cover_the_phrasings():
    """The generator writes what the round trip claims to cover."""
    rng = random.Random(0)
    texts = []
    for _ in range(40):
        catalogue = random_catalogue(rng)
        texts.append(render_page(random_profile(rng, catalogue))[0])
    text = "\n".join(texts)
    for phrase in [
        "€", "Euro ", "CHF ", "SEK ", "GBP ", "non-earmarked", "earmarked (",
        "Coordinator and Co-Chair in RT", "Rapporteur in RT", "Cluster I", "Business Roundtable",
        "Co-Convener in", "Chair in the GFMD Thematic Workshop", "Thematic Workshops on",
        "No Participation", "No Financial Contribution", "Attended Meeting",
    ]:  # fmt: skip
        assert phrase in text, phrase
    assert re.search(r"\d [A-Z]{3} \n", text)  # the amount before its currency
    assert re.search(r"on \d{1,2} [A-Z][a-z]+-\d{1,2} [A-Z][a-z]+ \d{4}", text)  # 30 June-2 July
