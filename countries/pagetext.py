"""Read the text of a country page of the GFMD's current site, as a browser copies it.

Pure Python: no database. The caller passes what is known (`Catalogue`: the forum years, the
roundtables and thematic meetings of each year) and gets a `PageReading`: the header facts,
one `Block` per forum year shown, each line read into a record, the practices, and every line
that could not be read, with its number.

How such a page reads (see morocco-profile.txt in tests/data/reference):

- Header: "Official Name" and the name, "ISO2 Code" and "ISO3 Code" (each followed by its
  code, or by nothing in older copies), the coordinates in degrees and minutes ("32 00 N",
  "5 00 W"; the site labels the N/S value "Longitude" and the E/W value "Latitude", so the
  hemisphere decides, not the label), and a WKT point whose decimals are minutes
  (`POINT (-77.3 -2)` is 77°30'W, 2°00'S).
- One block per forum year, no year heading, oldest first: attendance flags, "Thematic
  Meetings", "Financial Contribution", "RT Participation", each with its lines. A block
  starts wherever a part comes that cannot follow the one before in that order. Thematic
  meetings show one block late: a meeting belongs to the year of its date, an undated one to
  the block before its own.
- Practices after the last block (title, "Submitted by X on", description);
  "Subscribe to <country>" ends the page.

A block's year is decided by evidence, never by counting blocks (years with no record are
left out): roundtable titles known for a year, dated and known thematic meetings (one block
late), dated notes ("the GFMD 2010 budget", "left-over from 2016", "will host ... 2018"),
"Attended Meeting" (2007's wording), "Cluster" roles (2011's format), and the order (years
increase). Where the evidence leaves it open, the block says so and lists the candidates.
"""

from __future__ import annotations

import datetime
import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

# --- What the caller knows ------------------------------------------------------------------


@dataclass(frozen=True)
class ForumYearFact:
    label: str
    sort_year: int
    summit_end: datetime.date | None = None

    def calendar_years(self) -> range:
        first, _sep, last = self.label.partition("-")
        return range(int(first), int(last or first) + 1)


@dataclass
class Catalogue:
    """Forum years in order; roundtables (number, title) and thematic meeting titles by year."""

    forum_years: list[ForumYearFact]
    roundtables: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    meetings: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.forum_years = sorted(self.forum_years, key=lambda y: (y.sort_year, y.label))
        self.labels = [year.label for year in self.forum_years]
        self.index = {label: i for i, label in enumerate(self.labels)}
        self.titles: dict[str, set[str]] = {}
        for label, sessions in self.roundtables.items():
            for _number, title in sessions:
                self.titles.setdefault(title_key(title), set()).add(label)
        self.meeting_titles: dict[str, set[str]] = {}
        for label, titles in self.meetings.items():
            for title in titles:
                self.meeting_titles.setdefault(title_key(title), set()).add(label)

    def year_of_date(self, day: datetime.date) -> str | None:
        """The forum year a meeting of that day belongs to: the first whose summit ends on
        or after it (the year runs from the summit before to its own)."""
        for year in self.forum_years:
            if year.summit_end and year.summit_end >= day:
                return year.label
        return None

    def years_with_calendar_year(self, calendar_year: int) -> list[int]:
        return [
            i for i, year in enumerate(self.forum_years) if calendar_year in year.calendar_years()
        ]

    def roundtable_years(self, number: str, title: str) -> set[str]:
        """Years whose catalogue has this title (spelled alike), or, failing that, a title of
        the same number close to it (another spelling of the same session)."""
        if not title:
            return set()
        exact = self.titles.get(title_key(title))
        if exact:
            return set(exact)
        close = set()
        for label, sessions in self.roundtables.items():
            for known_number, known_title in sessions:
                if known_number == number and similar(known_title, title):
                    close.add(label)
        return close

    def roundtable_title(self, label: str, number: str) -> str | None:
        for known_number, known_title in self.roundtables.get(label, []):
            if known_number == number:
                return known_title
        return None


def title_key(title: str) -> str:
    text = unicodedata.normalize("NFKC", title).casefold()
    text = re.sub(r"[^\w]+", " ", text)
    return " ".join(text.split())


