"""Practices shown on other apps' pages, read through template tags so that those apps need
not import practices (countries sits below practices)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.db.models import Count, Window
from django.urls import reverse

from practices import profile

register = template.Library()

COUNTRY_PRACTICES_SHOWN = 5


@register.inclusion_tag("practices/_country_practices.html")
def country_practices(country: Any, limit: int = COUNTRY_PRACTICES_SHOWN) -> dict[str, Any]:
    """The newest published practices of a country, titles and dates only, with how many
    there are in all and a link to all of them in the practice list: the country page stays
    small however many practices a country has. One query (the total is a window count)."""
    latest = list(
        profile.country_practices(country)
        .only("title", "slug", "submitted_on", "published_on")
        .annotate(total=Window(Count("pk")))[:limit]
    )
    return {
        "country": country,
        "practices": latest,
        "total": latest[0].total if latest else 0,
        "all_url": f"{reverse('practices:list')}?{urlencode({'country': country.iso3})}",
    }
