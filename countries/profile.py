"""A country's profile as its page reads: the lines of each forum year, composed from records.

The same lines serve the page, the change summaries of country updates (a snapshot before
and after an edit, compared) and the tests against the reference text.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from itertools import groupby
from types import SimpleNamespace
from typing import NamedTuple

from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.db.models import F
from django.dispatch import receiver
from django.utils import dateformat, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from core.i18n import country_namer
from core.prepared import PreparedRows
from countries.models import (
    Attendance,
    Contribution,
    Country,
    ForumYear,
    Roundtable,
    RoundtableRole,
    ThematicMeeting,
    ThematicMeetingParticipation,
    attendance_lines,
    contribution_line,
    roundtable_role_line,
)

HEADER_SECTION = "Country"

Snapshot = list[tuple[str, str]]
# What the apps above countries show on a country's page, as snapshot lines (practices: the
# titles of its published practices), registered by those apps (snapshot_lines_register)
# so that countries imports none of them. Each takes many countries at once and returns
# their lines by primary key (a few queries for all of them, not one a country).
SnapshotLines = Callable[[list[Country]], dict[int, Snapshot]]
_snapshot_lines: list[SnapshotLines] = []
# The id on the country page (templates/countries/country_detail.html) of each snapshot
# section that is not a forum year; a year's section is "year-<label>".
_section_anchors: dict[str, str] = {HEADER_SECTION: "facts"}


def snapshot_lines_register(lines: SnapshotLines, *, anchors: dict[str, str] | None = None) -> None:
    """Add an app's part of every country page's snapshot (call it from AppConfig.ready),
    with the page's id of each section its lines are in (`anchors`, section: id)."""
    if lines not in _snapshot_lines:
        _snapshot_lines.append(lines)
    _section_anchors.update(anchors or {})


def section_anchor(section: str) -> str:
    """The id of a snapshot section on the country page: "facts", "year-2012", "practices"."""
    return _section_anchors.get(section, f"year-{section}")


class ChartedContribution(NamedTuple):
    pk: int
    amount: Decimal
    currency: str
    line: str


@dataclass
class YearSection:
    forum_year: ForumYear
    attendance: list[str] = field(default_factory=list)
    roundtable_roles: list[str] = field(default_factory=list)
    thematic_meetings: list[str] = field(default_factory=list)
    contributions: list[str] = field(default_factory=list)
    # Those of the contributions with an amount, for the charts (maps.contribution_series).
    charted: list[ChartedContribution] = field(default_factory=list)
    # The year's attendance row says whether its contribution is on record (no row: it is).
    contribution_recorded: bool = True

    @property
    def no_contribution(self) -> str:
        """ "No Financial Contribution" for a year on record without contributions; "" when
        there are contributions, or when the year's contribution is not on record (the
        page then shows no financial contribution part, as the GFMD's page does)."""
        if self.contributions or not self.contribution_recorded:
            return ""
        return no_contribution_text()

    @property
    def lines(self) -> list[str]:
        shown = self.attendance + self.roundtable_roles + self.thematic_meetings
        if self.no_contribution:
            return [*shown, self.no_contribution]
        return shown + self.contributions


def no_contribution_text() -> str:
    return _("No Financial Contribution")


# In context: translated apart from the same words as labels ("Attended", "Thematic Meeting").
ROLE_PHRASES = {
    ThematicMeetingParticipation.Role.CO_CHAIR: pgettext_lazy(
        "thematic meeting line", "Co-Chair in"
    ),
    ThematicMeetingParticipation.Role.CHAIR: pgettext_lazy("thematic meeting line", "Chair in"),
    ThematicMeetingParticipation.Role.CO_CONVENER: pgettext_lazy(
        "thematic meeting line", "Co-Convener in"
    ),
    ThematicMeetingParticipation.Role.ATTENDED: pgettext_lazy("thematic meeting line", "Attended"),
    ThematicMeetingParticipation.Role.PARTICIPATED: pgettext_lazy(
        "thematic meeting line", "Participated in"
    ),
}
KIND_PHRASES = {
    ThematicMeeting.Kind.THEMATIC_MEETING: (
        pgettext_lazy("thematic meeting line", "Thematic Meeting"),
        pgettext_lazy("thematic meeting line", "Thematic Meetings"),
    ),
    ThematicMeeting.Kind.THEMATIC_WORKSHOP: (
        pgettext_lazy("thematic meeting line", "the Thematic Workshop"),
        pgettext_lazy("thematic meeting line", "the Thematic Workshops"),
    ),
    ThematicMeeting.Kind.GFMD_THEMATIC_WORKSHOP: (
        pgettext_lazy("thematic meeting line", "the GFMD Thematic Workshop"),
        pgettext_lazy("thematic meeting line", "the GFMD Thematic Workshops"),
    ),
}


