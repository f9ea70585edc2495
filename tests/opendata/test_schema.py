"""The OpenAPI document validates, and every operation answers as the document describes:
schemathesis generates requests from the document (a bounded number a operation, so the
whole file runs in seconds) and calls the site's WSGI application in-process."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gfmd.wsgi import application
from opendata.views import openapi_document

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 20
OPERATIONS = [
    (method.upper(), path) for path, item in openapi_document()["paths"].items() for method in item
]
# A real object behind each detail operation, so that its 200 answer is checked too.
REAL_KEYS = {"iso3": "MAR", "label": "2011", "slug": "circular-migration"}


def test_the_openapi_document_validates(client):
    response = client.get("/api/schema/?format=json")

    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/countries/",
        "/api/countries/{iso3}/",
        "/api/forum-years/",
        "/api/forum-years/{label}/",
        "/api/practices/",
        "/api/practices/{slug}/",
        "/api/country-updates/",
    }
    practice_filters = {
        param["name"] for param in document["paths"]["/api/practices/"]["get"]["parameters"]
    }
    assert {
        "q",
        "country",
        "region",
        "theme",
        "forum_year",
        "submitted_from",
        "submitted_to",
        "sort",
        "page",
        "per_page",
    } <= practice_filters
    # The YAML at the same address, for those who prefer it.
    assert b"openapi: 3" in client.get("/api/schema/").content


def test_the_docs_page_lists_every_operation_with_its_fields(client):
    response = client.get("/api/")

    html = response.content.decode()
    assert response.status_code == 200
    for method, path in OPERATIONS:
        assert f"<code>{method} {path}</code>" in html
    assert "<code>attendance[].attended_summit</code>" in html
    assert "<code>submitted_from (query)</code>" in html
    assert "<script" not in html


@pytest.fixture
def wsgi_calls():
    """Calls straight into the WSGI application, inside the test's transaction: as Django's
    test client does, keep the request signals from closing the connection (on PostgreSQL
    the open transaction makes it look unusable)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
@override_settings(API_THROTTLE_RATE="100000/minute")
def test_every_operation_answers_as_the_document_describes(dataset, wsgi_calls, method, path):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    operation = schema[path][method]
    real = {name: key for name, key in REAL_KEYS.items() if f"{{{name}}}" in path}
    strategies = [operation.as_strategy()]
    if real:
        strategies.append(operation.as_strategy(path_parameters=real))
    seen = []

    for strategy in strategies:

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_described(case):
            response = case.call_and_validate(checks=CHECKS)
            seen.append(response.status_code)

        answers_as_described()

    assert 200 in seen
