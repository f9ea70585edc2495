"""What the practice database adds to a country's page: its published practices.

The country page lists them through the `country_practices` tag (templatetags/practice_tags),
and the snapshot a country update compares holds their titles (registered with countries in
PracticesConfig.ready): countries itself does not import practices.
"""

from __future__ import annotations

from countries.models import Country
from countries.profile import Snapshot
from practices.models import PracticeQuerySet, PracticeSubmission

PRACTICES_SECTION = "Practices"


def country_practices(country: Country) -> PracticeQuerySet:
    """The practices shown on a country's page, newest first."""
    return PracticeSubmission.objects.published().for_country(country).newest_first()


def country_practice_lines(countries: list[Country]) -> dict[int, Snapshot]:
    """The country pages' practices, as lines of their snapshots, by country (one query for
    all): publishing, taking offline or renaming a practice is a change its readers see."""
    links = (
        PracticeSubmission.countries.through.objects.filter(
            country__in=countries, practicesubmission__status=PracticeSubmission.Status.PUBLISHED
        )
        .order_by("practicesubmission__title", "practicesubmission_id")
        .values_list("country_id", "practicesubmission__title")
    )
    lines: dict[int, Snapshot] = {country.pk: [] for country in countries}
    for country_id, title in links:
        lines[country_id].append((PRACTICES_SECTION, f'"{title}"'))
    return lines
