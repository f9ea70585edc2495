"""Maps and charts of the countries app (`{% load country_maps %}`): the world maps of the
home and forum-year pages, the country page's locator map and contribution charts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import conditional_escape, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.i18n import country_namer
from countries import maps
from countries.links import country_url_maker
from countries.models import Country, ForumYear
from countries.profile import YearSection

register = template.Library()


@register.inclusion_tag("includes/_world_map.html")
def participation_map(countries: Iterable[Country], *, title: str) -> dict[str, Any]:
    """Every country filled by the number of forum years it attended (`countries` carry
    `years_attended`, see CountryQuerySet.for_map); the list after it names the ones that
    took part."""
    countries = list(countries)
    taking_part = [country for country in countries if country.years_attended]
    years = {
        country.pk: ngettext("%(count)d forum year", "%(count)d forum years", n) % {"count": n}
        for country in taking_part
        if (n := country.years_attended)
    }
    context = maps.world_map(
        countries=countries,
        levels={
            country.pk: maps.fill_level(country.years_attended, maps.PARTICIPATION_THRESHOLDS)
            for country in taking_part
        },
        titles=years,
        legend=maps.participation_legend(),
        title=title,
        map_id="participation-map",
    )
    country_url, name_of = country_url_maker(), country_namer()
    context["list_items"] = maps.country_list_html(
        (country_url(country.slug), name_of(country.iso2, country.name), years[country.pk])
        for country in taking_part
    )
    context["list_summary"] = ngettext(
        "The %(count)d country on the map that took part, with its forum years",
        "The %(count)d countries on the map that took part, with their forum years",
        len(taking_part),
    ) % {"count": len(taking_part)}
    return context


@register.inclusion_tag("includes/_world_map.html")
def forum_year_map(
    countries: Iterable[maps.MappedCountry],
    *,
    attending: Iterable[maps.MappedCountry],
    forum_year: ForumYear,
    title: str,
) -> dict[str, Any]:
    """The countries with an attendance record for the year filled; the list after the map
    links each to its page's section on the year."""
    attending = list(attending)
    attended = _("attended %(year)s") % {"year": forum_year.label}
    context = maps.world_map(
        countries=countries,
        levels={country.pk: 4 for country in attending},
        titles={country.pk: attended for country in attending},
        legend=[
            maps.LegendEntry(0, _("No attendance recorded this year")),
            maps.LegendEntry(4, _("Attended this year")),
        ],
        title=title,
        map_id="forum-year-map",
    )
    country_url, name_of = country_url_maker(), country_namer()
    context["list_items"] = maps.country_list_html(
        (
            f"{country_url(country.slug)}#year-{forum_year.label}",
            name_of(country.iso2, country.name),
            None,
        )
        for country in attending
    )
    context["list_summary"] = ngettext(
        "The %(count)d country on the map", "The %(count)d countries on the map", len(attending)
    ) % {"count": len(attending)}
    context["list_open"] = True
    return context


@register.inclusion_tag("includes/_locator_map.html")
def locator_map(country: Country) -> dict[str, Any]:
    return maps.locator_map(country)


@register.inclusion_tag("includes/_contribution_charts.html")
def contribution_charts(sections: list[YearSection]) -> dict[str, Any]:
    """The charts of a country's profile (`sections`, country_profile)."""
    return {"series": maps.contribution_series(sections)}


CONTRIBUTION_ROW = (
    '\n      <tr><th scope="row"><a href="#year-{label}">{label}</a></th>'
    '<td class="number">{total}</td><td>{lines}</td></tr>'
)


@register.filter
def contribution_rows(years: Iterable[maps.YearAmount]) -> SafeString:
    """The rows of a contribution chart's table, written in Python rather than by a template
    loop: the total as `|intcomma` writes it, the year's lines escaped and joined by "; "."""
    return format_html_join(
        "",
        CONTRIBUTION_ROW,
        (
            {
                "label": year.label,
                "total": number_format(year.amount, use_l10n=True, force_grouping=True),
                "lines": mark_safe("; ".join(conditional_escape(line) for line in year.lines)),
            }
            for year in years
        ),
    )
