"""What the practice database adds to a country's page: its published practices.

The country page lists them through the `country_practices` tag (templatetags/practice_tags),
and the snapshot a country update compares holds their titles (registered with countries in
PracticesConfig.ready): countries itself does not import practices.
"""

from __future__ import annotations

from core.prepared import PreparedRows
from countries.models import Country
from countries.profile import Snapshot
from practices.models import PracticeSubmission

PRACTICES_SECTION = "Practices"
# What the page lists of a practice.
PRACTICE_SHOWN = ("id", "title", "slug", "submitted_on", "published_on")

# The practices shown on a country's page: the published ones, by country, read through
# the link table with the columns of PRACTICE_SHOWN, a query compiled once a process
# (core.prepared). The page picks the newest (templatetags/practice_tags).
COUNTRY_PRACTICE_ROWS = PreparedRows(
    PracticeSubmission.countries.through.objects.filter(
        practicesubmission__status=PracticeSubmission.Status.PUBLISHED
    ).values_list(*(f"practicesubmission__{name}" for name in PRACTICE_SHOWN)),
    "country",
)


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
