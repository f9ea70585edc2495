from __future__ import annotations

import datetime
from collections.abc import Iterable
from html import escape

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import npgettext

from countries.models import Country, ForumYear
from countries.profile import format_date_range

register = template.Library()


@register.filter
def date_range(start: datetime.date | None, end: datetime.date | None) -> str:
    """`{{ meeting.start_date|date_range:meeting.end_date }}`: 14-15 June 2011."""
    return format_date_range(start, end) if start else ""


@register.simple_tag
def forum_year_meta(forum_year: ForumYear, chairs: Iterable[Country]) -> SafeString:
    """`<p class="year-meta">`: the year's chairs, linked, and its summit. Built here rather
    than in a template: a country page shows it for each of its years."""
    chairs = list(chairs)
    parts = []
    if chairs:
        # As {% blocktranslate %} has it: the translator's text as written, the names escaped.
        label = mark_safe(npgettext("forum year", "Chair", "Co-chairs", len(chairs)))
        links = format_html_join(
            ", ", '<a href="{}">{}</a>', ((c.get_absolute_url(), c.local_name) for c in chairs)
        )
        parts.append(format_html("<span>{}: {}</span>", label, links))
    if forum_year.summit_city:
        dates = date_range(forum_year.summit_start, forum_year.summit_end)
        parts.append(
            format_html(
                " <span>{}: {}{}</span>",
                _("Summit"),
                forum_year.summit_city,
                format_html(", {}", dates) if dates else "",
            )
        )
    return format_html('<p class="year-meta">{}</p>', mark_safe("".join(parts)))


@register.filter
def list_items(lines: list[str]) -> SafeString:
    """`<li>line</li>` for each line, escaped: `<ul>{{ section.attendance|list_items }}</ul>`
    does in one call what a template loop does in one a line (a country page has hundreds)."""
    return format_html_join("", "<li>{}</li>", ((line,) for line in lines))


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
