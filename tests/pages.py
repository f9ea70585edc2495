"""Country pages in the text format of the GFMD's current site, for the page reader's tests.

`render` writes a profile as a browser copies the site's page (see
tests/data/reference/morocco-profile.txt): header facts with the site's decimal-minute WKT,
one block per year without a heading (attendance, thematic meetings one block late,
financial contribution, roundtable roles), practices, "Subscribe to <country>".
`random_profile` makes profiles with missing years, several roles, thematic meetings and
contributions in several currencies and written in several ways. `data_profile` is
Morocco's profile from the reference data files (countries/data/).
"""

from __future__ import annotations

import csv
import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from countries.pagetext import Catalogue, ForumYearFact

DATA = Path(__file__).resolve().parents[1] / "countries" / "data"

FLAG_TEXT = {
    "meeting": "Attended Meeting",
    "prep_meetings": "Attended Prep Meetings",
    "summit": "Attended Summit",
}
ROLE_TEXT = {
    "co_chair": "Co-Chair",
    "team_member": "Team Member",
    "coordinator": "Coordinator",
    "coordinator_co_chair": "Coordinator and Co-Chair",
    "rapporteur": "Rapporteur",
}
MEETING_ROLE_TEXT = {
    "co_chair": "Co-Chair in",
    "chair": "Chair in",
    "attended": "Attended",
    "participated": "Participated in",
    "co_convener": "Co-Convener in",
}
KIND_TEXT = {
    "thematic_meeting": ("Thematic Meeting", "Thematic Meetings"),
    "thematic_workshop": ("the Thematic Workshop", "the Thematic Workshops"),
    "gfmd_thematic_workshop": ("the GFMD Thematic Workshop", "the GFMD Thematic Workshops"),
}
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]  # fmt: skip


# (role, number, title, session); (role, kind, title, start, end, city, country);
# (amount, currency, earmarked, note)
Role = tuple[str, str, str, str]
Meeting = tuple[str, str, str, "datetime.date | None", "datetime.date | None", str, str]
Money = tuple["Decimal | None", str, str, str]


@dataclass
class YearData:
    flags: list[str] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    contributions: list[Money] = field(default_factory=list)
    recorded: bool = True
    styles: list[int] = field(default_factory=list)  # how each contribution is written


@dataclass
class Profile:
    name: str
    official_name: str
    iso2: str
    iso3: str
    latitude: Decimal
    longitude: Decimal
    years: dict[str, YearData]
    practices: list[tuple[str, str, list[str]]] = field(default_factory=list)


def forum_year_facts() -> list[ForumYearFact]:
    with open(DATA / "forum_years.csv", encoding="utf-8") as file:
        return [
            ForumYearFact(
                row["label"],
                int(row["sort_year"]),
                datetime.date.fromisoformat(row["summit_end"]) if row["summit_end"] else None,
            )
            for row in csv.DictReader(file)
        ]


def rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8") as file:
        return list(csv.DictReader(file))


def data_catalogue(*, meetings: bool = True) -> Catalogue:
    """What the database knows after `load_gfmd_data`, read from its files."""
    roundtables: dict[str, list[tuple[str, str]]] = {}
    for row in rows("roundtables.csv"):
        roundtables.setdefault(row["forum_year"], []).append((row["number"], row["title"]))
    known: dict[str, list[str]] = {}
    if meetings:
        for row in rows("thematic_meetings.csv"):
            known.setdefault(row["forum_year"], []).append(row["title"])
    return Catalogue(forum_year_facts(), roundtables, known)


COUNTRY_NAMES = {"MAR": "Morocco", "FRA": "France", "CHE": "Switzerland", "THA": "Thailand"}


