"""Server-rendered SVG charts: no script, no CDN, readable without CSS."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import template
from django.utils import formats

register = template.Library()


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    value_text: str
    x: float
    y: float
    height: float


BAR_CHART_HEIGHT = 120
BAR_WIDTH = 36
BAR_GAP = 10


@register.inclusion_tag("includes/_bar_chart.svg.html")
def bar_chart(
    items: Iterable[Any],
    *,
    label_attr: str,
    value_attr: str,
    title: str = "",
    chart_id: str = "bar-chart",
) -> dict[str, Any]:
    """Vertical bars scaled to the largest value, each labelled with its value (with the
    language's thousands separators). `chart_id` keeps the ids unique when a page has
    several charts."""
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
                value_text=formats.number_format(value, force_grouping=True),
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
        "chart_id": chart_id,
    }
