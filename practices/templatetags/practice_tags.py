"""Practices shown on other apps' pages, read through template tags so that those apps need
not import practices (countries sits below practices); and the practice list's facets."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from practices import profile
from practices.models import PracticeSubmission

register = template.Library()

COUNTRY_PRACTICES_SHOWN = 5
# NEWEST_FIRST (practices.models) in SQL, on profile.PRACTICE_SHOWN's columns.
NEWEST_FIRST_SQL = "published_on DESC NULLS LAST, id DESC"


@register.inclusion_tag("practices/_country_practices.html")
def country_practices(country: Any, limit: int = COUNTRY_PRACTICES_SHOWN) -> dict[str, Any]:
    """The newest published practices of a country, titles and dates only, with how many
    there are in all and a link to all of them in the practice list: the country page stays
    small however many practices a country has.

    One query: the country's published practices are gathered first (a materialized CTE),
    then the newest of them taken with their number. Asked as one plain ORDER BY ... LIMIT,
    PostgreSQL walks every published practice newest first looking for the country's few
    (0.5 s at 100,000 practices, README Benchmarks); reading all the country's ids and
    dates to pick the newest here cost 1.5 ms of CPU for a country's 700."""
    sql, params = profile.COUNTRY_PRACTICE_ROWS.sql_with_params([country.pk])
    latest = list(
        PracticeSubmission.objects.raw(
            f"WITH shown ({', '.join(profile.PRACTICE_SHOWN)}) AS MATERIALIZED ({sql}) "
            "SELECT shown.*, (SELECT COUNT(*) FROM shown) AS total FROM shown "
            f"ORDER BY {NEWEST_FIRST_SQL} LIMIT %s",
            [*params, limit],
        )
    )
    return {
        "country": country,
        "practices": latest,
        "total": latest[0].total if latest else 0,
        "all_url": f"{reverse('practices:list')}?{urlencode({'country': country.iso3})}",
    }


FACET_CHECKBOX = (
    "\n      <li{empty}>"
    '\n        <input type="checkbox" name="{name}" value="{value}"'
    ' id="id_{name}_{value}"{checked}>'
    '\n        <label for="id_{name}_{value}">{label} <span class="count">{count}</span></label>'
    "\n      </li>\n    "
)
NO_FACET_CHOICE = '\n      <li class="muted">\u2013</li>\n    '  # an en dash


@register.filter
def facet_checkboxes(choices: Iterable[Any], name: str) -> SafeString:
    """The list items of a facet's checkboxes (FacetChoice: value, label, count, selected),
    written in Python rather than by a template loop: the country facet has up to 249, and
    the loop was most of the practice list's rendering time."""
    name = escape(name)
    items = [
        FACET_CHECKBOX.format(
            empty="" if choice.count or choice.selected else ' class="empty"',
            name=name,
            value=escape(choice.value),
            checked=" checked" if choice.selected else "",
            label=escape(choice.label),
            count=escape(intcomma(choice.count)),
        )
        for choice in choices
    ]
    return mark_safe("".join(items) or NO_FACET_CHOICE)
