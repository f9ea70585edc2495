"""Reading and checking the reference data files in countries/data/ before anything is written.

Every file is CSV so that every mistake has a file and a line: whoever fixes a data file
needs to be told where, not that a database constraint failed somewhere inside a transaction.
All files are read and cross-checked (codes, years, roundtables and meetings they refer to)
into plain records first; the loader writes only a data set that passed every check.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Collection, Hashable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.text import slugify

from countries import geo
from countries.models import (
    Contribution,
    Country,
    ForumYear,
    Roundtable,
    RoundtableRole,
    ThematicMeeting,
    ThematicMeetingParticipation,
    currency_validator,
    iso2_validator,
    iso3_validator,
    roundtable_number_validator,
)
from practices.models import PracticeSubmission
from practices.services import practice_description_sanitise

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
YES_NO = {"yes": True, "no": False}


def display_path(path: Path) -> str:
    """Paths inside the project as people type them (countries/data/x.csv), others in full."""
    try:
        return str(path.resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return str(path)


class DataFileError(Exception):
    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        where = display_path(path) if line is None else f"{display_path(path)}, line {line}"
        super().__init__(f"{where}: {message}")


def max_length(model: type[models.Model], field_name: str) -> int:
    return model._meta.get_field(field_name).max_length


def pattern_validator(model: type[models.Model], field_name: str) -> RegexValidator:
    """The field's own format check, so the files obey exactly what the admin enforces."""
    validators = model._meta.get_field(field_name).validators
    return next(v for v in validators if isinstance(v, RegexValidator))