def data_profile() -> Profile:
    """Morocco's profile as the reference data files hold it."""
    titles = {(r["forum_year"], r["number"]): r["title"] for r in rows("roundtables.csv")}
    years: dict[str, YearData] = {}

    def year(label: str) -> YearData:
        return years.setdefault(label, YearData())

    for row in rows("attendance.csv"):
        data = year(row["forum_year"])
        data.flags = [
            flag
            for flag in ("meeting", "prep_meetings", "summit")
            if row[f"attended_{flag}"] == "yes"
        ]
        data.recorded = row["contribution_recorded"] == "yes"
    for row in rows("roundtable_roles.csv"):
        title = titles.get((row["forum_year"], row["roundtable"]), "") if row["roundtable"] else ""
        year(row["forum_year"]).roles.append(
            (row["role"], row["roundtable"], title, row["session"])
        )
    meetings = {(r["forum_year"], r["title"]): r for r in rows("thematic_meetings.csv")}
    for row in rows("thematic_participations.csv"):
        meeting = meetings[(row["forum_year"], row["meeting"])]
        year(row["forum_year"]).meetings.append(
            (
                row["role"],
                meeting["kind"],
                meeting["title"],
                datetime.date.fromisoformat(meeting["start_date"])
                if meeting["start_date"]
                else None,
                datetime.date.fromisoformat(meeting["end_date"]) if meeting["end_date"] else None,
                meeting["city"],
                COUNTRY_NAMES.get(meeting["host_country"], ""),
            )
        )
    for row in rows("contributions.csv"):
        amount = Decimal(row["amount"]) if row["amount"] else None
        year(row["forum_year"]).contributions.append(
            (amount, row["currency"], row["earmarked"], row["note"])
        )
        year(row["forum_year"]).styles.append(0)
    practices = [
        (row["title"], row["submitted_by_name"], row["description"].splitlines())
        for row in rows("practices.csv")
    ]
    order = {fact.label: i for i, fact in enumerate(forum_year_facts())}
    return Profile(
        name="Morocco",
        official_name="Kingdom of Morocco",
        iso2="MA",
        iso3="MAR",
        latitude=Decimal(32),
        longitude=Decimal(-5),
        years=dict(sorted(years.items(), key=lambda item: order[item[0]])),
        practices=practices,
    )


# --- Writing --------------------------------------------------------------------------------


def dms(value: Decimal, positive: str, negative: str) -> str:
    minutes = round(abs(value) * 60)
    return f"{minutes // 60} {minutes % 60:02d} {negative if value < 0 else positive}"


def site_wkt_number(value: Decimal) -> str:
    """The site's WKT: degrees, then the minutes as decimals (77°30'W is -77.3)."""
    minutes = round(abs(value) * 60)
    degrees, rest = divmod(minutes, 60)
    text = f"{degrees}.{rest:02d}".rstrip("0").rstrip(".")
    return f"-{text}" if value < 0 and minutes else text


def format_amount(amount: Decimal) -> str:
    return f"{amount:,.2f}".removesuffix(".00")


def date_range(start: datetime.date, end: datetime.date | None) -> str:
    def day(d: datetime.date, *parts: str) -> str:
        values = {"d": str(d.day), "m": MONTHS[d.month - 1], "y": str(d.year)}
        return " ".join(values[p] for p in parts)

    if end is None:
        return day(start, "d", "m", "y")
    if (start.year, start.month) == (end.year, end.month):
        return f"{day(start, 'd')}-{day(end, 'd', 'm', 'y')}"
    if start.year == end.year:
        return f"{day(start, 'd', 'm')}-{day(end, 'd', 'm', 'y')}"
    return f"{day(start, 'd', 'm', 'y')}-{day(end, 'd', 'm', 'y')}"


def role_line(role: Role, style: int) -> str:
    kind, number, title, session = role
    if kind == "no_participation":
        return "No Participation"
    word = ROLE_TEXT[kind]
    if number:
        dot = "." if style % 2 else ""
        return f'{word} in RT {number}{dot} "{title}"' if title else f"{word} in RT {number}"
    return f"{word} {'of' if kind == 'coordinator' else 'in'} {session}"


