from __future__ import annotations

import datetime
import shutil
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from countries.models import (
    Attendance,
    Contribution,
    Country,
    CountryUpdate,
    ForumYear,
    Roundtable,
    RoundtableRole,
    ThematicMeeting,
    ThematicMeetingParticipation,
)
from gfmd.services import DATA_FILES, DEFAULT_DATA_DIR
from imports.formats import CSV
from practices.models import PracticeSubmission
from tests.admin_forms import form_data
from tests.importing import upload

PROFILE_MODELS = [
    Roundtable,
    Attendance,
    RoundtableRole,
    ThematicMeeting,
    ThematicMeetingParticipation,
    Contribution,
    PracticeSubmission,
]
ALL_MODELS = [Country, ForumYear, *PROFILE_MODELS]

# Morocco's records per year, counted from tests/data/reference/morocco-by-year.md:
# attendance lines, roundtable roles, thematic meetings, financial contributions.
MOROCCO_BY_YEAR = {
    "2007": (["Attended Meeting"], 1, 0, 0),
    "2008": (["Attended Summit"], 3, 0, 0),
    "2009": (["Attended Prep Meetings", "Attended Summit"], 1, 0, 0),
    "2010": (["Attended Summit"], 4, 0, 0),
    "2011": (["Attended Prep Meetings", "Attended Summit"], 1, 2, 0),
    "2012": (["Attended Summit"], 2, 0, 0),
    "2013-2014": (["Attended Summit"], 2, 2, 0),
    "2014-2015": (["Attended Summit"], 1, 2, 0),
    "2016": (["Attended Summit"], 4, 2, 1),
    "2017": (["Attended Summit"], 1, 0, 2),
    "2018": (["Attended Summit"], 1, 3, 2),
    "2019": (["Attended Summit"], 0, 0, 0),
}