class MeetingPhrases(NamedTuple):
    """The words of thematic meeting lines and date ranges in one language."""

    roles: dict[str, str]
    kinds: dict[str, tuple[str, str]]  # singular, plural
    line: str
    on_dates: str
    in_place: str
    quoted: str
    and_: str
    serial_and: str
    day_month_year: str
    day_month: str


@lru_cache(maxsize=16)
def meeting_phrases(language: str | None) -> MeetingPhrases:
    """The phrases in `language`, translated once per language and process: a full profile
    composes dozens of meeting lines of a dozen translations each."""
    return MeetingPhrases(
        roles={role: str(text) for role, text in ROLE_PHRASES.items()},
        kinds={kind: (str(one), str(many)) for kind, (one, many) in KIND_PHRASES.items()},
        line=_("%(role)s %(kind)s on %(titles)s"),
        on_dates=_("%(meeting)s on %(dates)s"),
        in_place=_("%(meeting)s in %(place)s"),
        quoted=_('"%(title)s"'),
        and_=_(" and "),
        serial_and=_(", and "),
        day_month_year=pgettext("date format", "j F Y"),
        day_month=pgettext("date format", "j F"),
    )


@receiver(setting_changed)
def _forget_phrases_on_setting_changed(**kwargs) -> None:
    """Tests that change languages or translations get fresh phrases."""
    meeting_phrases.cache_clear()
    _format_date_range.cache_clear()


def format_date_range(start: datetime.date, end: datetime.date | None) -> str:
    """14-15 June 2011; 30 June-2 July 2011; 30 December 2011-2 January 2012; 22 May 2013
    (14-15 juin 2011, 14-15 de junio de 2011: the formats are the language's)."""
    return _format_date_range(start, end, translation.get_language())


@lru_cache(maxsize=4096)
def _format_date_range(start: datetime.date, end: datetime.date | None, language: str) -> str:
    """Written once per range and language (a forum-year page shows hundreds of meetings,
    a profile dozens, on a few hundred distinct dates); Django's date formatting costs
    about 0.1 ms a date."""
    phrases = meeting_phrases(language)
    if end is None or end == start:
        return dateformat.format(start, phrases.day_month_year)
    if (start.year, start.month) == (end.year, end.month):
        start_text = dateformat.format(start, "j")
    elif start.year == end.year:
        start_text = dateformat.format(start, phrases.day_month)
    else:
        start_text = dateformat.format(start, phrases.day_month_year)
    return f"{start_text}-{dateformat.format(end, phrases.day_month_year)}"


def quoted_list(titles: list[str], phrases: MeetingPhrases) -> str:
    """ "A"; "A" and "B"; "A", "B", and "C" (the GFMD's serial comma)."""
    quoted = [phrases.quoted % {"title": title} for title in titles]
    if len(quoted) <= 2:
        return phrases.and_.join(quoted)
    return ", ".join(quoted[:-1]) + phrases.serial_and + quoted[-1]


def meeting_place(meeting: ThematicMeeting, name_of: Callable[[str, str], str]) -> str:
    host = meeting.host_country
    parts = [meeting.city, name_of(host.iso2, host.name) if host else ""]
    return ", ".join(part for part in parts if part)


def meeting_line(phrases: MeetingPhrases, role: str, kind: str, titles: str) -> str:
    """'Co-Chair in Thematic Meeting on "A"' (fr: 'Coprésident : réunion thématique sur « A »')."""
    return phrases.line % {"role": role, "kind": kind, "titles": titles}


