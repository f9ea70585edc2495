"""Build ``countries.csv``, the country reference data the site ships with.

The site loads the CSV and never imports ``pycountry`` or ``countryinfo``; this script
exists so the file can be regenerated and audited. Sources, per column:

- ``iso2``, ``iso3``, ``name``, ``official_name``: ISO 3166-1 from ``pycountry`` (all 249
  entries). ``name`` is pycountry's ``common_name`` when it has one ("Bolivia"), else its
  ``name``; ``official_name`` falls back to ``name`` when pycountry has none.
- ``slug``: the page address, made from ``name`` as Django's ``slugify`` makes it (the
  column the admin's import and export use).
- ``region``, ``subregion``: the UN M49 region and sub-region from ``countryinfo``, with
  ``REGION_OVERRIDES`` where it leaves them blank or strays from M49.
- ``latitude``, ``longitude``: the CIA World Factbook "geographic coordinates" as
  ``countryinfo`` gives them (decimal degrees, rounded here to the nearest minute), with
  ``COORDINATE_OVERRIDES``, taken from the Factbook, for the 13 entries it has none for
  and the 3 where it has some other point (Jamaica's is Kingston's).

Rows are sorted by name, ignoring case and accents, so "Åland Islands" sorts under A.
The output is deterministic: running the script twice writes an identical file.

Run it from a throwaway virtualenv, not the project's (these versions reproduce the file)::

    python3 -m venv /tmp/datavenv
    /tmp/datavenv/bin/pip install pycountry==26.2.16 countryinfo==1.0.1
    /tmp/datavenv/bin/python countries/data/build_countries_csv.py
"""

from __future__ import annotations

import csv
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pycountry
from countryinfo import CountryInfo

OUTPUT = Path(__file__).with_name("countries.csv")
FIELDNAMES = (
    "iso2",
    "iso3",
    "name",
    "slug",
    "official_name",
    "region",
    "subregion",
    "latitude",
    "longitude",
)
REGIONS = {"Africa", "Americas", "Antarctica", "Asia", "Europe", "Oceania"}

# Factbook coordinates (latitude, longitude). First the 13 entries countryinfo has none
# for (for the US Minor Outlying Islands, Wake Island's), then the 3 it has wrong.
COORDINATE_OVERRIDES: dict[str, tuple[str, str]] = {
    "AX": ("60 15 N", "20 00 E"),  # Åland Islands
    "AQ": ("90 00 S", "0 00 E"),  # Antarctica
    "BQ": ("12 10 N", "68 15 W"),  # Bonaire, Sint Eustatius and Saba
    "BL": ("17 54 N", "62 50 W"),  # Saint Barthélemy
    "BV": ("54 26 S", "3 24 E"),  # Bouvet Island
    "CW": ("12 10 N", "69 00 W"),  # Curaçao
    "MF": ("18 05 N", "63 57 W"),  # Saint Martin (French part)
    "PS": ("32 00 N", "35 15 E"),  # Palestine, State of
    "SX": ("18 04 N", "63 04 W"),  # Sint Maarten (Dutch part)
    "TC": ("21 45 N", "71 35 W"),  # Turks and Caicos Islands
    "UM": ("19 17 N", "166 36 E"),  # United States Minor Outlying Islands
    "VG": ("18 30 N", "64 30 W"),  # Virgin Islands, British
    "VI": ("18 20 N", "64 50 W"),  # Virgin Islands, U.S.
    "JM": ("18 15 N", "77 30 W"),  # Jamaica: countryinfo has Kingston, 17 58 N, 76 48 W
    "ME": ("42 30 N", "19 18 E"),  # Montenegro: countryinfo has 42 42 N, 19 24 E
    "RS": ("44 00 N", "21 00 E"),  # Serbia: countryinfo has 44 01 N, 21 00 E
}

# (region, subregion) by the UN M49 geoscheme where countryinfo leaves both blank or
# disagrees with M49. M49 puts Antarctica in no region: it gets one of its own, no subregion.
REGION_OVERRIDES: dict[str, tuple[str, str]] = {
    "AQ": ("Antarctica", ""),
    "HM": ("Oceania", "Australia and New Zealand"),  # Heard Island and McDonald Islands
    "ME": ("Europe", "Southern Europe"),  # Montenegro: countryinfo has Eastern Europe
    "RS": ("Europe", "Southern Europe"),  # Serbia: countryinfo has Eastern Europe
}


def degrees_minutes(value: float, *, positive: str, negative: str) -> str:
    """Decimal degrees to Factbook style, to the nearest minute: -5.0 -> "5 00 W"."""
    exact = Decimal(str(value))
    total_minutes = int((abs(exact) * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    degrees, minutes = divmod(total_minutes, 60)
    hemisphere = negative if exact < 0 and total_minutes else positive
    return f"{degrees} {minutes:02d} {hemisphere}"


def coordinates(iso2: str, info: CountryInfo) -> tuple[str, str]:
    if iso2 in COORDINATE_OVERRIDES:
        return COORDINATE_OVERRIDES[iso2]
    latitude, longitude = info.latlng()
    return (
        degrees_minutes(latitude, positive="N", negative="S"),
        degrees_minutes(longitude, positive="E", negative="W"),
    )


def region_and_subregion(iso2: str, info: CountryInfo) -> tuple[str, str]:
    if iso2 in REGION_OVERRIDES:
        return REGION_OVERRIDES[iso2]
    region, subregion = info.region() or "", info.subregion() or ""
    if region not in REGIONS:
        raise ValueError(f"{iso2}: unexpected region {region!r} from countryinfo")
    return region, subregion


def row(country: pycountry.db.Country) -> dict[str, str]:
    iso2 = country.alpha_2
    info = CountryInfo(iso2)
    if info.iso(2) != iso2:
        raise ValueError(f"countryinfo resolved {iso2} to {info.iso(2)}")
    region, subregion = region_and_subregion(iso2, info)
    latitude, longitude = coordinates(iso2, info)
    return {
        "iso2": iso2,
        "iso3": country.alpha_3,
        "name": (name := getattr(country, "common_name", country.name)),
        "slug": slugify(name),
        "official_name": getattr(country, "official_name", country.name),
        "region": region,
        "subregion": subregion,
        "latitude": latitude,
        "longitude": longitude,
    }


def slugify(value: str) -> str:
    """Django's `django.utils.text.slugify`, which the admin uses for a country's page
    address, so that this script needs no Django: "Côte d'Ivoire" -> "cote-divoire"."""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value.lower())
    return re.sub(r"[-\s]+", "-", value).strip("-_")


def sort_key(entry: dict[str, str]) -> tuple[str, str]:
    decomposed = unicodedata.normalize("NFKD", entry["name"])
    folded = "".join(char for char in decomposed if not unicodedata.combining(char))
    return folded.casefold(), entry["iso2"]


def main() -> None:
    rows = sorted((row(country) for country in pycountry.countries), key=sort_key)
    with OUTPUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDNAMES, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"Wrote {len(rows)} countries to {OUTPUT}")


if __name__ == "__main__":
    main()
