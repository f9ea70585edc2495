"""The country page's year sections (`{% load profile_tags %}`), written in Python rather
than in template loops: a full profile has fifteen years of a dozen lines each, and a
template's {% for %} and {% if %} cost more than the lines themselves. The forum-year page
shows the same header of its year (forum_year_meta).

Written with f-strings and html.escape (Django's escape without its wrappers, and
format_html's: a fifth less CPU). As the template's {% translate %} and {% blocktranslate %}
have it, a translator's text goes out as written and the values put in it escaped."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from html import escape
from typing import NamedTuple

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import npgettext

from core.i18n import country_namer
from countries.links import country_url_maker
from countries.models import ForumYear
from countries.profile import Chair, YearSection, format_date_range

register = template.Library()


class ChairLinks(NamedTuple):
    """How chairs are linked in the active language, looked up once a page."""

    url: Callable[[str], str]  # of a slug
    name_of: Callable[[str, str], str]  # of a code and the stored name

    @classmethod
    def active(cls) -> ChairLinks:
        return cls(country_url_maker(), country_namer())


def year_meta_html(forum_year: ForumYear, chairs: list[Chair], chair_links: ChairLinks) -> str:
    """`<p class="year-meta">`: the year's chairs, linked, and its summit."""
    parts = []
    if chairs:
        label = npgettext("forum year", "Chair", "Co-chairs", len(chairs))
        url, name_of = chair_links
        links = ", ".join(
            f'<a href="{escape(url(c.slug))}">{escape(name_of(c.iso2, c.name))}</a>' for c in chairs
        )
        parts.append(f"<span>{label}: {links}</span>")
    if forum_year.summit_city:
        dates = ""
        if forum_year.summit_start:
            dates = ", " + escape(format_date_range(forum_year.summit_start, forum_year.summit_end))
        parts.append(
            f" <span>{escape(_('Summit'))}: {escape(forum_year.summit_city)}{dates}</span>"
        )
    return f'<p class="year-meta">{"".join(parts)}</p>'


@register.simple_tag
def forum_year_meta(forum_year: ForumYear, chairs: Iterable[Chair]) -> SafeString:
    return mark_safe(year_meta_html(forum_year, list(chairs), ChairLinks.active()))


class SectionWords(NamedTuple):
    """A year section's fixed words and chair links in the active language, looked up once
    a page."""

    heading: str  # "GFMD %(year)s"
    roundtables: str
    meetings: str
    contribution: str
    chair_links: ChairLinks


def list_items(lines: list[str]) -> str:
    return "".join(f"<li>{escape(line)}</li>" for line in lines)


def year_section_html(section: YearSection, words: SectionWords) -> str:
    """One forum year's `<section>`, with the template's blank lines between its parts
    (the page is compared byte for byte with the template it replaced)."""
    forum_year = section.forum_year
    label = escape(forum_year.label)
    heading = words.heading % {"year": label}
    parts = [
        f'\n  <section class="forum-year" id="year-{label}" aria-labelledby="year-{label}-heading">'
        f'\n    <h2 id="year-{label}-heading"><a href="{escape(forum_year.get_absolute_url())}">'
        f"{heading}</a></h2>"
        f"\n    {year_meta_html(forum_year, forum_year.chair_countries, words.chair_links)}\n\n    "
    ]
    if section.attendance:
        parts.append(f'\n      <ul class="attendance">{list_items(section.attendance)}</ul>\n    ')
    parts.append("\n    ")
    if section.roundtable_roles:
        parts.append(
            f"\n      <h3>{words.roundtables}</h3>"
            f"\n      <ul>{list_items(section.roundtable_roles)}</ul>\n    "
        )
    parts.append("\n    ")
    if section.thematic_meetings:
        parts.append(
            f"\n      <h3>{words.meetings}</h3>"
            f"\n      <ul>{list_items(section.thematic_meetings)}</ul>\n    "
        )
    parts.append("\n    ")
    if section.contributions:
        parts.append(
            f"\n      <h3>{words.contribution}</h3>\n      "
            f"\n        <ul>{list_items(section.contributions)}</ul>\n      \n    "
        )
    elif no_contribution := section.no_contribution:
        parts.append(
            f"\n      <h3>{words.contribution}</h3>\n      "
            f'\n        <p class="muted">{escape(no_contribution)}</p>\n      \n    '
        )
    parts.append("\n  </section>\n  ")
    return "".join(parts)


@register.simple_tag
def year_sections(sections: list[YearSection]) -> SafeString:
    """Every year's `<section>` of a country's page, oldest first."""
    words = SectionWords(
        heading=_("GFMD %(year)s"),
        roundtables=_("RT Participation"),
        meetings=_("Thematic Meetings"),
        contribution=_("Financial Contribution"),
        chair_links=ChairLinks.active(),
    )
    return mark_safe("".join(year_section_html(section, words) for section in sections))


@register.simple_tag
def year_index(sections: list[YearSection]) -> SafeString:
    """The links to each year's section, for the index above them."""
    labels = (escape(section.forum_year.label) for section in sections)
    return mark_safe("".join(f'<li><a href="#year-{label}">{label}</a></li>' for label in labels))
