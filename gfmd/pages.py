"""Bring a country page of the GFMD's current site over, through the import machinery.

`countries.pagetext` reads the page's text into records; here those records become rows in
the import columns of the resources (`countries/resources.py`, `practices/resources.py`),
imported one resource after another in ONE transaction: for a preview it is rolled back,
on confirm it commits only if every row of every resource is valid. So validation, history
(with the user and "Imported from …") and the permission rules are the import's own, and
the country gets one country update for the whole page.

This sits in the top layer because a page writes countries' records and practices.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import tablib
from django.db import models, transaction
from django.db.models import Q
from django.utils.text import slugify
from import_export.results import RowResult

from countries import geo
from countries.models import (
    Contribution,
    Country,
    CountryUpdate,
    ForumYear,
    Roundtable,
    RoundtableRole,
    ThematicMeeting,
    ThematicMeetingParticipation,
)
from countries.pagetext import (
    Block,
    Catalogue,
    ForumYearFact,
    Line,
    PageReading,
    WrongCountry,
    check_country,
    read_page,
)
from countries.resources import (
    AttendanceResource,
    ContributionResource,
    CountryResource,
    RoundtableResource,
    RoundtableRoleResource,
    ThematicMeetingParticipationResource,
    ThematicMeetingResource,
)
from countries.services import country_updates_recorded
from imports.resources import GfmdResource
from practices.models import PracticeSubmission
from practices.resources import PracticeResource

__all__ = ["PageImport", "WrongCountry", "page_catalogue", "page_import"]

NEW, CHANGED, UNCHANGED, ERROR, NOT_STORED = "new", "changed", "unchanged", "error", "not stored"
STATUS_OF = {
    RowResult.IMPORT_TYPE_NEW: NEW,
    RowResult.IMPORT_TYPE_UPDATE: CHANGED,
    RowResult.IMPORT_TYPE_SKIP: UNCHANGED,
    RowResult.IMPORT_TYPE_INVALID: ERROR,
    RowResult.IMPORT_TYPE_ERROR: ERROR,
}
STATUS_RANK = {UNCHANGED: 0, NOT_STORED: 0, CHANGED: 1, NEW: 2, ERROR: 3}


def paragraphs_html(text: str) -> str:
    """Plain text, one paragraph a line, as safe HTML: each escaped and wrapped in <p>."""
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines if line)


def page_catalogue() -> Catalogue:
    """What the database knows: the forum years, their roundtables and thematic meetings."""
    years = [
        ForumYearFact(year.label, year.sort_year, year.summit_end)
        for year in ForumYear.objects.all()
    ]
    roundtables: dict[str, list[tuple[str, str]]] = {}
    for label, number, title in Roundtable.objects.values_list(
        "forum_year__label", "number", "title"
    ):
        roundtables.setdefault(label, []).append((number, title))
    meetings: dict[str, list[str]] = {}
    for label, title in ThematicMeeting.objects.values_list("forum_year__label", "title"):
        meetings.setdefault(label, []).append(title)
    return Catalogue(years, roundtables, meetings)


# --- What the preview shows -----------------------------------------------------------------


@dataclass
class LineResult:
    """One line of the page beside the record it becomes."""

    line: Line
    record: str
    status: str = UNCHANGED
    messages: list[str] = field(default_factory=list)


@dataclass
class Section:
    """A forum year (or the header, the practices, or a block whose year is open)."""

    title: str
    lines: list[LineResult] = field(default_factory=list)
    block_line: int | None = None  # an open block: its first line, for the year chooser
    candidates: list[str] = field(default_factory=list)


@dataclass
class PageImport:
    country: Country
    reading: PageReading
    sections: list[Section]
    problems: list[str]
    written: bool = False

    @property
    def open_sections(self) -> list[Section]:
        return [section for section in self.sections if section.candidates]

    def counts(self) -> dict[str, int]:
        counts = {NEW: 0, CHANGED: 0, UNCHANGED: 0, ERROR: 0}
        for section in self.sections:
            for result in section.lines:
                if result.status in counts:
                    counts[result.status] += 1
        return counts


# --- Rows -----------------------------------------------------------------------------------


@dataclass
class Row:
    values: dict[str, Any]
    results: list[LineResult]  # the page lines this row stands for


@dataclass
class Rows:
    resource: type[GfmdResource]
    headers: list[str] = field(default_factory=list)  # the resource's import columns
    rows: list[Row] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.headers = self.headers or list(self.resource._meta.fields)

    def add(self, values: dict[str, Any], *results: LineResult) -> None:
        self.rows.append(Row(values, list(results)))


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


FLAG_FIELDS = {
    "meeting": "attended_meeting",
    "prep_meetings": "attended_prep_meetings",
    "summit": "attended_summit",
}


class PagePlan:
    """The rows of each resource, in the order they must be imported, and the sections."""

    def __init__(self, country: Country, reading: PageReading) -> None:
        self.country = country
        self.reading = reading
        self.problems: list[str] = []
        self.sections: list[Section] = []
        self.country_rows = Rows(CountryResource)
        self.roundtables = Rows(RoundtableResource)
        self.meetings = Rows(ThematicMeetingResource)
        self.attendance = Rows(AttendanceResource)
        self.roles = Rows(RoundtableRoleResource)
        self.participations = Rows(ThematicMeetingParticipationResource)
        self.contributions = Rows(ContributionResource)
        # Not every column of a practice: the page has no themes, partners or links to set.
        self.practices = Rows(
            PracticeResource,
            ["slug", "title", "description", "submitted_by_name", "submitted_on", "countries"],
        )
        self.build()

    @property
    def all_rows(self) -> list[Rows]:
        return [
            self.country_rows,
            self.roundtables,
            self.meetings,
            self.attendance,
            self.roles,
            self.participations,
            self.contributions,
            self.practices,
        ]

    def build(self) -> None:
        self.build_header()
        years = self.reading.years()
        for label, year in years.items():
            section = Section(label)
            self.sections.append(section)
            if year.block is not None:
                self.build_block(section, label, year.block)
            for meeting in year.meetings:
                self.build_meeting(section, label, meeting)
        for section in self.sections:
            section.lines.sort(key=lambda result: result.line.number)
        for block in self.reading.blocks:
            if block.year is None and block.has_records:
                self.build_open_block(block)
        for meeting in self.reading.meetings():
            if self.reading.meeting_year(meeting) is None and not self.open_block_of(meeting):
                self.problems.append(
                    f"line {meeting.line.number}: no year for this thematic meeting"
                )
        self.build_practices()

    def open_block_of(self, meeting) -> bool:
        return meeting.block > 0 and self.reading.blocks[meeting.block - 1].year is None

    def build_header(self) -> None:
        header, country = self.reading.header, self.country
        section = Section("Country")
        self.sections.append(section)
        latitude, longitude = country.latitude, country.longitude
        if header.latitude is not None and geo.latitude_dms(header.latitude) != geo.latitude_dms(
            latitude
        ):
            latitude = header.latitude
        if header.longitude is not None and geo.longitude_dms(
            header.longitude
        ) != geo.longitude_dms(longitude):
            longitude = header.longitude
        values = {
            "iso3": country.iso3,
            "iso2": header.iso2 or country.iso2,
            "name": country.name,
            "slug": country.slug,
            "official_name": header.official_name or country.official_name,
            "latitude": latitude,
            "longitude": longitude,
            "region": country.region,
            "subregion": country.subregion,
        }
        record = (
            f"{country.name}: official name {values['official_name']!r}, ISO2 {values['iso2']},"
            f" ISO3 {country.iso3}, {geo.latitude_dms(latitude)}, {geo.longitude_dms(longitude)}"
        )
        results = [LineResult(line, record) for line in header.lines]
        section.lines += results
        self.country_rows.add({k: text(v) for k, v in values.items()}, *results)

    def build_block(self, section: Section, label: str, block: Block) -> None:
        flags = {flag.flag for flag in block.attendance}
        record = "Attendance: " + (
            ", ".join(
                name
                for flag, name in [
                    ("meeting", "meeting"),
                    ("prep_meetings", "prep meetings"),
                    ("summit", "summit"),
                ]
                if flag in flags
            )
            or "none"
        )
        record += "; financial contribution " + (
            "on record" if block.contribution_recorded else "not on record"
        )
        results = []
        for flag in block.attendance:
            result = LineResult(flag.line, record)
            if flag.flag == "delegate":
                result.status = NOT_STORED
                result.record = "no field for 'Delegate': not stored"
            results.append(result)
        for line in (block.contribution_heading, block.no_contribution):
            if line is not None:
                results.append(LineResult(line, record))
        section.lines += [r for r in results if r.line.text != "Financial Contribution"]
        values = {
            "country": self.country.iso3,
            "forum_year": label,
            "contribution_recorded": text(block.contribution_recorded),
        }
        for flag, name in FLAG_FIELDS.items():
            values[name] = text(flag in flags)
        self.attendance.add(values, *[r for r in results if r.status != NOT_STORED])

        known = {
            number: title
            for number, title in self.reading.catalogue.roundtables.get(label, [])
            if number
        }
        for role in block.roles:
            result = LineResult(role.line, "")
            section.lines.append(result)
            role_label = str(dict(RoundtableRole.Role.choices)[role.role])
            if role.number:
                result.record = f"Roundtable role: {role_label}, RT {role.number} of {label}"
                if role.number not in known:
                    if not role.title:
                        result.status = ERROR
                        result.messages.append(
                            f"RT {role.number} of {label} is not in the roundtable catalogue "
                            "and the line gives no title"
                        )
                        self.problems.append(f"line {role.line.number}: {result.messages[-1]}")
                        continue
                    known[role.number] = role.title
                    self.roundtables.add(
                        {"forum_year": label, "number": role.number, "title": role.title},
                        result,
                    )
                    result.messages.append(
                        f'new roundtable: RT {role.number} "{role.title}" of {label}'
                    )
                elif role.title and known[role.number] != role.title:
                    result.messages.append(
                        f'the catalogue titles RT {role.number} of {label} "{known[role.number]}"'
                    )
            else:
                result.record = f"Roundtable role: {role_label}" + (
                    f", {role.session}" if role.session else ""
                )
            self.roles.add(
                {
                    "country": self.country.iso3,
                    "forum_year": label,
                    "role": role.role,
                    "roundtable": role.number,
                    "session": role.session,
                },
                result,
            )
        for contribution in block.contributions:
            parts = []
            if contribution.amount is not None:
                parts.append(f"{contribution.currency} {text(contribution.amount)}")
            if contribution.earmarked != "unknown":
                parts.append(str(dict(Contribution.Earmarked.choices)[contribution.earmarked]))
            if contribution.note:
                parts.append(f"note {contribution.note!r}")
            result = LineResult(contribution.line, "Contribution: " + ", ".join(parts))
            section.lines.append(result)
            self.contributions.add(
                {
                    "country": self.country.iso3,
                    "forum_year": label,
                    "amount": text(contribution.amount),
                    "currency": contribution.currency,
                    "earmarked": contribution.earmarked,
                    "note": contribution.note,
                },
                result,
            )

    def host_country(self, name: str) -> str:
        if not name:
            return ""
        found = Country.objects.filter(Q(name__iexact=name) | Q(official_name__iexact=name))
        return found.values_list("iso3", flat=True).first() or ""

    def build_meeting(self, section: Section, label: str, meeting) -> None:
        role_label = str(dict(ThematicMeetingParticipation.Role.choices)[meeting.role])
        when = text(meeting.start_date) + (
            f" to {text(meeting.end_date)}" if meeting.end_date else ""
        )
        host = self.host_country(meeting.country_name)
        place = ", ".join(p for p in (meeting.city, host or meeting.country_name) if p)
        record = f'Thematic meeting: {role_label}, "{meeting.title}"' + "".join(
            f", {part}" for part in (when, place) if part
        )
        result = LineResult(meeting.line, record)
        section.lines.append(result)
        if meeting.country_name and not host:
            result.status = ERROR
            result.messages.append(f"no country named {meeting.country_name!r}")
            self.problems.append(f"line {meeting.line.number}: {result.messages[-1]}")
            return
        self.meetings.add(
            {
                "forum_year": label,
                "title": meeting.title,
                "kind": meeting.kind,
                "start_date": text(meeting.start_date),
                "end_date": text(meeting.end_date),
                "city": meeting.city,
                "host_country": host,
            },
            result,
        )
        self.participations.add(
            {
                "forum_year": label,
                "meeting": meeting.title,
                "country": self.country.iso3,
                "role": meeting.role,
            },
            result,
        )

    def build_open_block(self, block: Block) -> None:
        section = Section(
            f"Year open (line {block.first_line})",
            block_line=block.first_line,
            candidates=block.candidates,
        )
        reason = block.conflict or "the page gives no evidence of this block's year"
        lines = [a.line for a in block.attendance] + [c.line for c in block.contributions]
        lines += [r.line for r in block.roles]
        lines += [m.line for m in self.reading.meetings() if self.open_block_of(m)]
        for line in sorted(lines, key=lambda line: line.number):
            section.lines.append(LineResult(line, "(choose the year first)", ERROR))
        self.sections.append(section)
        self.problems.append(
            f"line {block.first_line}: the block's year is open ({reason}): one of "
            f"{', '.join(block.candidates)}"
        )

    def build_practices(self) -> None:
        section = Section("Practices")
        existing = {
            practice.title.casefold(): practice
            for practice in PracticeSubmission.objects.filter(countries=self.country)
        }
        for practice in self.reading.practices:
            stored = existing.get(practice.title.text.casefold())
            if stored is None:
                stored = PracticeSubmission.objects.filter(
                    title__iexact=practice.title.text
                ).first()
            if stored is not None:
                slug = stored.slug
                countries = set(stored.countries.values_list("iso3", flat=True))
                submitted_on = practice.submitted_on or stored.submitted_on
            else:
                slug = self.free_slug(practice.title.text)
                countries = set()
                submitted_on = practice.submitted_on
            countries.add(self.country.iso3)
            record = f'Practice "{practice.title.text}", submitted by {practice.submitted_by}'
            if stored is None:
                record += " (new practices wait for a moderator to publish them)"
            lines = [practice.title, practice.submitted_line, *practice.description]
            results = [LineResult(line, record) for line in lines]
            section.lines += results
            self.practices.add(
                {
                    "slug": slug,
                    "title": practice.title.text,
                    "description": paragraphs_html(
                        "\n".join(line.text for line in practice.description)
                    ),
                    "submitted_by_name": practice.submitted_by,
                    "submitted_on": text(submitted_on),
                    "countries": "; ".join(sorted(countries)),
                },
                *results,
            )
        if section.lines:
            self.sections.append(section)

    def free_slug(self, title: str) -> str:
        base = slugify(title)[:300] or "practice"
        taken = {row.values["slug"] for row in self.practices.rows}
        slug, n = base, 1
        while slug in taken or PracticeSubmission.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug


# --- Importing ------------------------------------------------------------------------------


def page_resource(resource_class: type[GfmdResource], recorder) -> type[GfmdResource]:
    """The resource as it is, but watching the page's one recorder (None for a preview)
    instead of recording an update per resource."""

    class PageResource(resource_class):
        def before_import(self, dataset, **kwargs):
            super().before_import(dataset, **kwargs)
            self.recorder = recorder

        def after_import(self, dataset, result, **kwargs):
            self.recorder = None
            super().after_import(dataset, result, **kwargs)

    PageResource.__name__ = resource_class.__name__
    return PageResource


def page_import(
    *,
    country: Country,
    text: str,
    dry_run: bool,
    user: Any = None,
    choices: dict[int, str] | None = None,
    file_name: str = "",
    resource_kwargs: Callable[[type[models.Model]], dict] | None = None,
    catalogue: Catalogue | None = None,
) -> PageImport:
    """Read the page and import its records: all or nothing, in one transaction.

    Raises WrongCountry for another country's page. With `dry_run`, or when anything is
    wrong (a row the import refuses, a block whose year is open), nothing is written; the
    result says, line by line, what the import would do.
    """
    reading = read_page(text, catalogue or page_catalogue())
    others = Country.objects.exclude(pk=country.pk).values_list("name", "official_name")
    check_country(
        reading,
        names=[country.name, country.official_name],
        iso2=country.iso2,
        iso3=country.iso3,
        other_names=[name for pair in others for name in pair],
    )
    if choices:
        reading.choose(choices)
    plan = PagePlan(country, reading)
    problems = list(plan.problems)
    for conflict in (b for b in reading.blocks if b.conflict and b.year):
        problems.append(f"line {conflict.first_line}: {conflict.conflict}")
    name = file_name or f"the page of {country.name} on the GFMD's current site"

    def run(recorder) -> bool:
        failed = False
        for rows in plan.all_rows:
            if not rows.rows:
                continue
            kwargs = resource_kwargs(rows.resource._meta.model) if resource_kwargs else {}
            resource = page_resource(rows.resource, recorder)(**kwargs)
            dataset = tablib.Dataset(headers=rows.headers)
            for row in rows.rows:
                dataset.append([row.values.get(header, "") for header in rows.headers])
            result = resource.import_data(dataset, dry_run=False, user=user, file_name=name)
            if apply_result(rows, result, problems):
                failed = True
                break  # the rows after it would fail for want of what it writes
        return failed

    written = False
    with transaction.atomic():
        if dry_run or problems:
            run(None)
            transaction.set_rollback(True)
        else:
            with country_updates_recorded(
                source=CountryUpdate.Source.IMPORT, countries=[country.pk]
            ) as recorder:
                if run(recorder):
                    transaction.set_rollback(True)  # the updates recorded go with it
                else:
                    written = True
    return PageImport(country, reading, plan.sections, problems, written=written)


def apply_result(rows: Rows, result, problems: list[str]) -> bool:
    """Mark each page line with what the import did to its row(s); True if any failed."""
    for error in result.base_errors:
        problems.append(str(error.error))
    failed = bool(result.base_errors)
    for row, row_result in zip(rows.rows, result.rows, strict=False):
        status = STATUS_OF.get(row_result.import_type, ERROR)
        messages = result.messages_for(row_result)
        for line_result in row.results:
            if STATUS_RANK[status] > STATUS_RANK[line_result.status]:
                line_result.status = status
            line_result.messages += messages
            if messages:
                problems += [f"line {line_result.line.number}: {m}" for m in messages]
        failed = failed or status == ERROR
    return failed
