"""Additions to the OpenAPI document that hold for every operation of the API: the answers
that middleware, filters and throttling give (304, 400, 404, 429), and the conditional request
header. drf-spectacular documents the 200 answers from the serializers."""

from __future__ import annotations

from typing import Any

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": True,
}
FILTER_ERRORS = {
    "type": "object",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "description": "The reason for each query parameter that is not valid.",
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def add_common_responses(result: dict[str, Any], generator, **kwargs) -> dict[str, Any]:
    result["components"].setdefault("schemas", {})["Error"] = ERROR
    error_ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result["paths"].values():
        for operation in path_item.values():
            responses = operation["responses"]
            responses.setdefault(
                "304", {"description": "Not modified: the If-None-Match ETag still holds."}
            )
            responses.setdefault(
                "429",
                {
                    **_json(error_ref, "Too many requests; retry after Retry-After seconds."),
                    "headers": {"Retry-After": {"schema": {"type": "integer"}, "required": True}},
                },
            )
            responses.setdefault("404", _json(error_ref, "No such object, or no such page."))
            # The site refuses a NUL character anywhere in the address, as plain text
            # (gfmd.middleware.RejectNulMiddleware); the filters say what is wrong in JSON.
            bad_request = {
                "description": "A parameter is not valid.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
            if any(param["in"] == "query" for param in operation.get("parameters", [])):
                bad_request["content"]["application/json"] = {"schema": FILTER_ERRORS}
            responses.setdefault("400", bad_request)
            ok = responses.get("200")
            if ok is not None:
                ok.setdefault("headers", {})["ETag"] = {
                    "schema": {"type": "string"},
                    "description": "Send it back in If-None-Match to get 304 while unchanged.",
                }
            operation.setdefault("parameters", []).append(
                {
                    "in": "header",
                    "name": "If-None-Match",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": "An ETag of an earlier answer.",
                }
            )
    return result