def similar(a: str, b: str) -> bool:
    return difflib.SequenceMatcher(None, title_key(a), title_key(b)).ratio() >= 0.85


# --- Records --------------------------------------------------------------------------------


@dataclass
class Line:
    number: int
    text: str  # as read: whitespace trimmed, bullet removed


@dataclass
class AttendanceFlag:
    line: Line
    flag: str  # meeting, prep_meetings, summit, delegate


@dataclass
class RoleRecord:
    line: Line
    role: str  # co_chair, team_member, coordinator, coordinator_co_chair, rapporteur, ...
    number: str = ""
    title: str = ""
    session: str = ""


@dataclass
class MeetingRecord:
    line: Line
    role: str  # co_chair, chair, attended, participated, co_convener
    kind: str  # thematic_meeting, thematic_workshop, gfmd_thematic_workshop
    title: str
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    city: str = ""
    country_name: str = ""
    block: int = 0  # index of the block it is shown in


@dataclass
class ContributionRecord:
    line: Line
    amount: Decimal | None
    currency: str
    earmarked: str  # yes, no, unknown
    note: str


@dataclass
class Evidence:
    line: Line | None
    text: str
    allowed: frozenset[int]  # indexes into Catalogue.labels


@dataclass
class Block:
    index: int
    first_line: int
    attendance: list[AttendanceFlag] = field(default_factory=list)
    meetings: list[MeetingRecord] = field(default_factory=list)  # as shown (one block late)
    contribution_heading: Line | None = None
    no_contribution: Line | None = None
    contributions: list[ContributionRecord] = field(default_factory=list)
    roles_heading: Line | None = None
    roles: list[RoleRecord] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)
    conflict: str = ""

    @property
    def year(self) -> str | None:
        return self.candidates[0] if len(self.candidates) == 1 else None

    @property
    def has_records(self) -> bool:
        """False for a block that only carries the thematic meetings of the block before
        (the last year's, shown after it): it is no year of its own."""
        return bool(
            self.attendance or self.roles or self.contributions or self.contribution_heading
        ) or bool(self.roles_heading)

    @property
    def contribution_recorded(self) -> bool:
        return self.contribution_heading is not None or bool(self.contributions)


@dataclass
class PracticeRecord:
    title: Line
    submitted_by: str
    submitted_on: datetime.date | None
    submitted_line: Line
    description: list[Line] = field(default_factory=list)


@dataclass
class Unread:
    number: int
    text: str
    reason: str


@dataclass
class YearRecords:
    """What a forum year holds once the blocks have years: lines as read, with records."""

    label: str
    block: Block | None = None
    meetings: list[MeetingRecord] = field(default_factory=list)

    @property
    def attendance(self) -> list[AttendanceFlag]:
        return self.block.attendance if self.block else []

    @property
    def roles(self) -> list[RoleRecord]:
        return self.block.roles if self.block else []

    @property
    def contributions(self) -> list[ContributionRecord]:
        return self.block.contributions if self.block else []

    def as_lines(self) -> dict[str, list[str]]:
        block = self.block
        contributions = [c.line.text for c in self.contributions]
        if block and block.no_contribution:
            contributions.append(block.no_contribution.text)
        roles = [r.line.text for r in self.roles]
        return {
            "attendance": [a.line.text for a in self.attendance],
            "roundtable_roles": roles,
            "thematic_meetings": list(dict.fromkeys(m.line.text for m in self.meetings)),
            "contributions": contributions,
        }


@dataclass
class Header:
    official_name: str = ""
    iso2: str = ""
    iso3: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    lines: list[Line] = field(default_factory=list)


class WrongCountry(ValueError):
    """The page is another country's."""


