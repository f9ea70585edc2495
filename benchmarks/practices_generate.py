"""Fill a database with N synthetic practices, for the search benchmark.

Practices get realistic migration-and-development prose, one to three countries, one or two
themes, a GFMD year and dates, and are written with bulk_create (the search vector comes from
the PostgreSQL trigger, as for any bulk load). About one practice in a thousand mentions
"hydroponics" (the rare term); most mention migrants (the common term).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gfmd_practices_bench \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python benchmarks/practices_generate.py --count 100000

Countries are read from countries/data/countries.csv and forum years 2007-2024 are created
when the database has none. --clear deletes earlier synthetic practices (slug "bench-…") first.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gfmd.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")
# A local measurement: no email goes out, tasks run in-process (gfmd/settings.py).
os.environ.setdefault("ALLOW_UNSENT_EMAIL", "1")
os.environ.setdefault("ALLOW_IMMEDIATE_TASKS", "1")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from countries.geo import parse_dms  # noqa: E402
from countries.models import Country, ForumYear  # noqa: E402
from practices.models import PracticeSubmission, Theme  # noqa: E402

SLUG_PREFIX = "bench-"
RARE_TERM = "hydroponics"

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
FORUM_YEARS = [str(year) for year in range(2007, 2025)]


def ensure_reference_data() -> tuple[list[Country], list[Theme], list[ForumYear]]:
    if not Country.objects.exists():
        with (ROOT / "countries/data/countries.csv").open(encoding="utf-8") as file:
            Country.objects.bulk_create(
                Country(
                    iso2=row["iso2"],
                    iso3=row["iso3"],
                    name=row["name"],
                    slug=row["iso3"].lower(),
                    official_name=row["official_name"],
                    region=row["region"],
                    subregion=row["subregion"],
                    latitude=parse_dms(row["latitude"]),
                    longitude=parse_dms(row["longitude"]),
                )
                for row in csv.DictReader(file)
            )
    if not ForumYear.objects.exists():
        ForumYear.objects.bulk_create(
            ForumYear(label=label, sort_year=int(label)) for label in FORUM_YEARS
        )
    return list(Country.objects.all()), list(Theme.objects.all()), list(ForumYear.objects.all())


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


def generate(*, count: int, batch_size: int, seed: int, verbosity: int) -> None:
    rng = random.Random(seed)
    countries, themes, years = ensure_reference_data()
    start_number = PracticeSubmission.objects.filter(slug__startswith=SLUG_PREFIX).count()
    country_links = PracticeSubmission.countries.through
    theme_links = PracticeSubmission.themes.through
    started = time.perf_counter()
    for offset in range(0, count, batch_size):
        size = min(batch_size, count - offset)
        practices, their_countries, their_themes = [], [], []
        for number in range(start_number + offset, start_number + offset + size):
            chosen = rng.sample(countries, k=rng.choice((1, 1, 1, 2, 2, 3)))
            title, description, partners = practice_text(rng, chosen[0], number)
            submitted = datetime.date(2007, 1, 1) + datetime.timedelta(days=rng.randint(0, 6500))
            published = rng.random() < 0.95
            start_year = rng.choice([None, submitted.year - rng.randint(0, 5)])
            practices.append(
                PracticeSubmission(
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
            )
            their_countries.append(chosen)
            their_themes.append(rng.sample(themes, k=rng.randint(1, 2)))
        with transaction.atomic():
            created = PracticeSubmission.objects.bulk_create(practices)
            country_links.objects.bulk_create(
                country_links(practicesubmission_id=practice.pk, country_id=country.pk)
                for practice, chosen in zip(created, their_countries, strict=True)
                for country in chosen
            )
            theme_links.objects.bulk_create(
                theme_links(practicesubmission_id=practice.pk, theme_id=theme.pk)
                for practice, chosen in zip(created, their_themes, strict=True)
                for theme in chosen
            )
        if verbosity:
            done = offset + size
            rate = done / (time.perf_counter() - started)
            print(f"{done:>8,} / {count:,} practices ({rate:,.0f} a second)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="practices to create")
    parser.add_argument("--batch-size", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=2007)
    parser.add_argument("--clear", action="store_true", help="delete earlier synthetic ones")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    args = parser.parse_args()
    if args.clear:
        deleted, _ = PracticeSubmission.objects.filter(slug__startswith=SLUG_PREFIX).delete()
        print(f"Deleted {deleted:,} rows of earlier synthetic practices.")
    generate(
        count=args.count,
        batch_size=args.batch_size,
        seed=args.seed,
        verbosity=0 if args.quiet else 1,
    )
    if connection.vendor == "postgresql":
        # Fresh planner statistics, and a visibility map for index-only counts: what
        # autovacuum gives a production database after a bulk load.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    total = PracticeSubmission.objects.count()
    print(f"Done: {total:,} practices in the database.")


if __name__ == "__main__":
    main()
