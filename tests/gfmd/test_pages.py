"""gfmd/pages.py: a page's records through the import resources, all or nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from countries.models import (
    Attendance,
    Contribution,
    Country,
    CountryUpdate,
    Roundtable,
    RoundtableRole,
    ThematicMeeting,
    ThematicMeetingParticipation,
)
from gfmd.pages import WrongCountry, page_import
from practices.models import PracticeSubmission
from tests.factories import CountryFactory, ForumYearFactory, PracticeFactory, RoundtableFactory


@pytest.fixture
def testland(db) -> Country:
    for year in (2010, 2011, 2012):
        ForumYearFactory(label=str(year), sort_year=year)
    RoundtableFactory(forum_year__label="2010", number="1.1", title="Known 2010 session")
    RoundtableFactory(forum_year__label="2012", number="2.1", title="Known 2012 session")
    CountryFactory(name="Switzerland", official_name="Swiss Confederation", iso2="CH", iso3="CHE")
    return CountryFactory(
        name="Testland",
        slug="testland",
        official_name="Republic of Testland",
        iso2="TL",
        iso3="TLD",
        latitude=Decimal("10"),
        longitude=Decimal("20"),
    )


PAGE = """Official Name
Republic of Testland
ISO2 Code
TL
ISO3 Code
TLD
10 30 N
20 00 E
POINT (20 10.3)
Attended Summit
Delegate
Financial Contribution
  • CHF 230,000 for Preparatory Activities and Adviser Fees
RT Participation
  • Co-Chair in RT 1.1 "Known 2010 session"
Attended Prep Meetings
Thematic Meetings
- Chair in Thematic Meeting on "A meeting of 2010" on 30 June-2 July 2010 in Geneva, Switzerland.
Financial Contribution

No Financial Contribution

RT Participation
  • Rapporteur in RT 3.3 "A session not in the catalogue"
  • Team Member in RT 2.1 "Known 2012 session"
A practice of Testland

Submitted by Ms. Ana Test on

What it does.

Subscribe to Testland"""


def test_the_page_becomes_records_of_each_kind(testland):
    result = page_import(country=testland, text=PAGE, dry_run=False)
    assert result.problems == []
    assert result.written
    testland.refresh_from_db()
    assert testland.latitude == Decimal("10.5")  # 10 30 N: the page's, not the 10 stored
    attendance = Attendance.objects.get(country=testland, forum_year__label="2010")
    assert (attendance.attended_summit, attendance.contribution_recorded) == (True, True)
    assert Attendance.objects.get(country=testland, forum_year__label="2012").attended_prep_meetings
    contribution = Contribution.objects.get(country=testland)
    assert (contribution.amount, contribution.currency, contribution.note) == (
        Decimal(230000),
        "CHF",
        "for Preparatory Activities and Adviser Fees",
    )
    meeting = ThematicMeeting.objects.get(title="A meeting of 2010")
    assert (meeting.forum_year.label, meeting.start_date, meeting.end_date) == (
        "2010",
        datetime.date(2010, 6, 30),
        datetime.date(2010, 7, 2),
    )
    assert meeting.host_country.iso3 == "CHE"
    assert ThematicMeetingParticipation.objects.get(meeting=meeting).role == "chair"
    # A roundtable the catalogue lacks is placed in its block's year, as a new roundtable.
    new = Roundtable.objects.get(number="3.3")
    assert (new.forum_year.label, new.title) == ("2012", "A session not in the catalogue")
    assert RoundtableRole.objects.get(roundtable=new).role == "rapporteur"
    practice = PracticeSubmission.objects.get(title="A practice of Testland")
    assert practice.status == PracticeSubmission.Status.PENDING  # a moderator publishes it
    assert list(practice.countries.all()) == [testland]
    assert CountryUpdate.objects.filter(country=testland).count() == 1


def test_the_preview_tells_new_roundtables_and_lines_without_a_field(testland):
    result = page_import(country=testland, text=PAGE, dry_run=True)
    lines = {item.line.number: item for section in result.sections for item in section.lines}
    assert lines[11].status == "not stored"  # "Delegate": no field for it
    assert lines[24].messages == ['new roundtable: RT 3.3 "A session not in the catalogue" of 2012']
    assert lines[24].status == "new"
    assert lines[7].status == "changed"  # the latitude
    assert [s.title for s in result.sections] == ["Country", "2010", "2012", "Practices"]
    assert Roundtable.objects.filter(number="3.3").count() == 0
    assert Attendance.objects.count() == 0


def test_one_invalid_row_writes_nothing(testland):
    page = PAGE.replace("in Geneva, Switzerland.", "in Atlantis, Nowhere.")
    result = page_import(country=testland, text=page, dry_run=False)
    assert result.problems == ["line 18: no country named 'Nowhere'"]
    assert not result.written
    assert Attendance.objects.count() == 0
    assert Roundtable.objects.filter(number="3.3").count() == 0
    assert CountryUpdate.objects.count() == 0


def test_an_existing_practice_is_matched_by_its_title(testland):
    PracticeFactory(
        title="A practice of Testland",
        slug="a-practice",
        description="<p>What it does.</p>",
        submitted_by_name="Ms. Ana Test",
        submitted_on=None,
    ).countries.set([testland])
    result = page_import(country=testland, text=PAGE, dry_run=True)
    practices = next(s for s in result.sections if s.title == "Practices")
    assert {item.status for item in practices.lines} == {"unchanged"}


def test_a_page_for_another_country_is_refused(testland):
    other = CountryFactory(name="Otherland", iso2="OL", iso3="OTL")
    with pytest.raises(WrongCountry, match="ISO3 TLD"):
        page_import(country=other, text=PAGE, dry_run=True)