@dataclass
class PageReading:
    header: Header
    blocks: list[Block]
    practices: list[PracticeRecord]
    unread: list[Unread]
    catalogue: Catalogue
    subscribe_name: str = ""
    stopped_at: int | None = None  # the line a cut-off copy stops in
    line_count: int = 0

    @property
    def open_blocks(self) -> list[Block]:
        return [block for block in self.blocks if block.year is None and block.has_records]

    def choose(self, choices: dict[int, str]) -> None:
        """Settle open blocks (by their first line) to one of their candidate years; the
        years of the blocks after and before narrow to keep the order."""
        for block in self.blocks:
            label = choices.get(block.first_line)
            if label is None or block.year is not None:
                continue
            if label not in block.candidates:
                raise ValueError(
                    f"line {block.first_line}: {label} is not one of {', '.join(block.candidates)}"
                )
            block.evidence.append(
                Evidence(None, f"chosen: {label}", frozenset({self.catalogue.index[label]}))
            )
        place_blocks(self.blocks, self.catalogue)

    def years(self) -> dict[str, YearRecords]:
        """Records by forum year, in year order, for blocks whose year is settled; thematic
        meetings in the year of their date, undated ones in the year of the block before."""
        years: dict[str, YearRecords] = {}
        for block in self.blocks:
            if block.year is None or not block.has_records:
                continue
            years.setdefault(block.year, YearRecords(block.year)).block = block
        for meeting in self.meetings():
            label = self.meeting_year(meeting)
            if label:
                years.setdefault(label, YearRecords(label)).meetings.append(meeting)
        order = self.catalogue.index
        return dict(sorted(years.items(), key=lambda item: order[item[0]]))

    def meetings(self) -> list[MeetingRecord]:
        return [meeting for block in self.blocks for meeting in block.meetings]

    def meeting_year(self, meeting: MeetingRecord) -> str | None:
        if meeting.start_date:
            return self.catalogue.year_of_date(meeting.start_date)
        known = self.catalogue.meeting_titles.get(title_key(meeting.title))
        if known and len(known) == 1:
            return next(iter(known))
        if meeting.block == 0:
            return None
        return self.blocks[meeting.block - 1].year

    def as_json(self, country: str) -> dict:
        return {
            "country": country,
            "years": {label: year.as_lines() for label, year in self.years().items()},
            "practices": [practice.title.text for practice in self.practices],
            "unread": [item.number for item in self.unread],
        }


# --- Reading --------------------------------------------------------------------------------

BULLET = re.compile(r"^\s*(?:[•\-\u2013*·]\s*)?")
ATTENDANCE = {
    "attended meeting": "meeting",
    "attended prep meetings": "prep_meetings",
    "attended prep meeting": "prep_meetings",
    "attended summit": "summit",
    "delegate": "delegate",
}
PART_ORDER = {"attendance": 0, "meetings": 1, "contributions": 2, "roles": 3}
HEADINGS = {
    "thematic meetings": "meetings",
    "financial contribution": "contributions",
    "financial contributions": "contributions",
    "rt participation": "roles",
}
SUBMITTED = re.compile(r"^Submitted by (.+?) on(?:\s+(.+))?$")
SUBSCRIBE = re.compile(r"^Subscribe to (.+)$")


def clean_line(raw: str) -> str:
    return BULLET.sub("", raw.replace("\u00a0", " ")).strip()


def read_page(text: str, catalogue: Catalogue) -> PageReading:
    raw_lines = text.splitlines()
    numbered = [(i, raw.strip()) for i, raw in enumerate(raw_lines, 1)]
    content = [(i, line) for i, line in numbered if line]
    unread: list[Unread] = []
    stopped_at = None
    subscribe_name = ""
    if content and (match := SUBSCRIBE.match(content[-1][1])):
        subscribe_name = match[1].strip()
        content = content[:-1]
    elif content:
        # No "Subscribe to" at the end: the copy was cut off, in the middle of its last line
        # (or at its end: there is no telling), which is not read.
        stopped_at, cut = content[-1]
        unread.append(Unread(stopped_at, cut, "the copy stops here (cut off): not read"))
        content = content[:-1]

    header, rest = read_header(content, unread)
    practice_starts = [k for k in range(1, len(rest)) if SUBMITTED.match(rest[k][1])]
    profile_end = practice_starts[0] - 1 if practice_starts else len(rest)
    blocks = read_blocks(rest[:profile_end], catalogue, unread)
    practices = read_practices(rest[profile_end:], practice_starts, profile_end)
    place_blocks(blocks, catalogue)
    unread.sort(key=lambda item: item.number)
    return PageReading(
        header=header,
        blocks=blocks,
        practices=practices,
        unread=unread,
        catalogue=catalogue,
        subscribe_name=subscribe_name,
        stopped_at=stopped_at,
        line_count=len(raw_lines),
    )


