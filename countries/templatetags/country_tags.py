from __future__ import annotations

from django import template

from countries import models

register = template.Library()


@register.inclusion_tag("includes/_records_coverage.html")
def records_coverage() -> dict[str, int]:
    """'Records entered for 1 of 249 countries', while not every country's record is in:
    beside counts and maps, so that a country without records is not read as absent."""
    return models.records_coverage()
