"""Practices shown on other apps' pages, read through template tags so that those apps need
not import practices (countries sits below practices)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.db.models import Count, Window
from django.urls import reverse

from practices import profile
from practices.models import PracticeSubmission

register = template.Library()

COUNTRY_PRACTICES_SHOWN = 5


@register.inclusion_tag("practices/_country_practices.html")
def country_practices(country: Any, limit: int = COUNTRY_PRACTICES_SHOWN) -> dict[str, Any]:
    """The newest published practices of a country, titles and dates only, with how many
    there are in all and a link to all of them in the practice list: the country page stays
    small however many practices a country has.

    Two queries: the country's practice ids from its links first, then the newest of those
    (the total is a window count). Asked in one, PostgreSQL walks every published practice
    newest first looking for the country's few (0.5 s at 100,000 practices, README
    Benchmarks); from the ids it sorts only the country's own."""
    linked = PracticeSubmission.countries.through.objects.filter(country=country)
    latest = list(
        profile.country_practices(country)
        .filter(pk__in=list(linked.values_list("practicesubmission_id", flat=True)))
        .only("title", "slug", "submitted_on", "published_on")
        .annotate(total=Window(Count("pk")))[:limit]
    )
    return {
        "country": country,
        "practices": latest,
        "total": latest[0].total if latest else 0,
        "all_url": f"{reverse('practices:list')}?{urlencode({'country': country.iso3})}",
    }