HEADER_LABELS = {"official name", "iso2 code", "iso3 code", "longitude", "latitude"}
DMS = re.compile(
    r"^(?:(?:Longitude|Latitude|Coordinates)\s*:?\s*)?(\d{1,3})\s+(\d{1,2})\s*([NSEW])$"
)
WKT = re.compile(r"^POINT\s*\(\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)\s*\)$")


def read_header(content: list[tuple[int, str]], unread: list[Unread]):
    """The header runs up to the first line of the first block."""
    header = Header()
    k = 0
    expecting = ""
    wkt: tuple[Decimal, Decimal] | None = None
    wkt_line: Line | None = None
    while k < len(content):
        number, text = content[k]
        folded = clean_line(text).casefold()
        if folded in ATTENDANCE or folded in HEADINGS:
            break
        line = Line(number, text)
        if folded in HEADER_LABELS:
            header.lines.append(line)
            expecting = folded
        elif expecting == "official name":
            header.official_name = text
            header.lines.append(line)
            expecting = ""
        elif expecting == "iso2 code" and re.fullmatch(r"[A-Z]{2}", text):
            header.iso2 = text
            header.lines.append(line)
            expecting = ""
        elif expecting == "iso3 code" and re.fullmatch(r"[A-Z]{3}", text):
            header.iso3 = text
            header.lines.append(line)
            expecting = ""
        elif match := re.fullmatch(r"(ISO[23]) Code:?\s+([A-Z]{2,3})", text):
            setattr(header, match[1].lower(), match[2])
            header.lines.append(line)
        elif match := DMS.match(text):
            value = Decimal(match[1]) + Decimal(match[2]) / 60
            value = value.quantize(Decimal("0.000001"))
            if int(match[2]) >= 60:
                unread.append(Unread(number, text, "minutes must be below 60"))
            elif match[3] in "NS":
                header.latitude = -value if match[3] == "S" else value
                header.lines.append(line)
            else:
                header.longitude = -value if match[3] == "W" else value
                header.lines.append(line)
            expecting = ""
        elif match := WKT.match(text):
            wkt = (minutes_decimal(match[2]), minutes_decimal(match[1]))
            wkt_line = line
            header.lines.append(line)
        else:
            unread.append(Unread(number, text, "not a header fact"))
            expecting = ""
        k += 1
    if wkt is not None:
        latitude, longitude = wkt
        if header.latitude is None:
            header.latitude = latitude
        if header.longitude is None:
            header.longitude = longitude
        if (header.latitude, header.longitude) != (latitude, longitude):
            unread.append(
                Unread(wkt_line.number, wkt_line.text, "the point disagrees with the coordinates")
            )
            header.lines.remove(wkt_line)
    return header, content[k:]


def minutes_decimal(text: str) -> Decimal:
    """The site's WKT: "-77.3" is 77 degrees 30 minutes west (decimals are minutes)."""
    negative = text.startswith("-")
    degrees, _sep, minutes = text.lstrip("-").partition(".")
    minutes = (minutes + "00")[:2] if minutes else "00"
    value = (Decimal(degrees) + Decimal(minutes) / 60).quantize(Decimal("0.000001"))
    return -value if negative else value


