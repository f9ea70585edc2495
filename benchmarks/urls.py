"""The site's addresses and a bare view, the benchmark's baseline: `HttpResponse("ok")`
through the same middleware. Only benchmarks/settings.py routes here."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path

from benchmarks import BARE_PATH
from gfmd.urls import urlpatterns as site_urlpatterns


def bare(request) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path(BARE_PATH.strip("/") + "/", bare), *site_urlpatterns]
