"""ETag, 304 and CORS for the API and the download files (README, Open data)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.middleware.http import ConditionalGetMiddleware

API_PREFIX = "/api/"
CONDITIONAL_PREFIXES = (API_PREFIX, "/data/")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class OpenDataMiddleware:
    """Under /api/ and /data/: an ETag on every 200 answer (a hash of its body, unless the
    view set one) and 304 to a request whose If-None-Match still holds (Django's
    ConditionalGetMiddleware, scoped). Under /api/: CORS open to every origin for reading,
    without credentials; a preflight may send If-None-Match."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.conditional = ConditionalGetMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if not path.startswith(CONDITIONAL_PREFIXES):
            return self.get_response(request)
        response = self.get_response(request)
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            response = self.conditional.process_response(request, response)
        if path.startswith(API_PREFIX) and request.method in SAFE_METHODS:
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Expose-Headers"] = "ETag, Retry-After"
            if request.method == "OPTIONS":
                response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
                response["Access-Control-Allow-Headers"] = "Accept, If-None-Match"
                response["Access-Control-Max-Age"] = "86400"
        return response
