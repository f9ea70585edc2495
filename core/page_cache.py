"""Whole public pages from the cache, never stale, with ETags and gzip (README, Caching and
HTTP).

An anonymous GET or HEAD (no session or messages cookie) is answered from the cache when the
page was stored under the current data version (core.data_version); the version and the page
come in one round trip. Otherwise the view runs and a public answer is stored: a 200 that sets
no cookie (so it carries no CSRF token), touched no session and is no download. The key is
the absolute URL (scheme, host, path with any language prefix, query) and the active
language, so this middleware must come after every middleware that picks the language or
may answer a request itself (LocaleMiddleware, a redirect to the visitor's language).

Stored pages are gzipped once, when stored; nothing else is compressed, so no page carrying
a secret (a CSRF token, a person's data) is ever compressed: BREACH needs a secret in a
compressed body. Every answer goes out as one piece of bytes (the Atom feed is written in
hundreds of small writes, each of which would be a socket write).
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import (
    get_conditional_response,
    has_vary_header,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.translation import get_language

from core.data_version import VERSION_KEY, data_version, note_read

ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# What a cached page may differ by, for the browser and any cache in between.
VARY = ("Cookie", "Accept-Language", "Accept-Encoding")
# Worth compressing (as Django's GZipMiddleware).
MIN_COMPRESSED_SIZE = 200
# zlib's level 4, not Django's 6: on the 185 KB forum-year page 2.2 ms of CPU instead of
# 7.3 ms for 35.6 KB instead of 33.9 KB (5 % more); the page is compressed on every
# uncached render, so the render's time counts more than the last few percent of size.
GZIP_LEVEL = 4
# Set on each answer rather than stored.
UNSTORED_HEADERS = {"content-length", "vary", "cache-control", "etag"}

# (version, ETag, headers, body)
Entry = tuple[str, str, tuple[tuple[str, str], ...], bytes]


def send_whole(response: HttpResponseBase) -> None:
    """One bytes body instead of the chunks the view wrote (each would be a socket write)."""
    if not response.streaming:
        response.content = response.content


class PageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.skipped_paths = tuple(settings.PAGE_CACHE_SKIP_PATHS)
        self.personal_cookies = (settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not self._is_public(request):
            response = self.get_response(request)
            send_whole(response)
            return self._mark_personal(request, response)
        gzip = bool(ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))
        key = self._key(request)
        entry_key = f"{key}:{'gzip' if gzip else 'identity'}"
        found = cache.get_many([VERSION_KEY, entry_key])
        version = found.get(VERSION_KEY)
        if version is None:
            version = data_version()
        else:
            note_read()
        entry = found.get(entry_key)
        if entry is not None and entry[0] == version:
            return self._answer(request, entry)
        response = self.get_response(request)
        send_whole(response)
        if not self._is_storable(request, response):
            return self._mark_personal(request, response)
        identity, compressed = self._entries(version, response)
        cache.set_many(
            {f"{key}:identity": identity, f"{key}:gzip": compressed}, settings.PAGE_CACHE_SECONDS
        )
        return self._answer(request, compressed if gzip else identity)

    def _is_public(self, request: HttpRequest) -> bool:
        return (
            settings.PAGE_CACHE_SECONDS > 0
            and request.method in ("GET", "HEAD")
            and not request.path_info.startswith(self.skipped_paths)
            and not any(name in request.COOKIES for name in self.personal_cookies)
            and "HTTP_AUTHORIZATION" not in request.META
        )

    @staticmethod
    def _key(request: HttpRequest) -> str:
        url = f"{request.build_absolute_uri()} {get_language()}"
        return "page:" + hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()

    @staticmethod
    def _is_storable(request: HttpRequest, response: HttpResponseBase) -> bool:
        cache_control = response.get("Cache-Control", "")
        session = getattr(request, "session", None)
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in cache_control
            and "no-store" not in cache_control
            and not response.has_header("Content-Disposition")
            and not (session is not None and session.modified)
            and not has_vary_header(response, "User-Agent")
        )

    @staticmethod
    def _entries(version: str, response: HttpResponse) -> tuple[Entry, Entry]:
        """The page as sent to clients without gzip, and to those with it."""
        body = response.content
        tag = hashlib.md5(body, usedforsecurity=False).hexdigest()
        headers = tuple(
            (name, value)
            for name, value in response.headers.items()
            if name.lower() not in UNSTORED_HEADERS
        )
        identity = (version, f'"{tag}"', headers, body)
        if len(body) < MIN_COMPRESSED_SIZE:
            return identity, identity
        compressed = gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)
        if len(compressed) >= len(body):
            return identity, identity
        # Weak: the same page, another encoding (as Django's GZipMiddleware marks it).
        gzip_headers = (*headers, ("Content-Encoding", "gzip"))
        return identity, (version, f'W/"{tag}"', gzip_headers, compressed)

    @staticmethod
    def _answer(request: HttpRequest, entry: Entry) -> HttpResponseBase:
        _, etag, headers, body = entry
        response = HttpResponse(body, headers=dict(headers))
        response["ETag"] = etag
        # Any cache may keep it, but must ask again each time: the ETag makes that a 304.
        response["Cache-Control"] = "public, no-cache"
        patch_vary_headers(response, VARY)
        return get_conditional_response(request, etag=etag, response=response)

    def _mark_personal(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        """A page for one visitor (logged in, a message, a cookie set) is never kept by a
        shared cache."""
        personal = response.cookies or any(
            name in request.COOKIES for name in self.personal_cookies
        )
        if personal and request.method in ("GET", "HEAD"):
            patch_cache_control(response, private=True)
        return response
