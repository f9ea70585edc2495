from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import translation

from countries.models import (
    Contribution,
    RoundtableRole,
    ThematicMeeting,
    ThematicMeetingParticipation,
    attendance_lines,
    roundtable_role_line,
)
from countries.profile import (
    changed_sections,
    country_profile,
    describe_profile_changes,
    format_date_range,
    meeting_phrases,
    profile_lines,
    quoted_list,
)
from tests.factories import (
    AttendanceFactory,
    ContributionFactory,
    ForumYearFactory,
    PracticeFactory,
    RoundtableFactory,
    RoundtableRoleFactory,
    ThematicMeetingFactory,
    ThematicMeetingParticipationFactory,
)

D = datetime.date


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        (D(2013, 5, 22), None, "22 May 2013"),
        (D(2013, 5, 22), D(2013, 5, 22), "22 May 2013"),
        (D(2011, 6, 14), D(2011, 6, 15), "14-15 June 2011"),
        (D(2011, 6, 30), D(2011, 7, 2), "30 June-2 July 2011"),
        (D(2011, 12, 30), D(2012, 1, 2), "30 December 2011-2 January 2012"),
    ],
)
def test_format_date_range(start, end, text):
    assert format_date_range(start, end) == text


def test_quoted_list_uses_the_serial_comma_from_three_titles():
    phrases = meeting_phrases("en")
    assert quoted_list(["A"], phrases) == '"A"'
    assert quoted_list(["A", "B"], phrases) == '"A" and "B"'
    assert quoted_list(["A", "B", "C"], phrases) == '"A", "B", and "C"'


@pytest.mark.django_db
class TestLines:
    def test_roundtable_role_lines(self, morocco):
        rt = RoundtableFactory(number="1.2", title="Temporary labor migration")
        role = RoundtableRoleFactory(country=morocco, roundtable=rt, role="co_chair")
        assert role.line == 'Co-Chair in RT 1.2 "Temporary labor migration"'
        year = rt.forum_year
        session = RoundtableRole(
            country=morocco,
            forum_year=year,
            role="co_chair",
            session='"Plaform for Partnerships" meeting',
        )
        assert session.line == 'Co-Chair in "Plaform for Partnerships" meeting'
        coordinator = RoundtableRole(
            country=morocco,
            forum_year=year,
            role="coordinator",
            session="the Roundtable Team Consultations",
        )
        assert coordinator.line == "Coordinator of the Roundtable Team Consultations"
        nothing = RoundtableRole(country=morocco, forum_year=year, role="no_participation")
        assert nothing.line == "No Participation"

    @pytest.mark.parametrize(
        ("amount", "earmarked", "note", "line"),
        [
            (Decimal("50000"), "no", "", "USD 50,000 non-earmarked"),
            (Decimal("48342"), "unknown", "Left-over", "USD 48,342 (Left-over)"),
            (Decimal("1234.50"), "yes", "", "USD 1,234.50 earmarked"),
            (None, "unknown", "Pledged in kind", "Pledged in kind"),
        ],
    )
    def test_contribution_lines(self, amount, earmarked, note, line):
        contribution = Contribution(
            amount=amount,
            currency="USD" if amount is not None else "",
            earmarked=earmarked,
            note=note,
        )
        assert contribution.line == line

    def test_thematic_lines_dated_and_grouped(self, morocco):
        year = ForumYearFactory(label="2011", sort_year=2011)
        france = morocco.__class__.objects.create(
            name="France", slug="france", iso2="FR", iso3="FRA", latitude=46, longitude=2
        )
        dated = ThematicMeetingFactory(
            forum_year=year,
            title="Managing Migration",
            start_date=D(2011, 6, 14),
            end_date=D(2011, 6, 15),
            city="Marseille",
            host_country=france,
        )
        ThematicMeetingParticipationFactory(meeting=dated, country=morocco, role="co_chair")
        for title in ["A", "B", "C"]:
            meeting = ThematicMeetingFactory(
                forum_year=year,
                title=title,
                start_date=None,
                end_date=None,
                city="",
                kind=ThematicMeeting.Kind.THEMATIC_WORKSHOP,
            )
            ThematicMeetingParticipationFactory(
                meeting=meeting,
                country=morocco,
                role=ThematicMeetingParticipation.Role.PARTICIPATED,
            )
        [section] = country_profile(morocco)
        assert section.thematic_meetings == [
            'Co-Chair in Thematic Meeting on "Managing Migration" on 14-15 June 2011 '
            "in Marseille, France.",
            'Participated in the Thematic Workshops on "A", "B", and "C"',
        ]