@dataclass(frozen=True)
class Row:
    """One data row; `line` is where it starts (a quoted cell may span several lines)."""

    path: Path
    line: int
    cells: dict[str, str]

    def error(self, message: str) -> DataFileError:
        return DataFileError(self.path, self.line, message)

    def text(self, column: str, *, required: bool = True, limit: int | None = None) -> str:
        value = self.cells[column].strip()
        if required and not value:
            raise self.error(f"column '{column}' is empty")
        if limit is not None and len(value) > limit:
            raise self.error(f"column '{column}' is longer than {limit} characters")
        return value

    def matching(self, column: str, validator: RegexValidator, *, required: bool = True) -> str:
        value = self.text(column, required=required)
        if value and not validator.regex.match(value):
            raise self.error(f"column '{column}': {value!r}: {validator.message}")
        return value

    def date(self, column: str) -> date | None:
        value = self.text(column, required=False)
        if not value:
            return None
        try:
            if not DATE_PATTERN.match(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise self.error(
                f"column '{column}': {value!r} is not a date written YYYY-MM-DD"
            ) from None

    def date_range(self, start_column: str, end_column: str) -> tuple[date | None, date | None]:
        start, end = self.date(start_column), self.date(end_column)
        if end and (start is None or end < start):
            raise self.error(f"{end_column} is before {start_column} (or {start_column} is empty)")
        return start, end

    def amount(self, column: str) -> Decimal | None:
        value = self.text(column, required=False)
        if not value:
            return None
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise self.error(f"column '{column}': {value!r} is not a number") from None
        if not amount.is_finite() or amount < 0:
            raise self.error(f"column '{column}': {value!r} is not an amount of zero or more")
        return amount

    def integer(self, column: str) -> int:
        value = self.text(column)
        if not (value.isascii() and value.isdigit()):
            raise self.error(f"column '{column}': {value!r} is not a whole number")
        return int(value)

    def choice(self, column: str, choices: type[models.TextChoices]) -> str:
        value = self.text(column)
        if value not in choices.values:
            allowed = ", ".join(choices.values)
            raise self.error(f"column '{column}': {value!r} is not one of {allowed}")
        return value

    def flag(self, column: str) -> bool:
        value = self.text(column)
        if value not in YES_NO:
            raise self.error(f"column '{column}': {value!r} is not yes or no")
        return YES_NO[value]

    def reference(
        self, column: str, known: Collection[str], what: str, *, required: bool = True
    ) -> str:
        value = self.text(column, required=required)
        if value and value not in known:
            raise self.error(f"unknown {what} {value!r}")
        return value

    def references(self, column: str, known: Collection[str], what: str) -> tuple[str, ...]:
        """A list like `DEU;MAR` (may be empty), each item checked."""
        value = self.text(column, required=False)
        items = tuple(item.strip() for item in value.split(";")) if value else ()
        for item in items:
            if item not in known:
                raise self.error(f"unknown {what} {item!r}")
        if len(set(items)) != len(items):
            raise self.error(f"column '{column}' names the same {what} twice")
        return items


class UniqueKeys:
    """Refuses a second row with the same natural key, pointing at the first one."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.lines: dict[Hashable, int] = {}

    def add(self, row: Row, key: Hashable, shown: str) -> None:
        if key in self.lines:
            raise row.error(f"duplicate {self.what} {shown} (first on line {self.lines[key]})")
        self.lines[key] = row.line


def read_rows(path: Path, columns: tuple[str, ...]) -> Iterator[Row]:
    """The rows of a CSV file whose header names exactly `columns` (in any order)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataFileError(path, None, "file not found") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataFileError(path, line, "not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise DataFileError(path, end + 1, f"not valid CSV ({exc})") from None
        start, end = end + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if header is None:
            header = [cell.strip() for cell in cells]
            check_header(path, start, header, columns)
            continue
        if len(cells) != len(header):
            raise DataFileError(
                path, start, f"expected {len(header)} cells as in the header, found {len(cells)}"
            )
        yield Row(path, start, dict(zip(header, cells, strict=True)))
    if header is None:
        raise DataFileError(path, 1, f"no header line (expected: {','.join(columns)})")


def check_header(path: Path, line: int, header: list[str], columns: tuple[str, ...]) -> None:
    for column in header:
        if header.count(column) > 1:
            raise DataFileError(path, line, f"column '{column}' appears twice")
    for column in columns:
        if column not in header:
            raise DataFileError(path, line, f"missing column '{column}'")
    for column in header:
        if column not in columns:
            raise DataFileError(
                path, line, f"unexpected column '{column}' (expected: {','.join(columns)})"
            )


def paragraphs_html(text: str) -> str:
    """Plain text, one paragraph a line, as safe HTML: each escaped and wrapped in <p>."""
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines if line)


@dataclass(frozen=True)
class CountryRecord:
    iso3: str
    iso2: str
    name: str
    slug: str
    official_name: str
    region: str
    subregion: str
    latitude: Decimal
    longitude: Decimal


@dataclass(frozen=True)
class ForumYearRecord:
    label: str
    sort_year: int
    chairs: tuple[str, ...]
    summit_city: str
    summit_start: date | None
    summit_end: date | None
    notes: str


@dataclass(frozen=True)
class RoundtableRecord:
    forum_year: str
    number: str
    title: str


@dataclass(frozen=True)
class AttendanceRecord:
    country: str
    forum_year: str
    attended_meeting: bool
    attended_prep_meetings: bool
    attended_summit: bool
    contribution_recorded: bool


@dataclass(frozen=True)
class RoundtableRoleRecord:
    country: str
    forum_year: str
    role: str
    roundtable: str
    session: str


@dataclass(frozen=True)
class ThematicMeetingRecord:
    forum_year: str
    kind: str
    title: str
    start_date: date | None
    end_date: date | None
    city: str
    host_country: str


@dataclass(frozen=True)
class ParticipationRecord:
    country: str
    forum_year: str
    meeting: str
    role: str


@dataclass(frozen=True)
class ContributionRecord:
    country: str
    forum_year: str
    amount: Decimal | None
    currency: str
    earmarked: str
    note: str


@dataclass(frozen=True)
class PracticeRecord:
    slug: str
    title: str
    description: str
    submitted_by_name: str
    submitted_on: date | None
    status: str
    countries: tuple[str, ...]


@dataclass
class DataSet:
    """Everything the files say, checked; `files` lists each file read and its row count."""

    countries: list[CountryRecord] = field(default_factory=list)
    forum_years: list[ForumYearRecord] = field(default_factory=list)
    roundtables: list[RoundtableRecord] = field(default_factory=list)
    attendance: list[AttendanceRecord] = field(default_factory=list)
    roundtable_roles: list[RoundtableRoleRecord] = field(default_factory=list)
    thematic_meetings: list[ThematicMeetingRecord] = field(default_factory=list)
    thematic_participations: list[ParticipationRecord] = field(default_factory=list)
    contributions: list[ContributionRecord] = field(default_factory=list)
    practices: list[PracticeRecord] = field(default_factory=list)
    files: list[tuple[Path, int]] = field(default_factory=list)

    @property
    def country_codes(self) -> set[str]:
        return {record.iso3 for record in self.countries}

    @property
    def forum_year_labels(self) -> set[str]:
        return {record.label for record in self.forum_years}

    @property
    def profile_countries(self) -> set[str]:
        """ISO3 codes of the countries whose profile pages the files fill."""
        records = [
            *self.attendance,
            *self.roundtable_roles,
            *self.thematic_participations,
            *self.contributions,
        ]
        codes = {record.country for record in records}
        return codes.union(*(record.countries for record in self.practices))


def read_countries(path: Path) -> list[CountryRecord]:
    columns = ("iso2", "iso3", "name", "official_name", "region", "subregion")
    records = []
    iso2s, iso3s, slugs = UniqueKeys("ISO2 code"), UniqueKeys("ISO3 code"), UniqueKeys("slug")
    for row in read_rows(path, (*columns, "latitude", "longitude")):
        iso2 = row.matching("iso2", iso2_validator)
        iso3 = row.matching("iso3", iso3_validator)
        name = row.text("name", limit=max_length(Country, "name"))
        slug = slugify(name)
        if not slug:
            raise row.error(f"the name {name!r} gives no page address (slug)")
        iso2s.add(row, iso2, repr(iso2))
        iso3s.add(row, iso3, repr(iso3))
        slugs.add(row, slug, repr(slug))
        records.append(
            CountryRecord(
                iso3=iso3,
                iso2=iso2,
                name=name,
                slug=slug,
                official_name=row.text(
                    "official_name", required=False, limit=max_length(Country, "official_name")
                ),
                region=row.text("region", required=False, limit=max_length(Country, "region")),
                subregion=row.text(
                    "subregion", required=False, limit=max_length(Country, "subregion")
                ),
                latitude=coordinate(row, "latitude", "NS"),
                longitude=coordinate(row, "longitude", "EW"),
            )
        )
    return records


def coordinate(row: Row, column: str, hemispheres: str) -> Decimal:
    value = row.text(column)
    try:
        degrees = geo.parse_dms(value)
    except ValueError as exc:
        raise row.error(f"column '{column}': {exc}") from None
    if value[-1] not in hemispheres:
        raise row.error(f"column '{column}': {value!r} must end in {' or '.join(hemispheres)}")
    return degrees


def read_forum_years(path: Path, countries: Collection[str]) -> list[ForumYearRecord]:
    columns = ("label", "sort_year", "chairs", "summit_city", "summit_start", "summit_end", "notes")
    label_validator = pattern_validator(ForumYear, "label")
    records = []
    labels = UniqueKeys("forum year")
    for row in read_rows(path, columns):
        label = row.matching("label", label_validator)
        labels.add(row, label, repr(label))
        start, end = row.date_range("summit_start", "summit_end")
        records.append(
            ForumYearRecord(
                label=label,
                sort_year=row.integer("sort_year"),
                chairs=row.references("chairs", countries, "chair country code"),
                summit_city=row.text(
                    "summit_city", required=False, limit=max_length(ForumYear, "summit_city")
                ),
                summit_start=start,
                summit_end=end,
                notes=row.text("notes", required=False),
            )
        )
    return records


def read_roundtables(path: Path, forum_years: Collection[str]) -> list[RoundtableRecord]:
    records = []
    keys = UniqueKeys("roundtable")
    for row in read_rows(path, ("forum_year", "number", "title")):
        forum_year = row.reference("forum_year", forum_years, "forum year")
        number = row.matching("number", roundtable_number_validator, required=False)
        title = row.text("title", limit=max_length(Roundtable, "title"))
        if number:
            keys.add(row, (forum_year, number), f"{forum_year} RT {number}")
        else:
            keys.add(row, (forum_year, "", title), f'{forum_year} "{title}"')
        records.append(RoundtableRecord(forum_year=forum_year, number=number, title=title))
    return records


def read_attendance(path: Path, data: DataSet) -> list[AttendanceRecord]:
    flags = (
        "attended_meeting",
        "attended_prep_meetings",
        "attended_summit",
        "contribution_recorded",
    )
    records = []
    keys = UniqueKeys("attendance of")
    for row in read_rows(path, ("country", "forum_year", *flags)):
        country = row.reference("country", data.country_codes, "country code")
        forum_year = row.reference("forum_year", data.forum_year_labels, "forum year")
        keys.add(row, (country, forum_year), f"{country} in {forum_year}")
        values = {flag: row.flag(flag) for flag in flags}
        records.append(AttendanceRecord(country=country, forum_year=forum_year, **values))
    return records


def read_roundtable_roles(path: Path, data: DataSet) -> list[RoundtableRoleRecord]:
    numbered = {(record.forum_year, record.number) for record in data.roundtables}
    no_participation = RoundtableRole.Role.NO_PARTICIPATION
    records = []
    keys = UniqueKeys("roundtable role")
    for row in read_rows(path, ("country", "forum_year", "role", "roundtable", "session")):
        country = row.reference("country", data.country_codes, "country code")
        forum_year = row.reference("forum_year", data.forum_year_labels, "forum year")
        role = row.choice("role", RoundtableRole.Role)
        number = row.text("roundtable", required=False)
        session = row.text("session", required=False, limit=max_length(RoundtableRole, "session"))
        if number and (forum_year, number) not in numbered:
            raise row.error(f"unknown roundtable {forum_year} RT {number!r} (see roundtables.csv)")
        if role == no_participation and (number or session):
            raise row.error(f"role '{no_participation}' takes neither a roundtable nor a session")
        if role != no_participation and bool(number) == bool(session):
            raise row.error("give either a roundtable number or a session, not both or neither")
        key = (country, forum_year, role, number, session)
        keys.add(row, key, f"{country} {forum_year} {role} {number or session}".rstrip())
        records.append(
            RoundtableRoleRecord(
                country=country,
                forum_year=forum_year,
                role=role,
                roundtable=number,
                session=session,
            )
        )
    return records


def read_thematic_meetings(path: Path, data: DataSet) -> list[ThematicMeetingRecord]:
    columns = ("forum_year", "kind", "title", "start_date", "end_date", "city", "host_country")
    records = []
    keys = UniqueKeys("thematic meeting")
    for row in read_rows(path, columns):
        forum_year = row.reference("forum_year", data.forum_year_labels, "forum year")
        title = row.text("title", limit=max_length(ThematicMeeting, "title"))
        keys.add(row, (forum_year, title), f'{forum_year} "{title}"')
        start, end = row.date_range("start_date", "end_date")
        records.append(
            ThematicMeetingRecord(
                forum_year=forum_year,
                kind=row.choice("kind", ThematicMeeting.Kind),
                title=title,
                start_date=start,
                end_date=end,
                city=row.text("city", required=False, limit=max_length(ThematicMeeting, "city")),
                host_country=row.reference(
                    "host_country", data.country_codes, "host country code", required=False
                ),
            )
        )
    return records


def read_thematic_participations(path: Path, data: DataSet) -> list[ParticipationRecord]:
    meetings = {(record.forum_year, record.title) for record in data.thematic_meetings}
    records = []
    keys = UniqueKeys("participation of")
    for row in read_rows(path, ("country", "forum_year", "meeting", "role")):
        country = row.reference("country", data.country_codes, "country code")
        forum_year = row.reference("forum_year", data.forum_year_labels, "forum year")
        meeting = row.text("meeting")
        if (forum_year, meeting) not in meetings:
            raise row.error(
                f"unknown thematic meeting {meeting!r} in {forum_year} (see thematic_meetings.csv)"
            )
        keys.add(row, (country, forum_year, meeting), f'{country} in "{meeting}"')
        role = row.choice("role", ThematicMeetingParticipation.Role)
        records.append(
            ParticipationRecord(country=country, forum_year=forum_year, meeting=meeting, role=role)
        )
    return records


def read_contributions(path: Path, data: DataSet) -> list[ContributionRecord]:
    columns = ("country", "forum_year", "amount", "currency", "earmarked", "note")
    records = []
    keys = UniqueKeys("contribution")
    for row in read_rows(path, columns):
        country = row.reference("country", data.country_codes, "country code")
        forum_year = row.reference("forum_year", data.forum_year_labels, "forum year")
        amount = row.amount("amount")
        currency = row.matching("currency", currency_validator, required=False)
        note = row.text("note", required=False, limit=max_length(Contribution, "note"))
        if amount is not None and not currency:
            raise row.error("an amount needs a currency")
        if amount is None and currency:
            raise row.error("a currency without an amount")
        if amount is None and not note:
            raise row.error("give an amount, a note, or both")
        shown = f"{country} {forum_year} {currency} {amount} {note}".strip()
        keys.add(row, (country, forum_year, amount, currency, note), shown)
        records.append(
            ContributionRecord(
                country=country,
                forum_year=forum_year,
                amount=amount,
                currency=currency,
                earmarked=row.choice("earmarked", Contribution.Earmarked),
                note=note,
            )
        )
    return records


def read_practices(path: Path, data: DataSet) -> list[PracticeRecord]:
    columns = (
        "slug",
        "title",
        "description",
        "submitted_by_name",
        "submitted_on",
        "status",
        "countries",
    )
    slug_validator = pattern_validator(PracticeSubmission, "slug")
    records = []
    slugs = UniqueKeys("slug")
    for row in read_rows(path, columns):
        slug = row.matching("slug", slug_validator)
        slugs.add(row, slug, repr(slug))
        records.append(
            PracticeRecord(
                slug=slug,
                title=row.text("title", limit=max_length(PracticeSubmission, "title")),
                description=practice_description_sanitise(paragraphs_html(row.text("description"))),
                submitted_by_name=row.text(
                    "submitted_by_name", limit=max_length(PracticeSubmission, "submitted_by_name")
                ),
                submitted_on=row.date("submitted_on"),
                status=row.choice("status", PracticeSubmission.Status),
                countries=row.references("countries", data.country_codes, "country code"),
            )
        )
    return records


def data_set_read(*, data_dir: Path = DEFAULT_DATA_DIR) -> DataSet:
    """Read and check every file of the data set; raise DataFileError on the first mistake."""
    data = DataSet()

    def read(name: str, reader, *args) -> list:
        path = data_dir / name
        records = reader(path, *args)
        data.files.append((path, len(records)))
        return records

    data.countries = read("countries.csv", read_countries)
    data.forum_years = read("forum_years.csv", read_forum_years, data.country_codes)
    data.roundtables = read("roundtables.csv", read_roundtables, data.forum_year_labels)
    data.attendance = read("attendance.csv", read_attendance, data)
    data.roundtable_roles = read("roundtable_roles.csv", read_roundtable_roles, data)
    data.thematic_meetings = read("thematic_meetings.csv", read_thematic_meetings, data)
    data.thematic_participations = read(
        "thematic_participations.csv", read_thematic_participations, data
    )
    data.contributions = read("contributions.csv", read_contributions, data)
    data.practices = read("practices.csv", read_practices, data)
    return data
