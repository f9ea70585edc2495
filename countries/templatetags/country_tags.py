from __future__ import annotations

import datetime

from django import template

from countries import models
from countries.profile import format_date_range

register = template.Library()


@register.filter
def date_range(start: datetime.date | None, end: datetime.date | None) -> str:
    """`{{ meeting.start_date|date_range:meeting.end_date }}`: 14-15 June 2011."""
    return format_date_range(start, end) if start else ""


@register.inclusion_tag("includes/_records_coverage.html")
def records_coverage() -> dict[str, int]:
    """'Records entered for 1 of 249 countries', while not every country's record is in:
    beside counts and maps, so that a country without records is not read as absent."""
    return models.records_coverage()
