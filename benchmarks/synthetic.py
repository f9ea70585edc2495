"""Fill a database with synthetic data at full scale, for the benchmarks and for profiling.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gfmd_bench .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python benchmarks/synthetic.py --practices 100000 --subscribers 10000

First the reference data the site ships with (`load_gfmd_data`: the 249 countries, the forum
years, their roundtables and thematic meetings, Morocco's profile), then:

- every forum year gets synthetic roundtables (numbered 7.1, 7.2, … so as not to meet the
  real ones) and thematic meetings;
- every country gets a full profile for every forum year it has no attendance for (Morocco
  keeps its real years): attendance, roles in 2-5 roundtables, 1-3 thematic meetings, 1-2
  financial contributions; and a few country updates (its feed and updates page);
- practices with realistic migration-and-development prose, one to three countries, one or
  two themes; about one in a thousand mentions "hydroponics" (the rare search term), most
  mention migrants (the common one). Their slugs start with "bench-";
- subscribers spread over the countries, mostly confirmed.

Rows are written with bulk_create (no history rows; the practices' search vector comes from
the PostgreSQL trigger, as for any bulk load). A seed makes the data the same on every run.
Profiles are added only where missing, so a second run adds practices and subscribers only.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path

if __name__ == "__main__":  # run as a script: the project on the path, Django set up
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks import setup_django

    setup_django()

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

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
from practices.models import PracticeSubmission, Theme
from subscriptions.models import Subscription

REALISTIC_PRACTICES = 3_000
FULL_PRACTICES = 100_000
SLUG_PREFIX = "bench-"
RARE_TERM = "hydroponics"
COMMON_TERM = "migrants"
ROUNDTABLES_PER_YEAR = 8
MEETINGS_PER_YEAR = 4
UPDATES_PER_COUNTRY = 5
BATCH_SIZE = 5_000

ACTIONS = [
    "Skills partnership",
    "Diaspora investment fund",
    "Remittance corridor",
    "Labour mobility scheme",
    "Return and reintegration programme",
    "Migrant resource centre",
    "Seasonal work agreement",
    "Climate adaptation and mobility plan",
    "Data platform",
    "Recruitment reform",
    "Financial literacy course",
    "Youth employment pathway",
    "Consular protection network",
    "Women's entrepreneurship initiative",
    "Local integration strategy",
]
GROUPS = [
    "migrant workers",
    "returning migrants",
    "the diaspora",
    "young graduates",
    "women migrants",
    "displaced communities",
    "seasonal workers",
    "unaccompanied children",
    "health professionals",
    "rural households",
]
SENTENCES = [
    "The {action} supports {group} in {country} through {means}.",
    "Since {year}, {partner} and local authorities have {verb} {count} people.",
    "It was designed with {partner} to reduce the cost of {cost} for {group}.",
    "An evaluation found that participants {outcome} within two years.",
    "Migrants and their families receive {means} before departure and after return.",
    "The programme links {group} with employers, training providers and banks.",
    "Remittances sent through the scheme are matched by {partner} for local projects.",
    "Data collected by the national statistics office guides its next phase.",
    "The initiative is part of the national development plan and its migration policy.",
    "Civil society organisations monitor recruitment fees and working conditions.",
]
MEANS = [
    "pre-departure orientation",
    "language courses",
    "certified vocational training",
    "legal counselling",
    "small business grants",
    "digital money transfers",
    "psychosocial support",
    "skills recognition",
]
VERBS = ["trained", "advised", "placed in jobs", "reached", "supported", "insured"]
COSTS = ["sending money home", "recruitment", "visas", "travel", "credential recognition"]
OUTCOMES = [
    "earned more than before",
    "found stable work",
    "started small businesses",
    "sent home larger remittances",
    "returned with new skills",
]
PARTNERS = [
    "the International Organization for Migration",
    "the International Labour Organization",
    "the World Bank",
    "UNDP",
    "the Ministry of Labour",
    "the Central Bank",
    "a chamber of commerce",
    "a diaspora association",
    "the national employment agency",
]
TOPICS = [
    "Partnerships for more regular and protected migration",
    "Lowering the costs of migration for higher development gains",
    "Migrants' skills and their recognition across borders",
    "Diaspora engagement in policy and investment",
    "Migration, climate change and environmental degradation",
    "Protection of migrants in vulnerable situations",
    "Data and evidence for migration policy",
    "Labour market needs and fair recruitment",
    "Remittances and financial inclusion",
    "Return, readmission and sustainable reintegration",
    "Youth, education and mobility",
    "Cities and local authorities in migrant integration",
]
CITIES = ["Geneva", "Rabat", "Manila", "Dhaka", "Quito", "Berlin", "Abuja", "Marrakesh"]
ROLES = [
    RoundtableRole.Role.CO_CHAIR,
    RoundtableRole.Role.TEAM_MEMBER,
    RoundtableRole.Role.TEAM_MEMBER,
    RoundtableRole.Role.COORDINATOR,
    RoundtableRole.Role.RAPPORTEUR,
]
MEETING_ROLES = list(ThematicMeetingParticipation.Role)


@dataclass
class Scale:
    practices: int = REALISTIC_PRACTICES
    subscribers: int = 1_000
    seed: int = 2007


Progress = Callable[[str], None]


def generate(scale: Scale, *, progress: Progress = print) -> None:
    """Everything the module docstring lists, at `scale`."""
    rng = random.Random(scale.seed)
    started = time.perf_counter()
    reference_data(progress)
    countries = list(Country.objects.order_by("iso3"))
    years = list(ForumYear.objects.order_by("sort_year"))
    profiles(rng, countries, years, progress)
    country_updates(rng, countries, progress)
    practices(rng, scale.practices, countries, years, progress)
    subscribers(rng, scale.subscribers, countries, progress)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Fresh planner statistics, and a visibility map for index-only counts: what
        # autovacuum gives a production database after a bulk load.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    progress(f"Synthetic data ready in {time.perf_counter() - started:.0f} s.")


def reference_data(progress: Progress) -> None:
    if Country.objects.exists():
        progress("Reference data: the database has countries already.")
        return
    call_command("load_gfmd_data", verbosity=0)
    progress(
        f"Reference data loaded: {Country.objects.count()} countries, "
        f"{ForumYear.objects.count()} forum years."
    )


def profiles(
    rng: random.Random, countries: list[Country], years: list[ForumYear], progress: Progress
) -> None:
    roundtables = {year.pk: synthetic_roundtables(year) for year in years}
    meetings = {year.pk: synthetic_meetings(rng, year, countries) for year in years}
    recorded = set(Attendance.objects.values_list("country_id", "forum_year_id"))
    records: dict[type, list] = {
        Attendance: [],
        RoundtableRole: [],
        ThematicMeetingParticipation: [],
        Contribution: [],
    }
    for country, year in itertools.product(countries, years):
        if (country.pk, year.pk) in recorded:
            continue
        for record in year_profile(rng, country, year, roundtables[year.pk], meetings[year.pk]):
            records[type(record)].append(record)
    with transaction.atomic():
        for model, rows in records.items():
            model.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    counts = ", ".join(
        f"{len(rows):,} {model._meta.verbose_name_plural}" for model, rows in records.items()
    )
    progress(f"Profiles: {counts}.")


def synthetic_roundtables(year: ForumYear) -> list[Roundtable]:
    wanted = [f"7.{n}" for n in range(1, ROUNDTABLES_PER_YEAR + 1)]
    existing = set(year.roundtables.filter(number__in=wanted).values_list("number", flat=True))
    Roundtable.objects.bulk_create(
        Roundtable(forum_year=year, number=number, title=TOPICS[i % len(TOPICS)])
        for i, number in enumerate(wanted)
        if number not in existing
    )
    return list(year.roundtables.filter(number__in=wanted).order_by("number"))


def synthetic_meetings(
    rng: random.Random, year: ForumYear, countries: list[Country]
) -> list[ThematicMeeting]:
    titles = [f"Thematic meeting {n}: {TOPICS[-n]}" for n in range(1, MEETINGS_PER_YEAR + 1)]
    existing = set(year.thematic_meetings.filter(title__in=titles).values_list("title", flat=True))
    new = []
    for title in titles:
        start = datetime.date(year.sort_year, rng.randint(2, 10), rng.randint(1, 27))
        if title not in existing:
            new.append(
                ThematicMeeting(
                    forum_year=year,
                    kind=rng.choice(list(ThematicMeeting.Kind)),
                    title=title,
                    start_date=start,
                    end_date=start + datetime.timedelta(days=1),
                    city=rng.choice(CITIES),
                    host_country=rng.choice(countries),
                )
            )
    ThematicMeeting.objects.bulk_create(new)
    return list(year.thematic_meetings.filter(title__in=titles).order_by("title"))


def year_profile(
    rng: random.Random,
    country: Country,
    year: ForumYear,
    roundtables: list[Roundtable],
    meetings: list[ThematicMeeting],
) -> Iterator:
    yield Attendance(
        country=country,
        forum_year=year,
        attended_meeting=rng.random() < 0.9,
        attended_prep_meetings=rng.random() < 0.6,
        attended_summit=rng.random() < 0.8,
    )
    for roundtable in rng.sample(roundtables, k=rng.randint(2, 5)):
        yield RoundtableRole(
            country=country, forum_year=year, role=rng.choice(ROLES), roundtable=roundtable
        )
    for meeting in rng.sample(meetings, k=rng.randint(1, 3)):
        yield ThematicMeetingParticipation(
            meeting=meeting, country=country, role=rng.choice(MEETING_ROLES)
        )
    for _ in range(rng.randint(1, 2)):
        yield Contribution(
            country=country,
            forum_year=year,
            amount=Decimal(rng.randint(1, 400) * 500),
            currency=rng.choice(["USD", "EUR", "CHF"]),
            earmarked=rng.choice(list(Contribution.Earmarked)),
            note=rng.choice(["", "", "Left-over", "In kind and in cash"]),
        )


def country_updates(rng: random.Random, countries: list[Country], progress: Progress) -> None:
    updates = [
        CountryUpdate(
            country=country,
            summary=f"{year}: added {rng.choice(['Co-Chair', 'Team Member'])} in RT 7.{n}",
            source=CountryUpdate.Source.IMPORT,
            sections=[f"year-{year}"],
        )
        for country in countries
        if not country.updates.exists()
        for n, year in enumerate(sorted(rng.sample(range(2007, 2021), UPDATES_PER_COUNTRY)), 1)
    ]
    CountryUpdate.objects.bulk_create(updates, batch_size=BATCH_SIZE)
    progress(f"Country updates: {len(updates):,}.")


def practice_text(rng: random.Random, country: Country, number: int) -> tuple[str, str, str]:
    action, group = rng.choice(ACTIONS), rng.choice(GROUPS)
    title = f"{action} for {group} in {country.name}"
    sentences = []
    for template in rng.sample(SENTENCES, k=rng.randint(4, 7)):
        sentences.append(
            template.format(
                action=action.lower(),
                group=rng.choice(GROUPS),
                country=country.name,
                means=rng.choice(MEANS),
                year=rng.randint(2005, 2022),
                partner=rng.choice(PARTNERS),
                verb=rng.choice(VERBS),
                count=f"{rng.randint(2, 900) * 10:,}",
                cost=rng.choice(COSTS),
                outcome=rng.choice(OUTCOMES),
            )
        )
    if number % 1000 == 7:
        sentences.append(f"A pilot on {RARE_TERM} trains returnees in water-saving farming.")
    half = len(sentences) // 2
    description = f"<p>{' '.join(sentences[:half])}</p><p>{' '.join(sentences[half:])}</p>"
    partners = "\n".join(rng.sample(PARTNERS, k=rng.randint(1, 3)))
    return title, description, partners


def practices(
    rng: random.Random,
    count: int,
    countries: list[Country],
    years: list[ForumYear],
    progress: Progress,
) -> None:
    """`count` more practices (numbered after the synthetic ones already there)."""
    themes = list(Theme.objects.order_by("slug"))
    start_number = PracticeSubmission.objects.filter(slug__startswith=SLUG_PREFIX).count()
    country_links = PracticeSubmission.countries.through
    theme_links = PracticeSubmission.themes.through
    started = time.perf_counter()
    for offset in range(0, count, BATCH_SIZE):
        numbers = range(start_number + offset, start_number + min(offset + BATCH_SIZE, count))
        batch = [one_practice(rng, number, countries, themes, years) for number in numbers]
        with transaction.atomic():
            created = PracticeSubmission.objects.bulk_create(practice for practice, _, _ in batch)
            country_links.objects.bulk_create(
                country_links(practicesubmission_id=practice.pk, country_id=country.pk)
                for practice, (_, chosen, _) in zip(created, batch, strict=True)
                for country in chosen
            )
            theme_links.objects.bulk_create(
                theme_links(practicesubmission_id=practice.pk, theme_id=theme.pk)
                for practice, (_, _, chosen) in zip(created, batch, strict=True)
                for theme in chosen
            )
        done = offset + len(batch)
        rate = done / (time.perf_counter() - started)
        progress(f"Practices: {done:>8,} / {count:,} ({rate:,.0f} a second)")


def one_practice(
    rng: random.Random,
    number: int,
    countries: list[Country],
    themes: list[Theme],
    years: list[ForumYear],
) -> tuple[PracticeSubmission, list[Country], list[Theme]]:
    chosen = rng.sample(countries, k=rng.choice((1, 1, 1, 2, 2, 3)))
    title, description, partners = practice_text(rng, chosen[0], number)
    submitted = datetime.date(2007, 1, 1) + datetime.timedelta(days=rng.randint(0, 6500))
    published = rng.random() < 0.95
    start_year = rng.choice([None, submitted.year - rng.randint(0, 5)])
    practice = PracticeSubmission(
        title=title,
        slug=f"{SLUG_PREFIX}{number}",
        description=description,
        partners=partners,
        forum_year=rng.choice([None, *years]),
        start_year=start_year,
        end_year=start_year and start_year + rng.randint(0, 6),
        url=f"https://example.org/practices/{number}",
        submitted_by_name="Synthetic submitter",
        submitter_email=f"submitter{number}@example.org",
        submitted_on=submitted,
        status="published" if published else "pending",
        published_on=submitted + datetime.timedelta(days=30) if published else None,
    )
    return practice, chosen, rng.sample(themes, k=rng.randint(1, 2))


def subscribers(
    rng: random.Random, count: int, countries: list[Country], progress: Progress
) -> None:
    """`count` more subscriptions: 80 % confirmed, 15 % pending, 5 % unsubscribed."""
    start_number = Subscription.objects.filter(email__startswith="reader").count()
    now = timezone.now()

    def subscription(number: int) -> Subscription:
        email = f"reader{number}@example.org"
        draw = rng.random()
        status = (
            Subscription.Status.ACTIVE
            if draw < 0.8
            else Subscription.Status.PENDING
            if draw < 0.95
            else Subscription.Status.UNSUBSCRIBED
        )
        return Subscription(
            email=email,
            mailbox=email,
            country=rng.choice(countries),
            frequency=rng.choice(list(Subscription.Frequency)),
            status=status,
            confirmed_at=now if status != Subscription.Status.PENDING else None,
            unsubscribed_at=now if status == Subscription.Status.UNSUBSCRIBED else None,
        )

    numbers = range(start_number, start_number + count)
    Subscription.objects.bulk_create(map(subscription, numbers), batch_size=BATCH_SIZE)
    progress(f"Subscribers: {count:,}.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--practices",
        type=int,
        default=REALISTIC_PRACTICES,
        help=f"practices to add (realistic: {REALISTIC_PRACTICES:,}; full: {FULL_PRACTICES:,})",
    )
    parser.add_argument("--subscribers", type=int, default=1_000, help="subscriptions to add")
    parser.add_argument("--seed", type=int, default=Scale.seed)
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    args = parser.parse_args(argv)
    scale = Scale(practices=args.practices, subscribers=args.subscribers, seed=args.seed)
    generate(scale, progress=(lambda line: None) if args.quiet else partial(print, flush=True))


if __name__ == "__main__":
    main()
