"""Server-rendered SVG charts: no script, no CDN, readable without CSS."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import template
from django.utils import formats
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

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
LABEL_Y = BAR_CHART_HEIGHT + 16

# One bar, written in Python rather than by a template loop (a country's charts have dozens
# of bars, each a dozen template nodes). Numbers as str() writes them, which is what the
# template wrote with localization off: SVG's syntax in every language.
BAR_SVG = (
    '<g class="bar" transform="translate({x} 0)">\n'
    '    <rect x="0" y="{y}" width="{width}" height="{height}">'
    "<title>{label}: {value}</title></rect>\n"
    '    <text class="value" x="{center}" y="{y}" dy="-4" text-anchor="middle">{value}</text>\n'
    '    <text class="label" x="0" y="{label_y}" transform="rotate(30 0 {label_y})">'
    "{label}</text>\n"
    "  </g>"
)


def bars_svg(bars: Iterable[Bar]) -> SafeString:
    """The bars' `<g>` elements, their labels and values escaped."""
    return format_html_join(
        "",
        BAR_SVG,
        (
            {
                "x": bar.x,
                "y": bar.y,
                "width": BAR_WIDTH,
                "height": bar.height,
                "center": BAR_WIDTH / 2,
                "label": bar.label,
                "value": bar.value_text,
                "label_y": LABEL_Y,
            }
            for bar in bars
        ),
    )


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
        "bars_svg": bars_svg(bars),
        "width": max(len(bars) * (BAR_WIDTH + BAR_GAP), BAR_WIDTH),
        "label_y": LABEL_Y,
        "title": title,
        "chart_id": chart_id,
    }
