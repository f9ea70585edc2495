"""Throttling and pagination of the API: REST_FRAMEWORK's defaults, in a module of their own
(DRF imports them while its views load, so they cannot sit beside the viewsets)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.pagination import PageNumberPagination
from rest_framework.throttling import AnonRateThrottle

from core.ratelimit import client_address


class AnonymousThrottle(AnonRateThrottle):
    """API_THROTTLE_RATE per client address, counted in the site's cache; the address as the
    site's other rate limits read it (CLIENT_IP_HEADER behind a proxy)."""

    scope = "api"

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE

    def get_ident(self, request) -> str:
        return client_address(request)


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "per_page"
    max_page_size = 100