def read_blocks(
    content: list[tuple[int, str]], catalogue: Catalogue, unread: list[Unread]
) -> list[Block]:
    blocks: list[Block] = []
    part = ""

    def start(number: int) -> Block:
        block = Block(index=len(blocks), first_line=number)
        blocks.append(block)
        return block

    block: Block | None = None
    for number, raw in content:
        text = clean_line(raw)
        line = Line(number, text)
        folded = text.casefold()
        if folded in ATTENDANCE:
            flag = ATTENDANCE[folded]
            # A flag that cannot follow the one before (Summit, then Summit or Prep
            # Meetings) starts the next year's block.
            if block is None or part != "attendance" or not flag_follows(block, flag):
                block = start(number)
            part = "attendance"
            block.attendance.append(AttendanceFlag(line, flag))
            if flag == "meeting":
                add_evidence(
                    block, line, "'Attended Meeting' is 2007's wording", catalogue, eq_calendar=2007
                )
            continue
        if folded in HEADINGS:
            new_part = HEADINGS[folded]
            if block is None or PART_ORDER[new_part] <= PART_ORDER.get(part, -1):
                block = start(number)
            part = new_part
            if new_part == "contributions":
                block.contribution_heading = line
            elif new_part == "roles":
                block.roles_heading = line
            continue
        if block is None or part == "attendance":
            unread.append(Unread(number, text, "not an attendance flag or a heading"))
            continue
        if part == "meetings":
            meetings = read_meeting_line(line)
            if meetings is None:
                unread.append(Unread(number, text, "not a thematic meeting line"))
            for meeting in meetings or []:
                meeting.block = block.index
                block.meetings.append(meeting)
        elif part == "contributions":
            if folded == "no financial contribution":
                block.no_contribution = line
                continue
            contribution = read_contribution_line(line)
            block.contributions.append(contribution)
            for evidence in note_evidence(contribution.line, catalogue):
                block.evidence.append(evidence)
        else:
            role = read_role_line(line)
            if role is None:
                unread.append(Unread(number, text, "not a roundtable role"))
                continue
            block.roles.append(role)
            if role.number:
                years = catalogue.roundtable_years(role.number, role.title)
                if years:
                    allowed = frozenset(catalogue.index[y] for y in years if y in catalogue.index)
                    block.evidence.append(
                        Evidence(line, f"roundtable title of {', '.join(sorted(years))}", allowed)
                    )
            elif role.session.startswith("Cluster "):
                add_evidence(
                    block, line, "clusters were 2011's format", catalogue, eq_calendar=2011
                )
    # Thematic meetings show one block late: dated or known ones say the block before is
    # their year, and this block comes after it.
    for block in blocks:
        for meeting in block.meetings:
            label = meeting.start_date and catalogue.year_of_date(meeting.start_date)
            if not label:
                known = catalogue.meeting_titles.get(title_key(meeting.title), set())
                label = next(iter(known)) if len(known) == 1 else None
            if not label:
                continue
            i = catalogue.index[label]
            why = f"thematic meeting of {label}, shown one block late"
            block.evidence.append(
                Evidence(meeting.line, why, frozenset(range(i + 1, len(catalogue.labels))))
            )
            if block.index > 0:
                blocks[block.index - 1].evidence.append(Evidence(meeting.line, why, frozenset({i})))
    return blocks


FLAG_ORDER = ["meeting", "prep_meetings", "summit", "delegate"]


def flag_follows(block: Block, flag: str) -> bool:
    last = block.attendance[-1].flag if block.attendance else None
    return last is None or FLAG_ORDER.index(flag) > FLAG_ORDER.index(last)


def add_evidence(block: Block, line: Line, why: str, catalogue: Catalogue, *, eq_calendar: int):
    allowed = frozenset(catalogue.years_with_calendar_year(eq_calendar))
    if allowed:
        block.evidence.append(Evidence(line, why, allowed))


def place_blocks(blocks: list[Block], catalogue: Catalogue) -> None:
    """Each block's candidate years: those its evidence allows, narrowed so that years
    increase from block to block."""
    every = frozenset(range(len(catalogue.labels)))
    for block in blocks:
        if not block.has_records:  # carries the meetings of the block before; no year
            block.candidates = []
    blocks = [block for block in blocks if block.has_records]
    sets: list[set[int]] = []
    for block in blocks:
        allowed = set(every)
        block.conflict = ""
        for evidence in block.evidence:
            narrowed = allowed & evidence.allowed
            if not narrowed:
                block.conflict = f"evidence disagrees: {evidence.text}"
                continue
            allowed = narrowed
        sets.append(allowed)
    changed = True
    while changed:
        changed = False
        for k in range(1, len(sets)):
            low = min(sets[k - 1], default=len(every))
            narrowed = {i for i in sets[k] if i > low}
            if narrowed != sets[k] and narrowed:
                sets[k], changed = narrowed, True
        for k in range(len(sets) - 2, -1, -1):
            high = max(sets[k + 1], default=-1)
            narrowed = {i for i in sets[k] if i < high}
            if narrowed != sets[k] and narrowed:
                sets[k], changed = narrowed, True
    for block, allowed in zip(blocks, sets, strict=True):
        block.candidates = [catalogue.labels[i] for i in sorted(allowed)]


