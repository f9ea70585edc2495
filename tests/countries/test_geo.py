from __future__ import annotations

from decimal import Decimal

import pytest

from countries import geo


@pytest.mark.parametrize(
    ("latitude", "longitude", "lat_text", "lon_text", "wkt"),
    [
        ("32", "-5", "32 00 N", "5 00 W", "POINT (-5 32)"),
        ("-33.866667", "151.2", "33 52 S", "151 12 E", "POINT (151.2 -33.866667)"),
        ("-54.433333", "3.4", "54 26 S", "3 24 E", "POINT (3.4 -54.433333)"),
        ("60.25", "-20", "60 15 N", "20 00 W", "POINT (-20 60.25)"),
        ("0", "0", "0 00 N", "0 00 E", "POINT (0 0)"),
        ("-90", "180", "90 00 S", "180 00 E", "POINT (180 -90)"),
        ("90", "-180", "90 00 N", "180 00 W", "POINT (-180 90)"),
    ],
)
def test_degrees_minutes_and_wkt_in_every_hemisphere(latitude, longitude, lat_text, lon_text, wkt):
    lat, lon = Decimal(latitude), Decimal(longitude)
    assert geo.latitude_dms(lat) == lat_text
    assert geo.longitude_dms(lon) == lon_text
    assert geo.wkt_point(latitude=lat, longitude=lon) == wkt


@pytest.mark.parametrize(
    ("text", "value"),
    [("32 00 N", "32"), ("5 00 W", "-5"), ("54 26 S", "-54.433333"), ("0 00 E", "0")],
)
def test_parse_dms_round_trips(text, value):
    parsed = geo.parse_dms(text)
    assert parsed == Decimal(value)
    formatter = geo.latitude_dms if text[-1] in "NS" else geo.longitude_dms
    assert formatter(parsed) == text


@pytest.mark.parametrize("text", ["32 60 N", "91 00 N", "181 00 E", "32 N", "32 00 X", ""])
def test_parse_dms_rejects_malformed(text):
    with pytest.raises(ValueError):
        geo.parse_dms(text)
