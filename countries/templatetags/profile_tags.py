"""The country page's year sections (`{% load profile_tags %}`), built in Python rather than
in template loops: a full profile has fifteen years of a dozen lines each. The forum-year
page shows the same header of its year (forum_year_meta)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import npgettext

from countries.models import Country, ForumYear
from countries.profile import format_date_range

register = template.Library()


@register.simple_tag
def forum_year_meta(forum_year: ForumYear, chairs: Iterable[Country]) -> SafeString:
    """`<p class="year-meta">`: the year's chairs, linked, and its summit."""
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
        dates = ""
        if forum_year.summit_start:
            dates = format_html(
                ", {}", format_date_range(forum_year.summit_start, forum_year.summit_end)
            )
        parts.append(
            format_html(" <span>{}: {}{}</span>", _("Summit"), forum_year.summit_city, dates)
        )
    return format_html('<p class="year-meta">{}</p>', mark_safe("".join(parts)))


@register.filter
def list_items(lines: list[str]) -> SafeString:
    """`<li>line</li>` for each line, escaped: `<ul>{{ section.attendance|list_items }}</ul>`
    does in one call what a template loop does in one a line."""
    return format_html_join("", "<li>{}</li>", ((line,) for line in lines))
