"""The download files: built once per data version, kept in the cache, served from there.

A download of everything costs one query (the data version) and a cache read, whatever its
size; only the first request after a change builds the files (a few hundred milliseconds for
the reference data, see README, Open data).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder

from countries.models import Country
from imports.formats import CSV
from opendata.datasets import RECORD_TYPES, RecordType, data_version
from opendata.fields import FIELD_DESCRIPTIONS

CACHE_SECONDS = 7 * 24 * 60 * 60
TITLE = "GFMD country profiles: open data"


def licence() -> str:
    return settings.OPEN_DATA_LICENCE


def csv_text(record_type: RecordType, queryset) -> str:
    """The admin's CSV export: formulas escaped, so that the file imports back unchanged."""
    return CSV().export_data(record_type.export(queryset))


def records(record_type: RecordType, queryset) -> list[dict[str, Any]]:
    """As JSON wants them: native values, nothing escaped."""
    return record_type.export(queryset, native=True).dict


def readme_text(record_types: list[RecordType], *, version: str) -> str:
    lines = [TITLE, "", f"Licence: {licence()}", f"Data version: {version}", ""]
    for record_type in record_types:
        lines += [f"{record_type.name}.csv: {record_type.title}"]
        descriptions = FIELD_DESCRIPTIONS[record_type.name]
        lines += [f"  {column}: {descriptions[column]}" for column in record_type.columns()]
        lines.append("")
    return "\n".join(lines)


def _zip(files: list[tuple[str, str]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files:
            archive.writestr(name, text.encode())
    return buffer.getvalue()


def _selection(country: Country | None) -> list[tuple[RecordType, Any]]:
    if country is None:
        return [(record_type, record_type.everything()) for record_type in RECORD_TYPES]
    return [
        (record_type, record_type.of_country(country))
        for record_type in RECORD_TYPES
        if record_type.of_country is not None
    ]


def build_csv_zip(*, version: str, country: Country | None = None) -> bytes:
    selection = _selection(country)
    files = [
        (f"{record_type.name}.csv", csv_text(record_type, qs)) for record_type, qs in selection
    ]
    files.append(("README.txt", readme_text([rt for rt, _qs in selection], version=version)))
    return _zip(files)


def build_json(*, version: str, country: Country | None = None) -> bytes:
    selection = _selection(country)
    document = {
        "title": TITLE if country is None else f"{TITLE}: {country.name}",
        "licence": licence(),
        "version": version,
        "fields": {
            record_type.name: {
                column: FIELD_DESCRIPTIONS[record_type.name][column]
                for column in record_type.columns()
            }
            for record_type, _qs in selection
        },
        "records": {record_type.name: records(record_type, qs) for record_type, qs in selection},
    }
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()


BUILDERS: dict[str, Callable[..., bytes]] = {"zip": build_csv_zip, "json": build_json}


def download(kind: str, *, version: str | None = None, country: Country | None = None) -> bytes:
    """The file of this kind ("zip" or "json") for the data as it is, from the cache."""
    version = version or data_version()
    scope = "all" if country is None else f"country-{country.pk}"
    key = f"opendata:{kind}:{scope}:{version}"
    content = cache.get(key)
    if content is None:
        content = BUILDERS[kind](version=version, country=country)
        cache.set(key, content, CACHE_SECONDS)
    return content
