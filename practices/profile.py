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


def country_practice_lines(country: Country) -> Snapshot:
    """The country page's practices, as lines of its snapshot: publishing, taking offline or
    renaming a practice is a change its readers see."""
    practices = PracticeSubmission.objects.published().for_country(country).order_by("title")
    return [
        (PRACTICES_SECTION, f'"{title}"') for title in practices.values_list("title", flat=True)
    ]
