from __future__ import annotations

import datetime
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from countries.models import Country
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
    return {
        "entered": Country.objects.with_records().count(),
        "total": Country.objects.count(),
    }


@register.simple_tag
def country_list_items(links: list[tuple[str, str, str]]) -> SafeString:
    """`<li><a href="url">name</a> (note)</li>` for each (url, name, note): a forum year's
    thousands of countries in one call rather than a template loop each. (html.escape is
    what django.utils.html.escape does, without its wrappers: a fifth of the time.)"""
    return mark_safe(
        "".join(
            f'<li><a href="{escape(url)}">{escape(name)}</a> ({escape(note)})</li>'
            for url, name, note in links
        )
    )