def meeting_lines(meetings: list[Meeting]) -> list[str]:
    lines = []
    undated: dict[tuple[str, str], list[str]] = {}
    for role, kind, title, start, end, city, country in meetings:
        if start is None and not city and not country:
            undated.setdefault((role, kind), []).append(title)
            continue
        line = f'{MEETING_ROLE_TEXT[role]} {KIND_TEXT[kind][0]} on "{title}"'
        if start:
            line += f" on {date_range(start, end)}"
        place = ", ".join(part for part in (city, country) if part)
        if place:
            line += f" in {place}"
        lines.append(line + ".")
    for (role, kind), titles in undated.items():
        quoted = [f'"{title}"' for title in titles]
        if len(quoted) <= 2:
            listed = " and ".join(quoted)
        else:
            listed = ", ".join(quoted[:-1]) + ", and " + quoted[-1]
        phrase = KIND_TEXT[kind][1 if len(titles) > 1 else 0]
        lines.append(f"{MEETING_ROLE_TEXT[role]} {phrase} on {listed}")
    return lines


def contribution_line(money: Money, style: int) -> str:
    amount, currency, earmarked, note = money
    if amount is None:
        return note
    mark = {"yes": "earmarked", "no": "non-earmarked", "unknown": ""}[earmarked]
    if style == 1 and currency == "EUR":
        parts = [f"{format_amount(amount)}€", mark, note]
    elif style == 2:
        word = {"EUR": "Euro"}.get(currency, currency)
        parts = [f"{word} {format_amount(amount)}", mark, note]
    elif style == 3 and not mark:
        parts = [note, f"{format_amount(amount)} {currency}"]
    else:
        parts = [f"{currency} {format_amount(amount)}", mark, f"({note})" if note else ""]
    return " ".join(part for part in parts if part)


def render(profile: Profile) -> tuple[str, dict[int, str]]:
    """The page's text, and the first line of each year's block (for choosing open years)."""
    lines = [
        "Official Name",
        profile.official_name,
        "ISO2 Code",
        profile.iso2,
        "ISO3 Code",
        profile.iso3,
        dms(profile.latitude, "N", "S"),
        dms(profile.longitude, "E", "W"),
        f"POINT ({site_wkt_number(profile.longitude)} {site_wkt_number(profile.latitude)})",
    ]
    starts: dict[int, str] = {}
    late: list[Meeting] = []  # the thematic meetings of the block before
    for label, data in profile.years.items():
        starts[len(lines) + 1] = label
        lines += [FLAG_TEXT[flag] for flag in data.flags]
        if late:
            lines.append("Thematic Meetings")
            lines += [f"- {line}" for line in meeting_lines(late)]
        if data.recorded or data.contributions:
            lines.append("Financial Contribution")
            if data.contributions:
                styles = data.styles or [0] * len(data.contributions)
                for money, style in zip(data.contributions, styles, strict=True):
                    lines.append(f"  • {contribution_line(money, style)} ")
            else:
                lines += ["", "No Financial Contribution", ""]
        if data.roles:
            lines.append("RT Participation")
            lines += [f"  • {role_line(role, i)} " for i, role in enumerate(data.roles)]
        late = data.meetings
    if late:
        lines.append("Thematic Meetings")
        lines += meeting_lines(late)
    for title, by, description in profile.practices:
        lines += ["", title, "", f"Submitted by {by} on", "", *description, ""]
    lines.append(f"Subscribe to {profile.name}")
    return "\n".join(lines), starts


# --- Random profiles ------------------------------------------------------------------------

WORDS = [
    "migration",
    "development",
    "labour",
    "diaspora",
    "partnerships",
    "skills",
    "mobility",
    "remittances",
    "data",
    "coherence",
    "integration",
    "protection",
    "return",
    "youth",
    "women",
    "cities",
    "climate",
    "recruitment",
]
NOTES = [
    "Left-over",
    "for Assistance in translation costs",
    "for Preparatory Activities and Adviser Fees",
    "(USD 154,131) in January 2014",
]
NOTE_ONLY = [
    "In kind contributions: International Advisor secondment",
    "Secondment of a staff member to the Support Unit",
    "Hosted a preparatory workshop",
]
PLACES = [
    ("Geneva", "Switzerland"),
    ("Marseille", "France"),
    ("Bangkok", "Thailand"),
    ("Rabat", ""),
]


def random_title(rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(3, 7))
    return " ".join(words).capitalize() + rng.choice(["", ": sharing responsibility", "?"])