@pytest.mark.django_db
def test_country_profile_orders_years_and_roundtables(morocco):
    later = ForumYearFactory(label="2013-2014", sort_year=2013)
    earlier = ForumYearFactory(label="2007", sort_year=2007)
    for number in ["1.10", "3.1", "1.2"]:
        RoundtableRoleFactory(
            country=morocco, roundtable=RoundtableFactory(forum_year=later, number=number)
        )
    AttendanceFactory(country=morocco, forum_year=earlier, attended_meeting=True)
    sections = country_profile(morocco)
    assert [s.forum_year.label for s in sections] == ["2007", "2013-2014"]
    assert sections[0].attendance == ["Attended Meeting", "Attended Summit"]
    assert sections[0].contributions == []
    numbers = [line.split(" ")[4] for line in sections[1].roundtable_roles]
    assert numbers == ["1.2", "1.10", "3.1"]


def test_country_profile_composes_the_lines_that_the_records_have(morocco):
    """The profile reads records as values: its lines are the models' own `line`/`lines`,
    for every kind of roundtable role and contribution."""
    year = ForumYearFactory(label="2012", sort_year=2012)
    attendance = AttendanceFactory(
        country=morocco, forum_year=year, attended_meeting=True, attended_prep_meetings=True
    )
    roles = [
        RoundtableRoleFactory(country=morocco, forum_year=year, roundtable__forum_year=year),
        RoundtableRoleFactory(
            country=morocco,
            forum_year=year,
            roundtable=RoundtableFactory(forum_year=year, number=""),
        ),
        RoundtableRoleFactory(
            country=morocco,
            forum_year=year,
            roundtable=None,
            role=RoundtableRole.Role.COORDINATOR,
            session="the Roundtable Team Consultations",
        ),
        RoundtableRoleFactory(
            country=morocco,
            forum_year=year,
            roundtable=None,
            role=RoundtableRole.Role.NO_PARTICIPATION,
        ),
    ]
    contributions = [
        ContributionFactory(country=morocco, forum_year=year, note="Left-over"),
        ContributionFactory(
            country=morocco, forum_year=year, amount=None, currency="", note="In kind"
        ),
        ContributionFactory(
            country=morocco, forum_year=year, earmarked=Contribution.Earmarked.UNKNOWN
        ),
    ]
    [section] = country_profile(morocco)
    assert section.attendance == attendance.lines
    assert sorted(section.roundtable_roles) == sorted(role.line for role in roles)
    assert section.contributions == [contribution.line for contribution in contributions]
    assert [charted.line for charted in section.charted] == [
        contributions[0].line,
        contributions[2].line,
    ]


def test_meeting_lines_are_in_each_request_language_in_turn(morocco):
    """The phrases are translated once per language: never the first language asked for."""
    year = ForumYearFactory(label="2011", sort_year=2011)
    meeting = ThematicMeetingFactory(
        forum_year=year, title="Managing Migration", start_date=D(2011, 6, 14), end_date=None
    )
    ThematicMeetingParticipationFactory(meeting=meeting, country=morocco, role="co_chair")
    lines = {}
    for language in ["en", "fr", "es", "en"]:
        with translation.override(language):
            [section] = country_profile(morocco)
            lines.setdefault(language, set()).update(section.thematic_meetings)
    assert lines["en"] == {
        f'Co-Chair in Thematic Meeting on "Managing Migration" on 14 June 2011 in {meeting.city}.'
    }
    assert "juin" in lines["fr"].pop() and "junio" in lines["es"].pop()