YEAR = r"(\d{4})"
NOTE_PATTERNS = [
    # "left-over from 2016", "Left-over from GFMD 2010/2011", "left-over from contributions
    # to GFMD 2012": a later year.
    (
        re.compile(
            r"left[- ]?over from (?:the )?(?:contributions? to )?(?:the )?(?:GFMD )?"
            r"(\d{4})(?:\s*[/-]\s*(\d{4}))?",
            re.I,
        ),
        "after",
    ),
    # "will host the GFMD Summit in December 2018": an earlier year.
    (re.compile(r"\bwill host\b.*?(\d{4})", re.I), "before"),
    # "the GFMD 2010 budget", "hosted the GFMD Summit 2011", "GFMD 2013-2014": that year.
    (re.compile(r"\bGFMD (?:Summit )?(?:in )?(\d{4})(?:\s*[/-]\s*(\d{4}))?", re.I), "same"),
]


def note_evidence(line: Line, catalogue: Catalogue) -> list[Evidence]:
    for pattern, relation in NOTE_PATTERNS:
        match = pattern.search(line.text)
        if not match:
            continue
        first = int(match[1])
        last = int(match[2]) if match.lastindex and match.lastindex >= 2 and match[2] else first
        n = len(catalogue.labels)
        if relation == "after":
            years = catalogue.years_with_calendar_year(last)
            allowed = range(max(years) + 1, n) if years else ()
            why = f"note of a year after {last}"
        elif relation == "before":
            years = catalogue.years_with_calendar_year(first)
            allowed = range(0, min(years)) if years else ()
            why = f"note of a year before {first}"
        else:
            labelled = [
                i for i, label in enumerate(catalogue.labels) if label == match[0][5:].strip()
            ]
            allowed = labelled or catalogue.years_with_calendar_year(first)
            why = f"note naming GFMD {first}"
        if allowed:
            return [Evidence(line, why, frozenset(allowed))]
    return []


# Roundtable roles ---------------------------------------------------------------------------

ROLE_WORDS = {
    "co-chair": "co_chair",
    "cochair": "co_chair",
    "team member": "team_member",
    "coordinator and co-chair": "coordinator_co_chair",
    "coordinator": "coordinator",
    "rapporteur": "rapporteur",
}
ROLE_ALTERNATIVES = "|".join(re.escape(word) for word in sorted(ROLE_WORDS, key=len, reverse=True))
NUMBERED_ROLE = re.compile(
    rf"^({ROLE_ALTERNATIVES}) in RT\s*(\d+(?:\.\d+)*)\.?(?:\s+\"(.+)\")?\s*\.?$", re.I
)
CLUSTER_ROLE = re.compile(rf"^({ROLE_ALTERNATIVES}) in (Cluster [IVX]+\b.*)$", re.I)
SESSION_ROLE = re.compile(rf"^({ROLE_ALTERNATIVES}) (in|of) (.+?)\s*$", re.I)


def read_role_line(line: Line) -> RoleRecord | None:
    text = line.text
    if text.casefold() == "no participation":
        return RoleRecord(line, "no_participation")
    if match := NUMBERED_ROLE.match(text):
        title = match[3] or ""
        if title.count('"'):
            return None
        return RoleRecord(line, ROLE_WORDS[match[1].casefold()], number=match[2], title=title)
    if match := CLUSTER_ROLE.match(text):
        return RoleRecord(line, ROLE_WORDS[match[1].casefold()], session=match[2])
    if match := SESSION_ROLE.match(text):
        role = ROLE_WORDS[match[1].casefold()]
        preposition = "of" if role == "coordinator" else "in"
        if match[2].casefold() != preposition or match[3].count('"') % 2:
            return None
        return RoleRecord(line, role, session=match[3])
    return None