def thematic_lines(participations: list[ThematicMeetingParticipation]) -> list[str]:
    """One line a meeting; undated meetings of one role and kind share a line, as the GFMD
    wrote them ('Participated in the Thematic Workshops on "A", "B", and "C"').

    The language is looked up once for all the lines (a full profile has dozens)."""
    lines = []
    language = translation.get_language()
    phrases, name_of = meeting_phrases(language), country_namer()

    def undated_group(p: ThematicMeetingParticipation) -> tuple | None:
        meeting = p.meeting
        if meeting.start_date or meeting.city or meeting.host_country_id:
            return None
        return (p.role, meeting.kind)

    for group_key, group in groupby(participations, key=undated_group):
        group = list(group)
        if group_key is not None:
            role, kind = group_key
            singular, plural = phrases.kinds[kind]
            titles = quoted_list([p.meeting.title for p in group], phrases)
            kind_text = plural if len(group) > 1 else singular
            lines.append(meeting_line(phrases, phrases.roles[role], kind_text, titles))
            continue
        for participation in group:
            meeting = participation.meeting
            line = meeting_line(
                phrases,
                phrases.roles[participation.role],
                phrases.kinds[meeting.kind][0],
                quoted_list([meeting.title], phrases),
            )
            if meeting.start_date:
                dates = _format_date_range(meeting.start_date, meeting.end_date, language)
                line = phrases.on_dates % {"meeting": line, "dates": dates}
            if place := meeting_place(meeting, name_of):
                line = phrases.in_place % {"meeting": line, "place": place}
            lines.append(line + ".")
    return lines


def roundtable_sort_key(pk: int, roundtable_number: str | None) -> tuple:
    """Numbered roundtables in number order (1.2 before 1.10), then the rest as entered."""
    if roundtable_number:
        return (0, tuple(int(part) for part in roundtable_number.split(".")), pk)
    return (1, (), pk)


def meetings_taken_part(
    countries: list[int],
) -> Iterator[tuple[int, SimpleNamespace, ForumYear]]:
    """(country, participation, forum year) of the countries' thematic meetings, in page
    order. A participation reads as thematic_lines does (`role`, `meeting` with its title,
    kind, dates, city and `host_country`), from one row of values: a full profile has
    dozens, and four model instances each (participation, meeting, year, host) cost more
    than the rest of the profile. The forum years carry what a year's section shows."""
    rows = MEETING_ROWS(countries)
    years = ForumYears()
    for country_id, role, title, kind, start, end, city, host_id, host, iso2, *year in rows:
        forum_year = years.of(year)
        meeting = SimpleNamespace(
            title=title,
            kind=kind,
            start_date=start,
            end_date=end,
            city=city,
            host_country_id=host_id,
            host_country=SimpleNamespace(name=host, iso2=iso2) if host_id else None,
        )
        yield country_id, SimpleNamespace(role=role, meeting=meeting), forum_year


# The fields of a forum year that its section on a country's page shows.
YEAR_SHOWN = ("id", "label", "sort_year", "summit_city", "summit_start", "summit_end")
# The same, read through a record's forum_year (values_list of its rows).
YEAR_COLUMNS = tuple(f"forum_year__{name}" for name in YEAR_SHOWN)


class ForumYears(dict[int, ForumYear]):
    """The forum years of a profile's rows, one ForumYear each, made from the row's values
    of YEAR_SHOWN (the first is the primary key) the first time it comes."""

    def of(self, values: list) -> ForumYear:
        return self.get(values[0]) or self.setdefault(
            values[0], ForumYear(**dict(zip(YEAR_SHOWN, values, strict=True)))
        )


# The rows a profile reads, by country, as queries compiled once a process (core.prepared):
# values_list's resolving of some forty columns through their joins, then compiling them,
# cost a third of a profile's CPU when done on every call. Each call runs the query.
ATTENDANCE_ROWS = PreparedRows(
    Attendance.objects.order_by("pk").values_list(
        "country_id",
        "attended_meeting",
        "attended_prep_meetings",
        "attended_summit",
        "contribution_recorded",
        *YEAR_COLUMNS,
    ),
    "country",
)
ROUNDTABLE_ROLE_ROWS = PreparedRows(
    RoundtableRole.objects.values_list(
        "country_id",
        "pk",
        "role",
        "roundtable__number",
        "roundtable__title",
        "session",
        *YEAR_COLUMNS,
    ),
    "country",
)
MEETING_ROWS = PreparedRows(
    ThematicMeetingParticipation.objects.order_by(
        F("meeting__start_date").asc(nulls_last=True), "pk"
    ).values_list(
        "country_id",
        "role",
        "meeting__title",
        "meeting__kind",
        "meeting__start_date",
        "meeting__end_date",
        "meeting__city",
        "meeting__host_country_id",
        "meeting__host_country__name",
        "meeting__host_country__iso2",
        *(f"meeting__forum_year__{name}" for name in YEAR_SHOWN),
    ),
    "country",
)
CONTRIBUTION_ROWS = PreparedRows(
    Contribution.objects.order_by("pk").values_list(
        "country_id", "pk", "amount", "currency", "earmarked", "note", *YEAR_COLUMNS
    ),
    "country",
)
# By forum year.
CHAIR_ROWS = PreparedRows(
    ForumYear.chairs.through.objects.order_by("country__name").values_list(
        "forumyear_id", "country__name", "country__slug", "country__iso2"
    ),
    "forumyear",
)


