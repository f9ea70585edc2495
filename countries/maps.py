"""The site's maps: country outlines from `data/world_paths.json` (Natural Earth, see the
README beside it), filled by a value per country, drawn as one server-rendered SVG image.

A map is a single image for assistive technology and one tab stop for the keyboard: it
holds no link. The page shows the countries it maps as a linked list beside it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any, Protocol

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.i18n import country_namer
from core.prepared import PreparedRows
from countries.cartography import MAP_HEIGHT, MAP_WIDTH, project
from countries.models import Country
from countries.profile import ChartedContribution, YearSection

WORLD_PATHS = Path(__file__).with_name("data") / "world_paths.json"

# Below this area (square units of the 1000-unit-wide world map, about 3x3 px on a phone)
# a country is hard to see: it gets a marker at its coordinates as well as its outline.
SMALL_AREA = 9.0
MARKER_RADIUS = 3.5
OTHER_MARKER_RADIUS = 1.2

# The locator map shows at least this much of the world around its country.
LOCATOR_MIN_WIDTH = 170.0
LOCATOR_ASPECT = 0.62


@functools.cache
def world_paths() -> dict[str, Any]:
    return json.loads(WORLD_PATHS.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class LegendEntry:
    level: int
    label: str


@dataclass(frozen=True)
class MapShape:
    """One country as the map draws it: its outline (`d`, may be empty when the 1:110m data
    has none), a marker when it is small, and its fill level (0: none)."""

    title: str
    d: str
    level: int
    marker: tuple[float, float] | None
    marker_radius: float


def fill_level(value: int, thresholds: Sequence[int]) -> int:
    """The 1-based class of `value` among ascending lower bounds; 0 below the first."""
    level = 0
    for index, lower in enumerate(thresholds, start=1):
        if value >= lower:
            level = index
    return level


class MappedCountry(Protocol):
    """What a map reads of a country: a Country, or a row of these values (the forum-year
    page reads every country's as a row, not a model instance)."""

    pk: int
    slug: str
    iso2: str
    iso3: str
    name: str
    latitude: Decimal | None
    longitude: Decimal | None


def country_shape(country: MappedCountry, *, level: int, title: str) -> MapShape:
    shape = world_paths()["countries"].get(country.iso3)
    small = shape is None or shape["area"] < SMALL_AREA
    marker = None
    if small and country.latitude is not None and country.longitude is not None:
        x, y = project(float(country.longitude), float(country.latitude))
        marker = (round(x, 1), round(y, 1))
    return MapShape(
        title=title,
        d=shape["d"] if shape else "",
        level=level,
        marker=marker,
        marker_radius=MARKER_RADIUS if level else OTHER_MARKER_RADIUS,
    )


def world_map(
    *,
    countries: Iterable[MappedCountry],
    levels: dict[int, int],
    titles: dict[int, str],
    legend: Sequence[LegendEntry],
    title: str,
    map_id: str,
) -> dict[str, Any]:
    """The context of `includes/_world_map.svg.html`: every country's outline, filled at
    `levels[country.pk]` (a legend level; absent: 0), its name (and `titles[country.pk]`)
    on hover. Filled countries are drawn last, so that their markers lie on top."""
    shapes, name_of = [], country_namer()
    for country in countries:
        name, extra = name_of(country.iso2, country.name), titles.get(country.pk)
        hover = f"{name}: {extra}" if extra else name
        shapes.append(country_shape(country, level=levels.get(country.pk, 0), title=hover))
    shapes.sort(key=lambda shape: shape.level)
    return {
        "map_id": map_id,
        "title": title,
        "view_box": f"0 0 {MAP_WIDTH:g} {MAP_HEIGHT:g}",
        "sphere": sphere_path(),
        "outlines": outlines_svg(shapes),
        "markers": markers_svg(shapes),
        "legend": legend,
    }


@functools.cache
def _escaped_outlines() -> tuple[dict[str, str], str]:
    """Every country's outline, escaped once, by its path data; the land without a country."""
    data = world_paths()
    outlines = {shape["d"]: escape(shape["d"]) for shape in data["countries"].values()}
    land = "".join(f'<path class="c0" d="{escape(entry["d"])}"/>' for entry in data["unassigned"])
    return outlines, land


def outlines_svg(shapes: Sequence[MapShape]) -> SafeString:
    """The map's outlines as SVG paths, each country titled, then the land of no country:
    some 250 countries' 200 KB of path data in one piece rather than a template loop each
    (html.escape is Django's escape without its wrappers)."""
    outlines, land = _escaped_outlines()
    return mark_safe(
        "".join(
            f'\n<path class="c{shape.level}" d="{outlines[shape.d]}">'
            f"<title>{escape(shape.title)}</title></path>"
            for shape in shapes
            if shape.d
        )
        + "\n"
        + land
    )


def markers_svg(shapes: Sequence[MapShape]) -> SafeString:
    """The small states' markers as titled SVG circles, in one piece rather than a template
    loop each. Numbers in SVG's syntax whatever the language (a decimal point: `cx="34,8"`
    is not a number to a browser)."""
    return mark_safe(
        "".join(
            f'<circle class="c{shape.level}{" marked" if shape.level else ""}" '
            f'cx="{shape.marker[0]}" cy="{shape.marker[1]}" '
            f'r="{shape.marker_radius}"><title>{escape(shape.title)}</title></circle>'
            for shape in shapes
            if shape.marker
        )
    )


def country_list_html(listed: Iterable[tuple[str, str, str | None]]) -> SafeString:
    """The list beside a map: `<li><a href="url">name</a> <span class="muted">(note)</span></li>`
    for each (url, name, note), without the note when there is none; in one piece, as the
    forum-year map lists some 250 countries."""
    return mark_safe(
        "".join(
            f'<li><a href="{escape(url)}">{escape(name)}</a>'
            + (f' <span class="muted">({escape(note)})</span>' if note else "")
            + "</li>"
            for url, name, note in listed
        )
    )


def locator_window(country: Country) -> tuple[float, float, float, float]:
    """x, y, width, height of the part of the world map around the country: its outline
    with a margin, at least LOCATOR_MIN_WIDTH wide, kept inside the map; wider for a small
    island state until it shows some land (Niue's own window is open sea)."""
    paths = world_paths()["countries"]
    shape = paths.get(country.iso3)
    if shape:
        x0, y0, x1, y1 = shape["main"]
    else:
        x0, y0 = x1, y1 = project(float(country.longitude), float(country.latitude))
    width = max(LOCATOR_MIN_WIDTH, (x1 - x0) * 1.6, (y1 - y0) * 1.6 / LOCATOR_ASPECT)
    while True:
        width = min(MAP_WIDTH, width)
        height = min(MAP_HEIGHT, width * LOCATOR_ASPECT)
        left = min(max(0.0, (x0 + x1) / 2 - width / 2), MAP_WIDTH - width)
        top = min(max(0.0, (y0 + y1) / 2 - height / 2), MAP_HEIGHT - height)
        window = round(left, 1), round(top, 1), round(width, 1), round(height, 1)
        if width >= MAP_WIDTH or any(
            iso3 != country.iso3 and overlaps(other["bbox"], window)
            for iso3, other in paths.items()
        ):
            return window
        width *= 1.5


def overlaps(bbox: Sequence[float], window: tuple[float, float, float, float]) -> bool:
    left, top, width, height = window
    return (
        bbox[0] <= left + width and bbox[2] >= left and bbox[1] <= top + height and bbox[3] >= top
    )


# The locator map's neighbours by ISO3 code, a query compiled once a process (core.prepared).
NEIGHBOUR_ROWS = PreparedRows(Country.objects.values_list("iso3", "iso2", "name"), "iso3")


def locator_map(country: Country) -> dict[str, Any]:
    """The context of `includes/_locator_map.svg.html`: the country highlighted among its
    neighbours (only the outlines that reach into the window are sent), with a marker."""
    window = locator_window(country)
    paths = world_paths()["countries"]
    nearby = [
        iso3
        for iso3, shape in paths.items()
        if iso3 != country.iso3 and overlaps(shape["bbox"], window)
    ]
    name_of = country_namer()
    names = {iso3: name_of(iso2, name) for iso3, iso2, name in NEIGHBOUR_ROWS(nearby)}
    # The neighbours' outlines, then the land of no country, in one piece (as outlines_svg).
    outlines, _land = _escaped_outlines()
    surroundings = "".join(
        f'<path class="c0" d="{outlines[paths[iso3]["d"]]}">'
        f"<title>{escape(names.get(iso3, paths[iso3]['name']))}</title></path>"
        for iso3 in nearby
    ) + "".join(
        f'<path class="c0" d="{escape(entry["d"])}"/>'
        for entry in world_paths()["unassigned"]
        if overlaps(entry["bbox"], window)
    )
    x, y = project(float(country.longitude), float(country.latitude))
    shape = country_shape(country, level=1, title=country.local_name)
    left, top, width, height = window
    # Keep the name inside the window: to the left of the point near the right edge.
    anchor = "end" if x > left + width * 0.7 else "start"
    return {
        "map_id": f"locator-{country.slug}",
        "country": country,
        "view_box": f"{left:g} {top:g} {width:g} {height:g}",
        "window": window,
        "surroundings": mark_safe(surroundings),
        "shape": shape,
        "point": (round(x, 1), round(y, 1)),
        "marker_radius": round(width / 90, 2),
        "stroke": round(width / 600, 2),
        "label": {
            "x": round(x + (-1 if anchor == "end" else 1) * width / 45, 1),
            "y": round(y - width / 60, 1),
            "anchor": anchor,
            "size": round(width / 28, 1),
        },
    }


@dataclass(frozen=True)
class YearAmount:
    label: str
    amount: int
    lines: list[str]


@dataclass(frozen=True)
class ContributionSeries:
    currency: str
    years: list[YearAmount]


def contribution_series(sections: list[YearSection]) -> list[ContributionSeries]:
    """The contributions with an amount of a country's profile (country_profile), totalled
    by forum year, one series per currency (amounts in different currencies are never added
    up). Contributions described only by a note have no amount to chart; the page's year
    sections list them."""
    charted = sorted(
        (
            contribution.currency,
            section.forum_year.sort_year,
            contribution.pk,
            section,
            contribution,
        )
        for section in sections
        for contribution in section.charted
    )
    totals: dict[str, dict[str, list[ChartedContribution]]] = {}
    for currency, _sort_year, _pk, section, contribution in charted:
        by_year = totals.setdefault(currency, {})
        by_year.setdefault(section.forum_year.label, []).append(contribution)
    return [
        ContributionSeries(
            currency=currency,
            years=[
                YearAmount(
                    label=label,
                    amount=int(sum((c.amount for c in items), Decimal(0))),
                    lines=[c.line for c in items],
                )
                for label, items in by_year.items()
            ],
        )
        for currency, by_year in totals.items()
    ]


def participation_legend() -> list[LegendEntry]:
    return [
        LegendEntry(0, _("No attendance recorded")),
        LegendEntry(1, _("1 forum year")),
        LegendEntry(2, _("2 to 4 forum years")),
        LegendEntry(3, _("5 to 9 forum years")),
        LegendEntry(4, _("10 forum years or more")),
    ]


PARTICIPATION_THRESHOLDS = (1, 2, 5, 10)


@functools.cache
def sphere_path() -> str:
    """The outline of the projected world: the meridians ±180 from pole to pole."""
    east = [project(180, latitude) for latitude in range(90, -91, -5)]
    west = [project(-180, latitude) for latitude in range(-90, 91, 5)]
    points = [*east, *west]
    return "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in points) + "Z"