# Thematic meetings --------------------------------------------------------------------------

MEETING_ROLES = {
    "co-chair in": "co_chair",
    "co-chair": "co_chair",
    "chair in": "chair",
    "chair": "chair",
    "attended": "attended",
    "participated in": "participated",
    "co-convener in": "co_convener",
    "co-convener of": "co_convener",
}
MEETING_KINDS = {
    "gfmd thematic workshop": "gfmd_thematic_workshop",
    "thematic workshop": "thematic_workshop",
    "thematic meeting": "thematic_meeting",
}
MEETING_LINE = re.compile(
    r"^(?P<role>"
    + "|".join(re.escape(r) for r in sorted(MEETING_ROLES, key=len, reverse=True))
    + r") (?:the )?(?P<kind>GFMD Thematic Workshop|Thematic Workshop|Thematic Meeting)"
    r"(?P<plural>s?)"
    r" on (?P<titles>\"[^\"]+\"(?:(?:,? and |, )\"[^\"]+\")*)"
    r"(?: on (?P<dates>[^\"]+?))?(?: in (?P<place>[^\"]+?))?\s*\.?$",
    re.I,
)
MONTHS = {
    name: i
    for i, name in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        1,
    )
}


def read_meeting_line(line: Line) -> list[MeetingRecord] | None:
    match = MEETING_LINE.match(line.text)
    if not match:
        return None
    titles = re.findall(r'"([^"]+)"', match["titles"])
    start = end = None
    if match["dates"]:
        try:
            start, end = parse_dates(match["dates"])
        except ValueError:
            return None
    city = country = ""
    if match["place"]:
        city, _sep, country = match["place"].rpartition(", ")
        if not city:
            city, country = country, ""
    role = MEETING_ROLES[match["role"].casefold()]
    kind = MEETING_KINDS[match["kind"].casefold()]
    return [
        MeetingRecord(line, role, kind, title, start, end, city.strip(), country.strip())
        for title in titles
    ]


def parse_dates(text: str) -> tuple[datetime.date, datetime.date | None]:
    """22 May 2013; 14-15 June 2011; 30 June-2 July 2011; 30 December 2011-2 January 2012."""
    parts = re.split(r"\s*[-\u2013]\s*", text.strip(), maxsplit=1)
    if len(parts) == 1:
        return parse_day(parts[0]), None
    left, right = parts
    end = parse_day(right)
    parts = left.split()
    if len(parts) == 1:
        parts += [month_name(end.month), str(end.year)]
    elif len(parts) == 2:
        parts.append(str(end.year))
    start = parse_day(" ".join(parts))
    if end < start:
        raise ValueError(text)
    return start, end


def month_name(month: int) -> str:
    return next(name for name, i in MONTHS.items() if i == month)


def parse_day(text: str) -> datetime.date:
    match = re.fullmatch(r"(\d{1,2}) ([A-Za-z]+),? (\d{4})", text.strip())
    if not match or match[2].casefold() not in MONTHS:
        raise ValueError(text)
    return datetime.date(int(match[3]), MONTHS[match[2].casefold()], int(match[1]))


# Contributions ------------------------------------------------------------------------------

CURRENCY_WORDS = {
    "usd": "USD", "us$": "USD", "$": "USD", "us dollars": "USD", "dollars": "USD",
    "eur": "EUR", "euro": "EUR", "euros": "EUR", "€": "EUR",
    "chf": "CHF", "gbp": "GBP", "£": "GBP", "sek": "SEK", "nok": "NOK", "dkk": "DKK",
    "aud": "AUD", "cad": "CAD", "jpy": "JPY", "¥": "JPY", "krw": "KRW", "php": "PHP",
    "mxn": "MXN", "try": "TRY", "bdt": "BDT", "aed": "AED", "inr": "INR",
}  # fmt: skip
CURRENCY = r"(?P<cur>US\$|[A-Z]{3}|Euros?|€|\$|£|¥)"
AMOUNT = r"(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
CURRENCY_FIRST = re.compile(rf"(?<![\w$€£¥]){CURRENCY}\s?{AMOUNT}(?![\d,])")
AMOUNT_FIRST = re.compile(rf"(?<![\d,.]){AMOUNT}\s?{CURRENCY}(?![A-Za-z])")
EARMARK = re.compile(r"\b(non[- ]?earn?marked|un-?earmarked|earn?marked)\b", re.I)


