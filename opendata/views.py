from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import condition, require_safe
from django.views.generic import TemplateView
from drf_spectacular.generators import SchemaGenerator

from countries.models import Country
from opendata.datasets import RECORD_TYPES, data_version
from opendata.downloads import download
from opendata.fields import FIELD_DESCRIPTIONS

CONTENT_TYPES = {"zip": "application/zip", "json": "application/json"}
ALL_FILE_NAMES = {"zip": "gfmd-open-data-csv.zip", "json": "gfmd-open-data.json"}


def _version_etag(request: HttpRequest, **kwargs: Any) -> str:
    request.data_version = data_version()
    return request.data_version


def _file_response(content: bytes, *, kind: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "public, max-age=0, must-revalidate"
    return response


@require_safe
@condition(etag_func=_version_etag)
def download_all(request: HttpRequest, kind: str) -> HttpResponse:
    """Every record type: a zip of CSV files, or one JSON document. The ETag is the data
    version, so a client that has the file gets 304 for the price of one query."""
    content = download(kind, version=request.data_version)
    return _file_response(content, kind=kind, filename=ALL_FILE_NAMES[kind])


@require_safe
@condition(etag_func=_version_etag)
def download_country(request: HttpRequest, iso3: str, kind: str) -> HttpResponse:
    country = get_object_or_404(Country, iso3=iso3)
    content = download(kind, version=request.data_version, country=country)
    extension = "csv.zip" if kind == "zip" else "json"
    return _file_response(
        content, kind=kind, filename=f"gfmd-{country.iso3.lower()}-profile.{extension}"
    )


@dataclass
class ColumnDoc:
    name: str
    description: str


class DataView(TemplateView):
    template_name = "opendata/data.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["record_types"] = [
            (
                record_type,
                [
                    ColumnDoc(column, FIELD_DESCRIPTIONS[record_type.name][column])
                    for column in record_type.columns()
                ],
            )
            for record_type in RECORD_TYPES
        ]
        context["licence"] = settings.OPEN_DATA_LICENCE
        context["throttle_rate"] = settings.API_THROTTLE_RATE
        return context


def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Allow: /",
        "Disallow: /admin/",
        # Signed links to one person's subscription, and the subscribe forms, in every
        # language; and the language switcher's links (the pages list their alternates).
        "Disallow: /subscriptions/",
        "Disallow: /countries/*/subscribe/",
        *(
            f"Disallow: /{code}{path}"
            for code, _name in settings.LANGUAGES
            if code != settings.LANGUAGE_CODE
            for path in ("/subscriptions/", "/countries/*/subscribe/")
        ),
        "Disallow: /language/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


# --- The API's documentation page, rendered from the OpenAPI document -----------------------


@functools.cache
def openapi_document() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


@dataclass
class FieldDoc:
    name: str
    type: str
    description: str


@dataclass
class OperationDoc:
    method: str
    path: str
    summary: str
    description: str
    parameters: list[FieldDoc]
    fields: list[FieldDoc]


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0], document) | {
            key: value for key, value in schema.items() if key != "allOf"
        }
    return schema


def _type_name(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return "one of: " + ", ".join(str(value) for value in schema["enum"] if value)
    kind = schema.get("type", "")
    if schema.get("format"):
        kind = f"{kind} ({schema['format']})"
    return kind + (", or null" if schema.get("nullable") else "")


def _fields(schema: dict[str, Any], document: dict[str, Any], prefix: str = "") -> list[FieldDoc]:
    schema = _resolve(schema, document)
    if schema.get("type") == "array":
        return _fields(schema.get("items", {}), document, prefix + "[]")
    rows = []
    for name, prop in schema.get("properties", {}).items():
        prop = _resolve(prop, document)
        path = f"{prefix}.{name}" if prefix else name
        item = _resolve(prop.get("items", {}), document) if prop.get("type") == "array" else {}
        if "properties" in prop or "properties" in item:
            kind = "list of objects" if item else "object"
            rows.append(FieldDoc(path, kind, prop.get("description", "")))
            rows += _fields(prop, document, path)
        else:
            kind = f"list of {_type_name(item)}" if item else _type_name(prop)
            rows.append(FieldDoc(path, kind, prop.get("description", "")))
    return rows


def api_operations(document: dict[str, Any]) -> list[OperationDoc]:
    operations = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            ok = operation["responses"].get("200", {})
            schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
            operations.append(
                OperationDoc(
                    method=method.upper(),
                    path=path,
                    summary=operation.get("summary", ""),
                    description=operation.get("description", ""),
                    parameters=[
                        FieldDoc(
                            f"{param['name']} ({param['in']})",
                            _type_name(_resolve(param.get("schema", {}), document)),
                            param.get("description", ""),
                        )
                        for param in operation.get("parameters", [])
                    ],
                    fields=_fields(schema, document),
                )
            )
    return operations


class ApiDocsView(TemplateView):
    """The browsable documentation: plain HTML from the OpenAPI document, no script."""

    template_name = "opendata/api_docs.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        document = openapi_document()
        context["info"] = document["info"]
        context["operations"] = api_operations(document)
        context["throttle_rate"] = settings.API_THROTTLE_RATE
        return context
