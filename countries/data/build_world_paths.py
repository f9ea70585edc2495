"""Build ``world_paths.json``, the country outlines of the site's maps.

Source: ``source/countries-110m.json`` from the npm package world-atlas 2.0.2 (Mike
Bostock, ISC licence, ``source/world-atlas-LICENSE.txt``), a TopoJSON of Natural Earth's
1:110m Admin 0 countries (public domain). Copy it again with::

    cd /tmp && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    cp package/countries-110m.json <repository>/countries/data/source/

The script projects the boundaries with Equal Earth (``countries.cartography``), simplifies
them and writes SVG path data keyed by ISO 3166-1 alpha-3. world-atlas identifies countries
by their ISO 3166-1 numeric code; ``pycountry`` maps it to alpha-3 (the site never imports
pycountry). Run it from the repository root with a throwaway virtualenv that can import the
project's ``countries.cartography`` (it needs no Django)::

    python3 -m venv /tmp/mapvenv
    /tmp/mapvenv/bin/pip install pycountry==26.2.16
    PYTHONPATH=. /tmp/mapvenv/bin/python countries/data/build_world_paths.py

The output is deterministic: running the script twice writes an identical file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pycountry

from countries.cartography import build_world_paths

HERE = Path(__file__).parent
SOURCE = HERE / "source" / "countries-110m.json"
OUTPUT = HERE / "world_paths.json"


def main() -> None:
    topology = json.loads(SOURCE.read_text(encoding="utf-8"))
    iso3_by_numeric = {country.numeric: country.alpha_3 for country in pycountry.countries}
    data = build_world_paths(topology, iso3_by_numeric=iso3_by_numeric)
    data = {
        "source": "world-atlas 2.0.2 countries-110m.json: Natural Earth 1:110m Admin 0 "
        "countries (public domain); see countries/data/README.md",
        **data,
    }
    OUTPUT.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{OUTPUT}: {len(data['countries'])} countries, {OUTPUT.stat().st_size} bytes")


if __name__ == "__main__":
    main()