def read_contribution_line(line: Line) -> ContributionRecord:
    """An amount with its currency where the line has one; the rest of the line is the note,
    in the page's words. A line with no amount is a note alone."""
    text = line.text
    amount = currency = None
    note = text
    for pattern in (CURRENCY_FIRST, AMOUNT_FIRST):
        match = pattern.search(text)
        if not match:
            continue
        code = CURRENCY_WORDS.get(match["cur"].casefold(), match["cur"])
        if not re.fullmatch(r"[A-Z]{3}", code):
            continue
        try:
            amount = Decimal(match["amount"].replace(",", ""))
        except InvalidOperation:
            continue
        currency = code
        note = (text[: match.start()] + " " + text[match.end() :]).strip()
        break
    earmarked = "unknown"
    if amount is not None and (mark := EARMARK.search(note)):
        earmarked = "yes" if not re.match(r"(non|un)", mark[1], re.I) else "no"
        note = (note[: mark.start()] + note[mark.end() :]).strip()
    note = re.sub(r"\s{2,}", " ", note).strip()
    if amount is not None and re.fullmatch(r"\(([^()]*)\)", note):
        note = note[1:-1].strip()
    return ContributionRecord(line, amount, currency or "", earmarked, note)


# Practices ----------------------------------------------------------------------------------


def read_practices(
    content: list[tuple[int, str]], starts: list[int], offset: int
) -> list[PracticeRecord]:
    """`content` starts at the first practice's title; `starts` index "Submitted by" lines
    in the whole list that `offset` cut."""
    practices: list[PracticeRecord] = []
    local = [k - offset for k in starts]
    for n, k in enumerate(local):
        title_number, title = content[k - 1]
        submitted_number, submitted = content[k]
        match = SUBMITTED.match(submitted)
        day = None
        if match[2]:
            try:
                day = parse_day(match[2])
            except ValueError:
                day = None
        end = local[n + 1] - 1 if n + 1 < len(local) else len(content)
        practice = PracticeRecord(
            title=Line(title_number, title),
            submitted_by=match[1].strip(),
            submitted_on=day,
            submitted_line=Line(submitted_number, submitted),
            description=[Line(i, text) for i, text in content[k + 1 : end]],
        )
        practices.append(practice)
    return practices


# Checks -------------------------------------------------------------------------------------


def check_country(
    reading: PageReading,
    *,
    names: Iterable[str],
    iso2: str,
    iso3: str,
    other_names: Iterable[str] = (),
) -> None:
    """Refuse a page that names another country: by its ISO codes; by its official name or
    "Subscribe to" country when one names another country (`other_names`); or when none of
    them names this one. A name that matches no country at all (the site spells some names
    its own way) is not a reason on its own."""
    header = reading.header
    if header.iso3 and header.iso3 != iso3:
        raise WrongCountry(f"The page is for ISO3 {header.iso3}, not {iso3}.")
    if header.iso2 and header.iso2 != iso2:
        raise WrongCountry(f"The page is for ISO2 {header.iso2}, not {iso2}.")
    known = {title_key(name) for name in names if name}
    others = {title_key(name) for name in other_names if name} - known
    page_names = [n for n in (header.official_name, reading.subscribe_name) if n]
    foreign = [n for n in page_names if title_key(n) in others]
    if foreign or (page_names and not any(title_key(n) in known for n in page_names)):
        raise WrongCountry(
            f"The page is for {' / '.join(page_names)}, not {' / '.join(sorted(known))}."
        )