def load(*args: str, verbosity: int = 1) -> str:
    out = StringIO()
    call_command("load_gfmd_data", *args, verbosity=verbosity, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [*ALL_MODELS, CountryUpdate]
    history = {f"{m.__name__} history": m.history.count() for m in ALL_MODELS}
    return {m.__name__: m.objects.count() for m in models} | history


@pytest.fixture
def loaded(db) -> str:
    return load()


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A copy of the shipped data files that a test may change."""
    copy = tmp_path / "data"
    copy.mkdir()
    for path in DEFAULT_DATA_DIR.glob("*.csv"):
        shutil.copy(path, copy)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def morocco() -> Country:
    return Country.objects.get(iso3="MAR")


def test_load_counts(loaded):
    assert Country.objects.count() == 249
    assert ForumYear.objects.count() == 15
    assert Roundtable.objects.count() == 66  # countries/data/roundtables.csv
    mar = morocco()
    assert Attendance.objects.filter(country=mar).count() == 12
    assert RoundtableRole.objects.filter(country=mar).count() == 21
    assert ThematicMeeting.objects.count() == 11
    assert ThematicMeetingParticipation.objects.filter(country=mar).count() == 11
    assert Contribution.objects.filter(country=mar).count() == 5
    assert PracticeSubmission.objects.published().for_country(mar).count() == 6
    assert "countries.csv: 249 rows, created 249, updated 0, unchanged 0" in loaded
    assert "practices.csv: 6 rows, created 6, updated 0, unchanged 0" in loaded


@pytest.mark.parametrize(("label", "expected"), MOROCCO_BY_YEAR.items())
def test_morocco_records_per_year(loaded, label, expected):
    attendance_lines, roles, meetings, contributions = expected
    mar, year = morocco(), ForumYear.objects.get(label=label)
    assert Attendance.objects.get(country=mar, forum_year=year).lines == attendance_lines
    assert RoundtableRole.objects.filter(country=mar, forum_year=year).count() == roles
    participations = ThematicMeetingParticipation.objects.filter(
        country=mar, meeting__forum_year=year
    )
    assert participations.count() == meetings
    assert Contribution.objects.filter(country=mar, forum_year=year).count() == contributions


def test_morocco_header_facts(loaded):
    mar = morocco()
    assert (mar.name, mar.slug, mar.official_name) == ("Morocco", "morocco", "Kingdom of Morocco")
    assert (mar.iso2, mar.iso3) == ("MA", "MAR")
    assert (mar.latitude, mar.longitude) == (Decimal(32), Decimal(-5))
    assert (mar.latitude_dms, mar.longitude_dms, mar.wkt) == ("32 00 N", "5 00 W", "POINT (-5 32)")
    assert (mar.region, mar.subregion) == ("Africa", "Northern Africa")


def test_country_slugs_come_from_names(loaded):
    slugs = dict(Country.objects.values_list("iso3", "slug"))
    assert (slugs["ALA"], slugs["CIV"], slugs["TUR"]) == (
        "aland-islands",
        "cote-divoire",
        "turkiye",
    )


def test_forum_year_facts(loaded):
    year_2017 = ForumYear.objects.get(label="2017")
    assert sorted(c.name for c in year_2017.chairs.all()) == ["Germany", "Morocco"]
    assert year_2017.summit_city == "Berlin"
    year_2019 = ForumYear.objects.get(label="2019")
    assert (year_2019.summit_city, year_2019.summit_start, year_2019.summit_end) == (
        "Quito",
        datetime.date(2020, 1, 20),
        datetime.date(2020, 1, 24),
    )
    assert ForumYear.objects.get(label="2013-2014").sort_year == 2013
    assert list(ForumYear.objects.values_list("label", flat=True))[-2:] == [
        "2022-2023",
        "2024-2025",
    ]


def test_morocco_roles_outside_numbered_roundtables(loaded):
    roles = RoundtableRole.objects.filter(country=morocco(), roundtable__isnull=True)
    assert sorted(role.line for role in roles) == [
        'Co-Chair in "Plaform for Partnerships" meeting',
        "Coordinator of the Roundtable Team Consultations",
        "No Participation",
    ]


def test_morocco_thematic_meetings_and_contributions(loaded):
    marseille = ThematicMeeting.objects.get(city="Marseille")
    assert (marseille.start_date, marseille.end_date, marseille.host_country.iso3) == (
        datetime.date(2011, 6, 14),
        datetime.date(2011, 6, 15),
        "FRA",
    )
    assert ThematicMeeting.objects.get(city="Taroudant").host_country == morocco()
    assert ThematicMeeting.objects.get(city="Bangkok").kind == "thematic_workshop"
    undated = ThematicMeeting.objects.filter(forum_year__label="2018")
    assert {(m.start_date, m.city, m.host_country) for m in undated} == {(None, "", None)}
    lines = [c.line for c in Contribution.objects.filter(country=morocco()).order_by("pk")]
    assert lines == [
        "USD 50,000 non-earmarked",
        "Morocco contributed financially with left-over from 2016",
        "Morocco will host the GFMD Summit in December 2018",
        "USD 48,342 (Left-over)",
        "USD 207,622",
    ]


def test_practice_descriptions_are_escaped_paragraphs(loaded):
    first = PracticeSubmission.objects.get(slug__startswith="accompanying-program")
    assert first.description.count("<p>") == 2
    assert first.description.endswith(
        "<p>1. Strengthen capacities of a dedicated unit for the coordination of economic "
        "initiatives of Moroccans residing abroad within the MCMREAM.</p>"
    )
    assert (first.submitted_by_name, first.submitted_on, first.status) == (
        "Ms. Laurence BRON",
        None,
        "published",
    )
    submitters = PracticeSubmission.objects.values_list("submitted_by_name", flat=True)
    assert sorted(set(submitters)) == ["Ms. Laurence BRON", "system admin"]


def test_first_load_records_one_country_update_for_morocco(loaded):
    update = CountryUpdate.objects.get()
    assert (update.country, update.source) == (morocco(), CountryUpdate.Source.DATA_LOAD)
    assert "2018: added No Participation" in update.summary
    assert 'Practices: added "Tamkine Migrants for women migrants"' in update.summary
    assert "Country update for Morocco" in loaded


def test_second_run_changes_nothing(loaded, django_assert_max_num_queries):
    before = counts()
    updated_at = morocco().updated_at
    with django_assert_max_num_queries(1600):  # 1,481 on SQLite
        output = load()
    assert counts() == before
    assert morocco().updated_at == updated_at
    assert "countries.csv: 249 rows, created 0, updated 0, unchanged 249" in output
    assert output.rstrip().endswith("Nothing changed.")


def test_second_run_restores_edited_records_and_records_the_change(loaded):
    Attendance.objects.filter(forum_year__label="2009").update(attended_summit=False)
    Country.objects.filter(iso3="MAR").update(official_name="Morocco")

    output = load()

    assert "countries.csv: 249 rows, created 0, updated 1, unchanged 248" in output
    assert "attendance.csv: 12 rows, created 0, updated 1, unchanged 11" in output
    assert morocco().official_name == "Kingdom of Morocco"
    assert Attendance.objects.get(forum_year__label="2009").attended_summit
    assert CountryUpdate.objects.count() == 2
    assert CountryUpdate.objects.first().summary == (
        'Official name: "Morocco" changed to "Kingdom of Morocco"\n2009: added Attended Summit'
    )


def test_if_empty_loads_a_new_database_only(db):
    assert "Reference data loaded." in load("--if-empty")
    assert Country.objects.count() == 249

    # A restart of the web container: what editors changed stays as they left it.
    Country.objects.filter(iso3="MAR").update(official_name="Morocco")
    before = counts()
    assert "The database has countries already: nothing loaded." in load("--if-empty")
    assert morocco().official_name == "Morocco"
    assert counts() == before


def test_changed_files_update_rows_and_relations(loaded, data_dir):
    edit(data_dir / "forum_years.csv", "2009,2009,GRC,", "2009,2009,GRC;MAR,")
    edit(
        data_dir / "roundtables.csv",
        "2016,2.2,Protection of migrants in all situations",
        "2016,2.2,Protection of all migrants",
    )
    edit(data_dir / "contributions.csv", "MAR,2018,207622,USD,unknown,", "MAR,2018,207622,USD,yes,")
    history_before = RoundtableRole.history.count()

    output = load("--data-dir", str(data_dir), verbosity=2)

    assert "forum_years.csv: 15 rows, created 0, updated 1, unchanged 14" in output
    assert "  line 4: updated 2009" in output
    assert "roundtables.csv: 66 rows, created 0, updated 1, unchanged 65" in output
    assert "contributions.csv: 5 rows, created 0, updated 1, unchanged 4" in output
    assert {c.iso3 for c in ForumYear.objects.get(label="2009").chairs.all()} == {"GRC", "MAR"}
    assert RoundtableRole.history.count() == history_before
    summary = CountryUpdate.objects.first().summary.splitlines()
    assert summary == [
        '2016: added Team Member in RT 2.2 "Protection of all migrants"',
        "2018: added USD 207,622 earmarked",
        '2016: removed Team Member in RT 2.2 "Protection of migrants in all situations"',
        "2018: removed USD 207,622",
    ]


def test_a_new_row_in_a_file_is_added_and_nothing_is_deleted(loaded, data_dir):
    with (data_dir / "attendance.csv").open("a", encoding="utf-8") as csv_file:
        csv_file.write("FRA,2007,no,no,yes,yes\n")
    lines = (data_dir / "contributions.csv").read_text().splitlines()
    (data_dir / "contributions.csv").write_text("\n".join(lines[:2]) + "\n")

    output = load("--data-dir", str(data_dir))

    assert "attendance.csv: 13 rows, created 1, updated 0, unchanged 12" in output
    assert "contributions.csv: 1 rows, created 0, updated 0, unchanged 1" in output
    assert Contribution.objects.count() == 5
    france_update = CountryUpdate.objects.get(country__iso3="FRA")
    assert france_update.summary == "2007: added Attended Summit"


def test_dry_run_writes_nothing(db):
    output = load("--dry-run")
    assert "countries.csv: 249 rows, created 249, updated 0, unchanged 0" in output
    assert "Dry run: rolled back, nothing was written." in output
    assert set(counts().values()) == {0}


def test_dry_run_reports_changes_without_making_them(loaded, data_dir):
    edit(data_dir / "attendance.csv", "MAR,2009,no,yes,yes", "MAR,2009,yes,yes,yes")
    before = counts()

    output = load("--dry-run", "--data-dir", str(data_dir))

    assert "attendance.csv: 12 rows, created 0, updated 1, unchanged 11" in output
    assert "Country update for Morocco: 1 changed lines" in output
    assert counts() == before
    assert not Attendance.objects.get(forum_year__label="2009").attended_meeting


def test_verbosity(db):
    assert load(verbosity=0) == ""
    detailed = load(verbosity=2)
    assert "countries/data/countries.csv: 249 rows" in detailed
    assert "unchanged 249" in detailed
    assert "  created" not in detailed
    Country.objects.filter(iso3="MAR").update(region="Elsewhere")
    assert "  line 150: updated Morocco" in load(verbosity=2)


# (file, text to replace, replacement, what the message says, line reported). A row is
# reported on the line where it starts: the first row of practices.csv spans lines 2-3.
MALFORMED = {
    "bad coordinate": (
        "countries.csv",
        "Northern Africa,32 00 N,5 00 W",
        "Northern Africa,32 75 N,5 00 W",
        """column "latitude": minutes must be below 60: '32 75 N'""",
        150,
    ),
    "latitude given as longitude": (
        "countries.csv",
        "Northern Africa,32 00 N,5 00 W",
        "Northern Africa,5 00 W,32 00 N",
        """column "latitude": '5 00 W' must end in N or S""",
        150,
    ),
    "bad ISO3 code": (
        "countries.csv",
        "MA,MAR,Morocco",
        "MA,Mar,Morocco",
        'column "iso3": Enter three capital letters',
        150,
    ),
    "unknown chair": (
        "forum_years.csv",
        "2009,2009,GRC,",
        "2009,2009,GRX,",
        "unknown country code 'GRX'",
        4,
    ),
    "bad date": (
        "forum_years.csv",
        "Quito,2020-01-20,2020-01-24",
        "Quito,2020-01-20,2020-01-32",
        """column "summit_end": '2020-01-32' is not a date; write dates like 2020-05-31""",
        13,
    ),
    "wrong column count": (
        "roundtables.csv",
        "2016,2.2,Protection of migrants in all situations",
        "2016,2.2,Protection of migrants, in all situations",
        "row 17 has more cells than the header row names",
        17,
    ),
    "broken quoting": (
        "roundtables.csv",
        '2016,2.1,"Migration, diversity and harmonious societies"',
        '2016,2.1,"Migration, diversity" and harmonious societies',
        "This CSV file cannot be read: ',' expected after '\"' (line 16)",
        16,
    ),
    "unknown forum year": (
        "attendance.csv",
        "MAR,2009,no,yes,yes",
        "MAR,2021,no,yes,yes",
        "unknown forum year '2021'",
        4,
    ),
    "duplicate key": (
        "attendance.csv",
        "MAR,2010,no,no,yes",
        "MAR,2009,no,no,yes",
        "repeats line 4 (same country, forum_year)",
        5,
    ),
    "not yes or no": (
        "attendance.csv",
        "MAR,2012,no,no,yes",
        "MAR,2012,no,no,maybe",
        """column "attended_summit": 'maybe' is not yes or no""",
        7,
    ),
    "contribution recorded not yes or no": (
        "attendance.csv",
        "MAR,2019,no,no,yes,no",
        "MAR,2019,no,no,yes,unknown",
        """column "contribution_recorded": 'unknown' is not yes or no""",
        13,
    ),
    "unknown country": (
        "roundtable_roles.csv",
        "MAR,2009,co_chair,3.1,",
        "MRC,2009,co_chair,3.1,",
        "unknown country code 'MRC'",
        6,
    ),
    "unknown roundtable": (
        "roundtable_roles.csv",
        "MAR,2009,co_chair,3.1,",
        "MAR,2009,co_chair,3.4,",
        "unknown roundtable '3.4' in forum year 2009",
        6,
    ),
    "unknown role": (
        "roundtable_roles.csv",
        "MAR,2017,coordinator,",
        "MAR,2017,organiser,",
        "unknown role 'organiser' (use one of: Co-Chair, Team Member, Coordinator, "
        "Coordinator and Co-Chair, Rapporteur, No Participation)",
        21,
    ),
    "role with both targets": (
        "roundtable_roles.csv",
        'MAR,2013-2014,co_chair,,"',
        'MAR,2013-2014,co_chair,2.1,"',
        "Give either a roundtable or a session without number",
        15,
    ),
    "empty required cell": (
        "thematic_meetings.csv",
        "2018,thematic_workshop,Labour Migration and Skills,,,,",
        "2018,thematic_workshop,,,,,",
        'column "title": This field cannot be blank.',
        11,
    ),
    "end before start": (
        "thematic_meetings.csv",
        "2011-06-14,2011-06-15,Marseille",
        "2011-06-14,2011-06-13,Marseille",
        'column "end_date": The meeting cannot end before it starts.',
        2,
    ),
    "unknown meeting": (
        "thematic_participations.csv",
        "MAR,2018,Labour Migration and Skills,",
        "MAR,2018,Labour Migration and Skill,",
        "unknown thematic meeting 'Labour Migration and Skill' in forum year 2018",
        11,
    ),
    "negative amount": (
        "contributions.csv",
        "MAR,2018,48342,",
        "MAR,2018,-48342,",
        'column "amount": Ensure this value is greater than or equal to 0.',
        5,
    ),
    "amount without currency": (
        "contributions.csv",
        "MAR,2018,48342,USD,",
        "MAR,2018,48342,,",
        'column "currency": An amount needs a currency code.',
        5,
    ),
    "misspelt column": (
        "contributions.csv",
        "earmarked,note\n",
        "earmarked,notes\n",
        'The file has a column "notes" (did you mean "note"?)',
        1,
    ),
    "bad slug after a two-line row": (
        "practices.csv",
        "medma-ii-pilot-project",
        "medma ii pilot project",
        'column "slug": Enter a valid “slug”',
        4,
    ),
    "unknown practice status": (
        "practices.csv",
        ",Ms. Laurence BRON,,published,MAR\nmedma",
        ",Ms. Laurence BRON,,online,MAR\nmedma",
        "unknown status 'online' (use one of: Pending moderation, Published, Rejected)",
        2,
    ),
    "currency without an amount": (
        "contributions.csv",
        "MAR,2017,,,unknown,Morocco will host",
        "MAR,2017,,USD,unknown,Morocco will host",
        'column "currency": A currency code goes with an amount; leave it empty without one.',
        4,
    ),
    # What the database would refuse (PostgreSQL) or store otherwise (SQLite) is refused
    # before anything is written, with the file and line (imports.validation).
    "amount with more decimals than the column": (
        "contributions.csv",
        "MAR,2016,50000,USD",
        "MAR,2016,50000.125,USD",
        'column "amount": Ensure that there are no more than 2 decimal places.',
        2,
    ),
    "amount with more decimals than the currency": (
        "contributions.csv",
        "MAR,2016,50000,USD",
        "MAR,2016,50000.5,JPY",
        'column "amount": An amount in JPY has at most 0 decimals.',
        2,
    ),
    "amount beyond the column": (
        "contributions.csv",
        "MAR,2016,50000,USD",
        "MAR,2016,1e15,USD",
        'column "amount": Ensure that there are no more than 14 digits in total.',
        2,
    ),
    "sort year beyond a small integer": (
        "forum_years.csv",
        "2009,2009,GRC,",
        "2009,99999,GRC,",
        'column "sort_year": Ensure this value is less than or equal to 32767.',
        4,
    ),
    "text longer than its column": (
        "forum_years.csv",
        ",Athens,",
        f",{'Athens' * 20},",
        'column "summit_city": Ensure this value has at most 100 characters (it has 120).',
        4,
    ),
    "NUL character": (
        "roundtables.csv",
        "2016,2.2,Protection of migrants in all situations",
        "2016,2.2,Protection of migrants\x00 in all situations",
        "This file is not text in UTF-8",
        17,
    ),
    "column named twice": (
        "attendance.csv",
        "contribution_recorded\n",
        "attended_summit\n",
        'The column "attended_summit" appears twice.',
        1,
    ),
    "unknown column": (
        "attendance.csv",
        "contribution_recorded\n",
        "contribution_recorde\n",
        'The file has a column "contribution_recorde" (did you mean "contribution_recorded"?)',
        1,
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "old", "new", "message", "line"), MALFORMED.values(), ids=MALFORMED
)
def test_malformed_file_stops_with_file_and_line_and_writes_nothing(
    data_dir, name, old, new, message, line
):
    path = data_dir / name
    edit(path, old, new)

    with pytest.raises(CommandError) as error:
        load("--data-dir", str(data_dir))

    assert str(error.value).startswith(f"{path}, line {line}: ")
    assert message in str(error.value)
    assert Country.objects.count() == 0
    assert CountryUpdate.objects.count() == 0


@pytest.mark.django_db
def test_a_missing_file_is_named(data_dir):
    (data_dir / "practices.csv").unlink()
    with pytest.raises(CommandError, match=r"practices\.csv: file not found"):
        load("--data-dir", str(data_dir))
    assert Country.objects.count() == 0


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused_with_its_line(data_dir):
    path = data_dir / "forum_years.csv"
    path.write_bytes(path.read_bytes().replace(b"Athens", "Ath\u00e8nes".encode("latin-1")))
    with pytest.raises(CommandError, match=rf"^{path}, line 4: This file is not text in UTF-8"):
        load("--data-dir", str(data_dir))


@pytest.mark.django_db
def test_a_row_the_database_would_refuse_is_named_and_nothing_is_written():
    Country.objects.create(
        name="Old Morocco", slug="morocco", iso2="XM", iso3="XMA", latitude=0, longitude=0
    )
    with pytest.raises(CommandError) as error:
        load()
    assert str(error.value) == (
        "countries/data/countries.csv, line 150: Country with this Slug already exists.\n"
        "Nothing was written."
    )
    assert list(Country.objects.values_list("iso3", flat=True)) == ["XMA"]
    assert ForumYear.objects.count() == 0


# Morocco's attendance and contributions as the files had them before the year table was
# corrected (2026-12-02): the flags and the contributions one forum year too early.
FIRST_READING = {
    "attendance.csv": "country,forum_year,attended_meeting,attended_prep_meetings,"
    """attended_summit,contribution_recorded
MAR,2007,yes,no,yes,yes
MAR,2008,no,yes,yes,yes
MAR,2009,no,no,yes,yes
MAR,2010,no,yes,yes,yes
MAR,2011,no,no,yes,yes
MAR,2012,no,no,yes,yes
MAR,2013-2014,no,no,yes,yes
MAR,2014-2015,no,no,yes,yes
MAR,2016,no,no,yes,yes
MAR,2017,no,no,yes,yes
MAR,2018,no,no,yes,yes
""",
    "contributions.csv": """country,forum_year,amount,currency,earmarked,note
MAR,2014-2015,50000,USD,no,
MAR,2016,,,unknown,Morocco contributed financially with left-over from 2016
MAR,2016,,,unknown,Morocco will host the GFMD Summit in December 2018
MAR,2017,48342,USD,unknown,Left-over
MAR,2017,207622,USD,unknown,
""",
}


def test_loading_the_corrected_files_over_the_first_reading_moves_the_records(db, data_dir):
    for name, text in FIRST_READING.items():
        (data_dir / name).write_text(text, encoding="utf-8")
    load("--data-dir", str(data_dir))
    history = {model: model.history.count() for model in ALL_MODELS}
    updates = CountryUpdate.objects.count()

    output = load(verbosity=2)

    assert "attendance.csv: 12 rows, created 1, updated 5, unchanged 6" in output
    # Moved to their years, not copied beside the old rows.
    assert "contributions.csv: 5 rows, created 0, updated 5, unchanged 0" in output
    assert "  line 2: updated Morocco 2016: USD 50,000 non-earmarked" in output
    assert {
        m: m.history.count() - history[m] for m in ALL_MODELS if m.history.count() != history[m]
    } == {
        Attendance: 6,
        Contribution: 5,
    }
    reasons = Contribution.history.filter(history_type="~").values_list(
        "history_change_reason", flat=True
    )
    assert set(reasons) == {"Imported from countries/data/contributions.csv (load_gfmd_data)"}
    assert CountryUpdate.objects.count() == updates + 1
    update = CountryUpdate.objects.order_by("pk").last()
    assert (update.country, update.source) == (morocco(), CountryUpdate.Source.DATA_LOAD)
    assert update.summary.splitlines() == [
        "2009: added Attended Prep Meetings",
        "2011: added Attended Prep Meetings",
        "2016: added USD 50,000 non-earmarked",
        "2017: added Morocco contributed financially with left-over from 2016",
        "2017: added Morocco will host the GFMD Summit in December 2018",
        "2018: added USD 48,342 (Left-over)",
        "2018: added USD 207,622",
        "2019: added Attended Summit",
        "2007: removed Attended Summit",
        "2008: removed Attended Prep Meetings",
        "2010: removed Attended Prep Meetings",
        "2014-2015: removed USD 50,000 non-earmarked",
        "2016: removed Morocco contributed financially with left-over from 2016",
        "2016: removed Morocco will host the GFMD Summit in December 2018",
        "2017: removed USD 48,342 (Left-over)",
        "2017: removed USD 207,622",
    ]
    for label, (attendance_lines, _, _, contributions) in MOROCCO_BY_YEAR.items():
        year = ForumYear.objects.get(label=label)
        assert Attendance.objects.get(country=morocco(), forum_year=year).lines == attendance_lines
        assert Contribution.objects.filter(forum_year=year).count() == contributions

    before = counts()
    assert load().rstrip().endswith("Nothing changed.")
    assert counts() == before


def test_loading_the_contribution_column_over_data_without_it_hides_the_years_part(db, data_dir):
    """Data loaded before attendance.csv had `contribution_recorded` has every year's
    contribution on record (the column's default); the shipped files take 2007 and 2019 off
    the record, which the page and the country update tell."""
    edit(data_dir / "attendance.csv", "MAR,2007,yes,no,no,no", "MAR,2007,yes,no,no,yes")
    edit(data_dir / "attendance.csv", "MAR,2019,no,no,yes,no", "MAR,2019,no,no,yes,yes")
    load("--data-dir", str(data_dir))
    assert Attendance.objects.filter(contribution_recorded=False).count() == 0
    updates = CountryUpdate.objects.count()

    output = load()

    assert "attendance.csv: 12 rows, created 0, updated 2, unchanged 10" in output
    assert set(
        Attendance.objects.filter(contribution_recorded=False).values_list(
            "forum_year__label", flat=True
        )
    ) == {"2007", "2019"}
    assert CountryUpdate.objects.count() == updates + 1
    assert CountryUpdate.objects.order_by("pk").last().summary.splitlines() == [
        "2007: removed No Financial Contribution",
        "2019: removed No Financial Contribution",
    ]
    assert load().rstrip().endswith("Nothing changed.")


def test_amounts_with_cents_load_once(db, data_dir):
    """50000.125 used to be rounded by the database, so that every rerun found no match and
    added the contribution again; an amount the column holds exactly matches on rerun."""
    edit(data_dir / "contributions.csv", "MAR,2016,50000,USD", "MAR,2016,50000.50,USD")
    load("--data-dir", str(data_dir))
    before = counts()

    assert load("--data-dir", str(data_dir)).rstrip().endswith("Nothing changed.")

    assert counts() == before
    amounts = Contribution.objects.filter(forum_year__label="2016").values_list("amount", flat=True)
    assert list(amounts) == [Decimal("50000.50")]


def test_a_staff_edit_survives_if_empty_and_a_plain_rerun_overwrites_it(loaded, admin_client):
    url = reverse("admin:countries_country_change", args=[morocco().pk])
    data = form_data(admin_client.get(url), "country_form")
    data["official_name"] = ["Royaume du Maroc"]
    assert admin_client.post(url, data).status_code == 302
    assert morocco().official_name == "Royaume du Maroc"
    before = counts()

    assert "The database has countries already: nothing loaded." in load("--if-empty")
    assert morocco().official_name == "Royaume du Maroc"
    assert counts() == before

    output = load()
    assert "countries.csv: 249 rows, created 0, updated 1, unchanged 248" in output
    assert morocco().official_name == "Kingdom of Morocco"
    update = CountryUpdate.objects.order_by("pk").last()
    assert (update.country, update.source) == (morocco(), CountryUpdate.Source.DATA_LOAD)
    assert update.summary == 'Official name: "Royaume du Maroc" changed to "Kingdom of Morocco"'
    assert CountryUpdate.objects.count() == before["CountryUpdate"] + 1


ADMIN_IMPORTS = {
    "countries.csv": "admin:countries_country_import",
    "forum_years.csv": "admin:countries_forumyear_import",
    "roundtables.csv": "admin:countries_roundtable_import",
    "attendance.csv": "admin:countries_attendance_import",
    "roundtable_roles.csv": "admin:countries_roundtablerole_import",
    "thematic_meetings.csv": "admin:countries_thematicmeeting_import",
    "thematic_participations.csv": "admin:countries_thematicmeetingparticipation_import",
    "contributions.csv": "admin:countries_contribution_import",
    "practices.csv": "admin:practices_practicesubmission_import",
}


def test_every_data_file_is_an_admin_import_file():
    assert sorted(ADMIN_IMPORTS) == sorted(name for name, _resource, _options in DATA_FILES)
    assert sorted(ADMIN_IMPORTS) == sorted(path.name for path in DEFAULT_DATA_DIR.glob("*.csv"))


@pytest.mark.parametrize(("name", "url_name"), ADMIN_IMPORTS.items(), ids=ADMIN_IMPORTS)
def test_each_shipped_file_previews_unchanged_in_the_admin_import(
    loaded, admin_client, name, url_name
):
    """A staff member can open a shipped file, edit it and import it in the admin: as
    shipped, after a load, its preview finds every row unchanged."""
    path = DEFAULT_DATA_DIR / name
    response = upload(admin_client, url_name, path.read_bytes(), name)

    result = response.context["result"]
    assert result.error_messages() == []
    rows = len(CSV(encoding="utf-8-sig").create_dataset(path.read_bytes()))
    assert result.counts() == {"new": 0, "updated": 0, "unchanged": rows, "error": 0}


def test_compose_and_make_run_load_the_reference_data_into_an_empty_database_only():
    """A restart of `web` (or of `make run`) must not bring staff edits back to the files."""
    compose = (Path(settings.BASE_DIR) / "docker-compose.yml").read_text()
    runs = [line.strip() for line in compose.splitlines() if "load_gfmd_data" in line]
    assert runs == ["python manage.py load_gfmd_data --if-empty &&"]
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text()
    runs = [line.strip() for line in makefile.splitlines() if "load_gfmd_data" in line]
    assert runs == ["$(LOCAL_ENV) $(PY) manage.py load_gfmd_data --if-empty"]
