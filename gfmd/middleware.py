"""Request and response guards that apply to every page (README, Security)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from core.i18n import ADMIN_PREFIX

NUL = "\x00"


def _texts(request: HttpRequest) -> Iterator[str]:
    yield request.path
    yield from request.COOKIES.keys()
    yield from request.COOKIES.values()
    sources = [request.GET]
    # Form posts too; a multipart upload is left whole to its view (files may hold NULs,
    # and form fields refuse them themselves).
    if request.content_type == "application/x-www-form-urlencoded":
        sources.append(request.POST)
    for data in sources:
        for key, values in data.lists():
            yield key
            yield from values


class RejectNulMiddleware:
    """A NUL character in the path, the query string, a cookie or a form post answers 400.

    No text the site stores or looks up may hold one (PostgreSQL refuses it in any string,
    so a lookup with it would fail as a server error), and no browser sends one unasked.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(NUL in text for text in _texts(request)):
            return HttpResponseBadRequest(
                "Bad request: the address or form holds a NUL character.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Sends PERMISSIONS_POLICY (browser features the pages may use: none of them)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


class SiteCSPMiddleware(CSPMiddleware):
    """django-csp's middleware with ADMIN_CONTENT_SECURITY_POLICY under /admin/: the Django
    admin and django-import-export use inline styles and one inline event handler."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponse, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and request.path_info.startswith(ADMIN_PREFIX):
            parts.config = settings.ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"]
        return parts