def random_catalogue(rng: random.Random) -> Catalogue:
    roundtables = {}
    for fact in forum_year_facts():
        numbers = [f"{a}.{b}" for a in (1, 2, 3) for b in (1, 2)]
        roundtables[fact.label] = [(n, f"{random_title(rng)} {fact.label} {n}") for n in numbers]
    return Catalogue(forum_year_facts(), roundtables, {})


def random_profile(rng: random.Random, catalogue: Catalogue) -> Profile:
    facts = catalogue.forum_years
    chosen = sorted(rng.sample(range(len(facts)), rng.randint(1, len(facts))))
    years: dict[str, YearData] = {}
    for index in chosen:
        fact = facts[index]
        data = YearData()
        data.flags = sorted(
            rng.sample(["prep_meetings", "summit"], rng.randint(1, 2)), key=list(FLAG_TEXT).index
        )
        if fact.label == "2007" and rng.random() < 0.5:
            data.flags = ["meeting", *data.flags]
        sessions = rng.sample(catalogue.roundtables[fact.label], rng.randint(0, 4))
        roles = list(ROLE_TEXT)
        data.roles = [(rng.choice(roles), number, title, "") for number, title in sessions]
        if rng.random() < 0.3:
            data.roles.append(("co_chair", "", "", '"Plaform for Partnerships" meeting'))
        if rng.random() < 0.2:
            data.roles.append(("team_member", "", "", "Business Roundtable"))
        if rng.random() < 0.2:
            data.roles.append(("coordinator", "", "", "the Roundtable Team Consultations"))
        if fact.label == "2011" and rng.random() < 0.5:
            data.roles.append(
                ("team_member", "", "", 'Cluster I "Labour mobility and development"')
            )
        if not data.roles and rng.random() < 0.5:
            data.roles = [("no_participation", "", "", "")]
        data.recorded = rng.random() < 0.8
        if not data.recorded and not data.roles:
            # Flags alone would run into the next year's flags: the page cannot tell where
            # one year ends (Morocco's years all have more than flags, but the last).
            data.roles = [("no_participation", "", "", "")]
        if data.recorded:
            for _ in range(rng.randint(0, 3)):
                if rng.random() < 0.2:
                    data.contributions.append((None, "", "unknown", rng.choice(NOTE_ONLY)))
                    data.styles.append(0)
                    continue
                currency = rng.choice(["USD", "EUR", "CHF", "SEK", "GBP"])
                amount = Decimal(rng.choice([25_000, 100_000, 31_250, 1_000_000, 79_102]))
                earmarked = rng.choice(["yes", "no", "unknown"])
                note = rng.choice(["", *NOTES])
                data.contributions.append((amount, currency, earmarked, note))
                # A note that is itself in brackets only follows the amount unbracketed.
                data.styles.append(2 if note.startswith("(") else rng.randint(0, 3))
        previous_end = facts[index - 1].summit_end if index else datetime.date(fact.sort_year, 1, 1)
        for _ in range(rng.randint(0, 3)):
            title = random_title(rng)
            role = rng.choice(list(MEETING_ROLE_TEXT))
            kind = rng.choice(list(KIND_TEXT))
            if rng.random() < 0.25:  # undated: one, or a few written on one line
                for _ in range(rng.choice([1, 2, 3])):
                    data.meetings.append((role, kind, random_title(rng), None, None, "", ""))
                continue
            span = (fact.summit_end - previous_end).days
            start = previous_end + datetime.timedelta(days=rng.randint(1, max(1, span - 3)))
            end = start + datetime.timedelta(days=rng.randint(1, 3)) if rng.random() < 0.5 else None
            if end and end > fact.summit_end:
                end = None
            city, country = rng.choice(PLACES)
            data.meetings.append((role, kind, title, start, end, city, country))
        years[fact.label] = data
    return Profile(
        name="Testland",
        official_name="Republic of Testland",
        iso2="TL",
        iso3="TLD",
        latitude=Decimal(rng.randint(-89 * 60, 89 * 60)) / 60,
        longitude=Decimal(rng.randint(-179 * 60, 179 * 60)) / 60,
        years=years,
        practices=[
            (random_title(rng), "Ms. Ana Test", [random_title(rng) + "."])
            for _ in range(rng.randint(0, 2))
        ],
    )
