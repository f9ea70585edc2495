"""Coordinates as the GFMD pages show them: Factbook degrees and minutes, and WKT."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

DMS_PATTERN = re.compile(r"^\s*(\d{1,3})\s+(\d{1,2})\s*([NSEW])\s*$")


def to_degrees_minutes(value: Decimal, *, positive: str, negative: str) -> str:
    """`Decimal("-5")` -> "5 00 W": whole degrees, two-digit minutes, hemisphere letter."""
    total_minutes = int((abs(Decimal(value)) * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    degrees, minutes = divmod(total_minutes, 60)
    hemisphere = negative if value < 0 and total_minutes else positive
    return f"{degrees} {minutes:02d} {hemisphere}"


def latitude_dms(value: Decimal) -> str:
    return to_degrees_minutes(value, positive="N", negative="S")


def longitude_dms(value: Decimal) -> str:
    return to_degrees_minutes(value, positive="E", negative="W")


def parse_dms(text: str) -> Decimal:
    """ "32 00 N" -> Decimal("32"), "5 30 W" -> Decimal("-5.5") (rounded to 6 places)."""
    match = DMS_PATTERN.match(text)
    if not match:
        raise ValueError(f"not a 'degrees minutes hemisphere' coordinate: {text!r}")
    degrees, minutes, hemisphere = int(match[1]), int(match[2]), match[3]
    if minutes >= 60:
        raise ValueError(f"minutes must be below 60: {text!r}")
    value = (Decimal(degrees) + Decimal(minutes) / 60).quantize(Decimal("0.000001"))
    limit = 90 if hemisphere in "NS" else 180
    if value > limit:
        raise ValueError(f"coordinate beyond {limit} degrees: {text!r}")
    return -value if hemisphere in "SW" else value


def format_wkt_number(value: Decimal) -> str:
    """Plain decimal notation without trailing zeros: 32.500000 -> "32.5", -5 -> "-5"."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in {"-0", "0"} else text


def wkt_point(*, latitude: Decimal, longitude: Decimal) -> str:
    """WKT puts longitude (x) first: POINT (-5 32)."""
    return f"POINT ({format_wkt_number(longitude)} {format_wkt_number(latitude)})"