@pytest.mark.django_db
def test_year_sections_are_sorted_oldest_first_whatever_order_the_records_come_in(client, morocco):
    """No attendance (whose default ordering is by year) to hide the sort: each year is
    first reached through roundtable roles (ordered by number) or contributions (by pk),
    all created newest year first."""
    years = {
        label: ForumYearFactory(label=label, sort_year=int(label[:4]))
        for label in ["2016", "2013-2014", "2010", "2008"]
    }
    ContributionFactory(country=morocco, forum_year=years["2016"])
    ContributionFactory(country=morocco, forum_year=years["2010"])
    RoundtableRoleFactory(
        country=morocco, roundtable=RoundtableFactory(forum_year=years["2013-2014"], number="1.1")
    )
    RoundtableRoleFactory(
        country=morocco, roundtable=RoundtableFactory(forum_year=years["2008"], number="3.1")
    )
    oldest_first = ["2008", "2010", "2013-2014", "2016"]

    assert [s.forum_year.label for s in country_profile(morocco)] == oldest_first
    html = client.get(morocco.get_absolute_url()).content.decode()
    assert re.findall(r'<section class="forum-year" id="year-([\d-]+)"', html) == oldest_first


@pytest.mark.django_db
def test_describe_profile_changes(morocco):
    year = ForumYearFactory(label="2018", sort_year=2018)
    AttendanceFactory(country=morocco, forum_year=year)
    before = profile_lines(morocco)
    assert describe_profile_changes(before, profile_lines(morocco)) == ""

    role = RoundtableRoleFactory(
        country=morocco,
        roundtable=RoundtableFactory(forum_year=year, number="2.1", title="Skills"),
        role="co_chair",
    )
    ContributionFactory(country=morocco, forum_year=year)
    morocco.official_name = "The Kingdom of Morocco"
    morocco.save()
    PracticeFactory(title="Tamkine Migrants", countries=[morocco])
    after = profile_lines(morocco)
    assert describe_profile_changes(before, after).splitlines() == [
        'Official name: "Kingdom of Morocco" changed to "The Kingdom of Morocco"',
        '2018: added Co-Chair in RT 2.1 "Skills"',
        "2018: added USD 50,000 non-earmarked",
        'Practices: added "Tamkine Migrants"',
    ]
    role.delete()
    assert describe_profile_changes(after, profile_lines(morocco)) == (
        '2018: removed Co-Chair in RT 2.1 "Skills"'
    )


@pytest.mark.django_db
class TestChangedSections:
    """The page's ids of the sections a change touched, for an update's link."""

    def test_in_page_order_facts_years_practices(self, morocco):
        years = [ForumYearFactory(label=label, sort_year=int(label)) for label in ["2008", "2012"]]
        for year in years:
            AttendanceFactory(country=morocco, forum_year=year)
        before = profile_lines(morocco)
        assert changed_sections(before, profile_lines(morocco)) == []

        PracticeFactory(title="Tamkine Migrants", countries=[morocco])
        ContributionFactory(country=morocco, forum_year=years[1])
        morocco.official_name = "The Kingdom of Morocco"
        morocco.save()
        assert changed_sections(before, profile_lines(morocco)) == [
            "facts",
            "year-2012",
            "practices",
        ]

    def test_a_year_removed_altogether_has_no_section_to_link_to(self, morocco):
        year_2008 = ForumYearFactory(label="2008", sort_year=2008)
        year_2013 = ForumYearFactory(label="2013-2014", sort_year=2013)
        attendance = AttendanceFactory(country=morocco, forum_year=year_2008)
        before = profile_lines(morocco)
        attendance.delete()
        assert changed_sections(before, profile_lines(morocco)) == []
        AttendanceFactory(country=morocco, forum_year=year_2013)
        assert changed_sections(before, profile_lines(morocco)) == ["year-2013-2014"]

    def test_a_practice_taken_offline_links_to_the_practices(self, morocco):
        practice = PracticeFactory(countries=[morocco])
        before = profile_lines(morocco)
        practice.delete()
        assert changed_sections(before, profile_lines(morocco)) == ["practices"]

    def test_the_year_of_a_contribution_marked_not_on_record(self, morocco):
        year = ForumYearFactory(label="2011", sort_year=2011)
        attendance = AttendanceFactory(country=morocco, forum_year=year)
        before = profile_lines(morocco)
        attendance.contribution_recorded = False
        attendance.save()
        assert changed_sections(before, profile_lines(morocco)) == ["year-2011"]


