"""Practices shown on other apps' pages, read through template tags so that those apps need
not import practices (countries sits below practices)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from practices import profile
from practices.models import PracticeSubmission, newest_first_key

register = template.Library()

COUNTRY_PRACTICES_SHOWN = 5


@register.inclusion_tag("practices/_country_practices.html")
def country_practices(country: Any, limit: int = COUNTRY_PRACTICES_SHOWN) -> dict[str, Any]:
    """The newest published practices of a country, titles and dates only, with how many
    there are in all and a link to all of them in the practice list: the country page stays
    small however many practices a country has.

    Two queries: the country's published practices first, their ids and publication dates
    only (their number is the total), then the newest of them in full. Asked in one,
    PostgreSQL walks every published practice newest first looking for the country's few
    (0.5 s at 100,000 practices, README Benchmarks); from the ids it reads only the
    country's own. The newest are picked here (newest_first_key), not by a second query of
    all the ids: Django prepares each value of an IN list, 3 ms for a country's 700."""
    published = list(
        profile.country_practices(country).order_by().values_list("pk", "published_on")
    )
    newest = sorted(published, key=newest_first_key, reverse=True)[:limit]
    latest = list(
        PracticeSubmission.objects.filter(pk__in=[pk for pk, _published_on in newest])
        .newest_first()
        .only("title", "slug", "submitted_on", "published_on")
    )
    return {
        "country": country,
        "practices": latest,
        "total": len(published),
        "all_url": f"{reverse('practices:list')}?{urlencode({'country': country.iso3})}",
    }