def country_profile(country: Country) -> list[YearSection]:
    """The country's forum years, oldest first, each with its lines. Five queries in all."""
    return country_profiles([country.pk])[country.pk]


def country_profiles(countries: Iterable[int]) -> dict[int, list[YearSection]]:
    """`country_profile` of many countries at once, by primary key: five queries in all,
    however many countries (a confirmed import reads every page it touches, twice).
    Records are read as values, not model instances: a full profile has some hundred, and
    their instances cost more than composing the lines."""
    countries = list(countries)
    sections: dict[int, dict[int, YearSection]] = {pk: {} for pk in countries}
    years = ForumYears()

    def section_for(country_id: int, forum_year: ForumYear) -> YearSection:
        return sections[country_id].setdefault(forum_year.pk, YearSection(forum_year=forum_year))

    attendances = ATTENDANCE_ROWS(countries)
    for country_id, meeting, prep_meetings, summit, recorded, *year in attendances:
        section = section_for(country_id, years.of(year))
        section.attendance.extend(attendance_lines(meeting, prep_meetings, summit))
        section.contribution_recorded = recorded

    roles = ROUNDTABLE_ROLE_ROWS(countries)
    for country_id, _pk, role, number, title, session, *year in sorted(
        roles, key=lambda row: roundtable_sort_key(row[1], row[3])
    ):
        section_for(country_id, years.of(year)).roundtable_roles.append(
            roundtable_role_line(role, number, title, session)
        )

    by_year = defaultdict(list)
    meeting_years: dict[int, ForumYear] = {}
    for country_id, participation, forum_year in meetings_taken_part(countries):
        meeting_years.setdefault(forum_year.pk, forum_year)
        by_year[country_id, forum_year.pk].append(participation)
    for (country_id, year_pk), year_participations in by_year.items():
        section_for(country_id, meeting_years[year_pk]).thematic_meetings.extend(
            thematic_lines(year_participations)
        )

    contributions = CONTRIBUTION_ROWS(countries)
    for country_id, pk, amount, currency, earmarked, note, *year in contributions:
        section = section_for(country_id, years.of(year))
        line = contribution_line(amount, currency, earmarked, note)
        section.contributions.append(line)
        if amount is not None:
            section.charted.append(ChartedContribution(pk, amount, currency, line))

    # The chairs of every year shown, in one query, on the ForumYear objects the pages use.
    forum_years = [section.forum_year for by_pk in sections.values() for section in by_pk.values()]
    chairs = chair_countries({year.pk for year in forum_years})
    for year in forum_years:
        year.chair_countries = chairs[year.pk]

    return {
        pk: sorted(by_pk.values(), key=lambda s: (s.forum_year.sort_year, s.forum_year.label))
        for pk, by_pk in sections.items()
    }


class Chair(NamedTuple):
    """A chair as its year's header links it (profile_tags.year_meta_html)."""

    name: str
    slug: str
    iso2: str


def chair_countries(forum_years: Iterable[int]) -> defaultdict[int, list[Chair]]:
    """The chairs of these forum years (primary keys), by name, by year, in one query. A
    chair is a link: its name, slug and code are all a page uses of it, read as values."""
    chairs = defaultdict(list)
    for year_pk, name, slug, iso2 in CHAIR_ROWS(forum_years):
        chairs[year_pk].append(Chair(name, slug, iso2))
    return chairs


def countries_shown_with(obj: models.Model) -> set[int]:
    """Primary keys of the countries whose page shows `obj` (or would, for a practice not
    published): as stored for a saved roundtable, meeting, year or practice; by its own
    country field for a country's record. A record of an app above countries says it
    itself, with a `countries_shown_on()` method (PracticeSubmission)."""
    if isinstance(obj, Country):
        return {obj.pk} if obj.pk else set()
    if shown_on := getattr(obj, "countries_shown_on", None):
        return shown_on()
    if not isinstance(obj, Roundtable | ThematicMeeting | ForumYear):
        return {obj.country_id} if getattr(obj, "country_id", None) else set()
    if obj.pk is None:
        return set()
    if isinstance(obj, Roundtable):
        shown_in = [(RoundtableRole, "roundtable")]
    elif isinstance(obj, ThematicMeeting):
        shown_in = [(ThematicMeetingParticipation, "meeting")]
    else:
        shown_in = [
            (Attendance, "forum_year"),
            (RoundtableRole, "forum_year"),
            (Contribution, "forum_year"),
            (ThematicMeetingParticipation, "meeting__forum_year"),
        ]
    return set().union(
        *(
            model.objects.filter(**{lookup: obj}).values_list("country", flat=True)
            for model, lookup in shown_in
        )
    )


