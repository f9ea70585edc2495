"""The country page's year sections (`{% load profile_tags %}`), built in Python rather than
in template loops: a full profile has fifteen years of a dozen lines each. The forum-year
page shows the same header of its year (forum_year_meta)."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import npgettext

from countries.models import Country, ForumYear
from countries.profile import format_date_range

register = template.Library()


@register.simple_tag
def forum_year_meta(forum_year: ForumYear, chairs: Iterable[Country]) -> SafeString:
    """`<p class="year-meta">`: the year's chairs, linked, and its summit. A country's page
    has one a year: written with f-strings and html.escape (Django's escape without its
    wrappers, and format_html's: a fifth less CPU)."""
    chairs = list(chairs)
    parts = []
    if chairs:
        # As {% blocktranslate %} has it: the translator's text as written, the names escaped.
        label = npgettext("forum year", "Chair", "Co-chairs", len(chairs))
        links = ", ".join(
            f'<a href="{escape(c.get_absolute_url())}">{escape(c.local_name)}</a>' for c in chairs
        )
        parts.append(f"<span>{label}: {links}</span>")
    if forum_year.summit_city:
        dates = ""
        if forum_year.summit_start:
            dates = ", " + escape(format_date_range(forum_year.summit_start, forum_year.summit_end))
        parts.append(
            f" <span>{escape(_('Summit'))}: {escape(forum_year.summit_city)}{dates}</span>"
        )
    return mark_safe(f'<p class="year-meta">{"".join(parts)}</p>')


@register.filter
def list_items(lines: list[str]) -> SafeString:
    """`<li>line</li>` for each line, escaped: `<ul>{{ section.attendance|list_items }}</ul>`
    does in one call what a template loop does in one a line."""
    return format_html_join("", "<li>{}</li>", ((line,) for line in lines))