@pytest.mark.django_db
class TestContributionNotOnRecord:
    """Attendance.contribution_recorded: a year whose financial contribution is not on record
    shows no contribution part; "No Financial Contribution" is for a year on record."""

    def lines_by_year(self, country) -> dict[str, list[str]]:
        return {s.forum_year.label: s.lines for s in country_profile(country)}

    def test_lines_of_years_on_record_off_record_and_without_attendance(self, morocco):
        on, off, bare = (
            ForumYearFactory(label=y, sort_year=int(y)) for y in ["2008", "2007", "2009"]
        )
        AttendanceFactory(country=morocco, forum_year=on)
        AttendanceFactory(country=morocco, forum_year=off, contribution_recorded=False)
        RoundtableRoleFactory(
            country=morocco, roundtable=RoundtableFactory(forum_year=bare, number="1.1", title="T")
        )
        assert self.lines_by_year(morocco) == {
            "2007": ["Attended Summit"],
            "2008": ["Attended Summit", "No Financial Contribution"],
            "2009": ['Team Member in RT 1.1 "T"', "No Financial Contribution"],
        }

    def test_contributions_entered_for_a_year_off_record_still_show(self, morocco):
        year = ForumYearFactory(label="2016", sort_year=2016)
        AttendanceFactory(country=morocco, forum_year=year, contribution_recorded=False)
        ContributionFactory(country=morocco, forum_year=year)
        [section] = country_profile(morocco)
        assert (section.no_contribution, section.lines) == (
            "",
            ["Attended Summit", "USD 50,000 non-earmarked"],
        )

    def test_the_page_has_no_contribution_heading_for_a_year_off_record(self, client, morocco):
        on, off = (ForumYearFactory(label=y, sort_year=int(y)) for y in ["2008", "2019"])
        AttendanceFactory(country=morocco, forum_year=on)
        AttendanceFactory(country=morocco, forum_year=off, contribution_recorded=False)
        html = client.get(morocco.get_absolute_url()).content.decode()
        year_2008, year_2019 = html.split('id="year-2019"')
        assert "Financial Contribution</h3>" in year_2008
        assert "No Financial Contribution" in year_2008
        assert "Financial Contribution" not in year_2019.split("</section>")[0]

    def test_switching_the_flag_is_a_change_readers_are_told_of(self, morocco):
        year = ForumYearFactory(label="2019", sort_year=2019)
        attendance = AttendanceFactory(country=morocco, forum_year=year)
        on_record = profile_lines(morocco)
        attendance.contribution_recorded = False
        attendance.save()
        off_record = profile_lines(morocco)
        assert describe_profile_changes(on_record, off_record) == (
            "2019: removed No Financial Contribution"
        )
        assert describe_profile_changes(off_record, on_record) == (
            "2019: added No Financial Contribution"
        )
        ContributionFactory(country=morocco, forum_year=year)
        with_contribution = profile_lines(morocco)
        # The contribution is the change; the line it replaces is not told beside it.
        assert describe_profile_changes(on_record, with_contribution) == (
            "2019: added USD 50,000 non-earmarked"
        )
        attendance.contribution_recorded = True
        attendance.save()
        assert describe_profile_changes(with_contribution, profile_lines(morocco)) == ""


def test_attendance_and_roundtable_words_are_those_of_each_request_s_language():
    """Their words are kept once per language: a French page after an English one (and
    the reverse) still gets its own."""
    for _ in range(2):
        with translation.override("fr"):
            assert attendance_lines(True, False, True)[0] == "A assisté à la réunion"
            assert roundtable_role_line("co_chair", "1.2", "Jobs", "") == (
                "Coprésident de la table ronde 1.2 «\xa0Jobs\xa0»"
            )
        with translation.override("en"):
            assert attendance_lines(True, False, True) == ["Attended Meeting", "Attended Summit"]
            assert roundtable_role_line("co_chair", "1.2", "Jobs", "") == (
                'Co-Chair in RT 1.2 "Jobs"'
            )