def profile_lines(country: Country) -> Snapshot:
    """Everything a reader sees on the country's page, as (section, line) pairs."""
    return profile_snapshots([country.pk]).get(country.pk, [])


def profile_snapshots(
    countries: Iterable[int], *, language: str = settings.LANGUAGE_CODE
) -> dict[int, Snapshot]:
    """`profile_lines` of many countries at once, by primary key (those that exist), as
    stored: a constant number of queries, however many countries. In English unless told:
    whether a page changed never depends on the language of the request that changed it."""
    with translation.override(language):
        return _profile_snapshots(countries)


def _profile_snapshots(countries: Iterable[int]) -> dict[int, Snapshot]:
    stored = {country.pk: country for country in Country.objects.filter(pk__in=set(countries))}
    snapshots: dict[int, Snapshot] = {
        pk: [
            (HEADER_SECTION, f"{label}: {value}")
            for label, value in [
                (_("Name"), country.name),
                (_("Official name"), country.official_name),
                (_("ISO2 code"), country.iso2),
                (_("ISO3 code"), country.iso3),
                (_("Coordinates"), f"{country.latitude_dms}, {country.longitude_dms}"),
            ]
        ]
        for pk, country in stored.items()
    }
    for pk, sections in country_profiles(stored).items():
        for section in sections:
            snapshots[pk] += [(section.forum_year.label, line) for line in section.lines]
    for lines in _snapshot_lines:
        for pk, app_lines in lines(list(stored.values())).items():
            snapshots[pk] += app_lines
    return snapshots


def changed_sections(before: Snapshot, after: Snapshot) -> list[str]:
    """The page's ids of the sections whose lines changed, in page order ("facts", the
    years oldest first, "practices"). A year removed altogether is not among them: the
    page no longer has its section to link to."""
    differing = {section for section, _line in (Counter(before) - Counter(after)).elements()}
    differing |= {section for section, _line in (Counter(after) - Counter(before)).elements()}
    shown = {section for section, _line in after} | _section_anchors.keys()
    in_page_order = dict.fromkeys(section for section, _line in after + before)
    return [
        section_anchor(section)
        for section in in_page_order
        if section in differing and section in shown
    ]


def section_line(section: str, line: str) -> dict[str, str]:
    # A year's label reads the same in every language; "Practices" is the menu's word.
    return {"section": _(section), "line": line}


def describe_profile_changes(before: Snapshot, after: Snapshot) -> str:
    """A short summary, one line a change, in page order; "" when the reader sees no change;
    in the active language, of snapshots taken in it.

    '2018: added Co-Chair in RT 2.1 "…"', 'Official name: "A" changed to "B"'.

    A year's "No Financial Contribution" comes and goes with its other lines (its
    contributions, or the year itself): it is told only when nothing else of the year
    changed, i.e. when the year's contribution was marked as (not) on record.
    """
    placeholder = no_contribution_text()
    differing = (Counter(before) - Counter(after)) | (Counter(after) - Counter(before))
    changed_years = {section for section, line in differing if line != placeholder}
    before, after = (
        [
            (section, line)
            for section, line in snapshot
            if not (line == placeholder and section in changed_years)
        ]
        for snapshot in (before, after)
    )
    removed = Counter(before) - Counter(after)
    added = Counter(after) - Counter(before)
    changes: list[str] = []
    header_before = {
        line.split(": ", 1)[0]: line.split(": ", 1)[1]
        for section, line in removed.elements()
        if section == HEADER_SECTION
    }
    for section, line in after:
        if added[(section, line)] <= 0:
            continue
        added[(section, line)] -= 1
        if section == HEADER_SECTION:
            label, value = line.split(": ", 1)
            changes.append(
                _('%(label)s: "%(old)s" changed to "%(new)s"')
                % {"label": label, "old": header_before.get(label, ""), "new": value}
            )
        else:
            changes.append(_("%(section)s: added %(line)s") % section_line(section, line))
    for section, line in before:
        if section != HEADER_SECTION and removed[(section, line)] > 0:
            removed[(section, line)] -= 1
            changes.append(_("%(section)s: removed %(line)s") % section_line(section, line))
    return "\n".join(changes)
