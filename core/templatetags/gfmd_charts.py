"""Server-rendered SVG charts: no script, no CDN, readable without CSS."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import template

from countries.models import Country

register = template.Library()

# Equirectangular projection: one degree is MAP_SCALE units, longitude -180 at x=0.
MAP_SCALE = 2
MAP_WIDTH, MAP_HEIGHT = 360 * MAP_SCALE, 180 * MAP_SCALE


@dataclass(frozen=True)
class MapPoint:
    name: str
    url: str
    x: float
    y: float
    highlighted: bool


def project(country: Country, *, highlighted: bool) -> MapPoint:
    return MapPoint(
        name=country.name,
        url=country.get_absolute_url(),
        x=round((float(country.longitude) + 180) * MAP_SCALE, 1),
        y=round((90 - float(country.latitude)) * MAP_SCALE, 1),
        highlighted=highlighted,
    )


@register.inclusion_tag("includes/_world_map.svg.html")
def world_map(
    countries: Iterable[Country], highlighted: Iterable[Country] = (), title: str = ""
) -> dict[str, Any]:
    """A dot at each country's reference point, linked to its page; the highlighted ones
    stand out (the dots of all countries together sketch the continents)."""
    highlighted_ids = {country.pk for country in highlighted}
    points = [project(country, highlighted=country.pk in highlighted_ids) for country in countries]
    # Highlighted dots last, so that they are drawn on top.
    points.sort(key=lambda point: point.highlighted)
    return {
        "points": points,
        "width": MAP_WIDTH,
        "height": MAP_HEIGHT,
        "meridians": [x * MAP_SCALE for x in range(0, 361, 30)],
        "parallels": [y * MAP_SCALE for y in range(0, 181, 30)],
        "equator": 90 * MAP_SCALE,
        "title": title,
    }


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    height: float


BAR_CHART_HEIGHT = 120
BAR_WIDTH = 36
BAR_GAP = 10


@register.inclusion_tag("includes/_bar_chart.svg.html")
def bar_chart(
    items: Iterable[Any], *, label_attr: str, value_attr: str, title: str = ""
) -> dict[str, Any]:
    """Vertical bars scaled to the largest value, each labelled with its value."""
    pairs = [
        (str(getattr(item, label_attr)), int(getattr(item, value_attr) or 0)) for item in items
    ]
    largest = max((value for _, value in pairs), default=0) or 1
    bars = []
    for index, (label, value) in enumerate(pairs):
        height = round(value / largest * BAR_CHART_HEIGHT, 1)
        bars.append(
            Bar(
                label=label,
                value=value,
                x=index * (BAR_WIDTH + BAR_GAP),
                y=BAR_CHART_HEIGHT - height,
                height=height,
            )
        )
    return {
        "bars": bars,
        "bar_width": BAR_WIDTH,
        "bar_center": BAR_WIDTH / 2,
        "chart_height": BAR_CHART_HEIGHT,
        "width": max(len(bars) * (BAR_WIDTH + BAR_GAP), BAR_WIDTH),
        "label_y": BAR_CHART_HEIGHT + 16,
        "title": title,
    }
