"""A fixed-window counter in Django's cache: enough to slow down a script hammering a form.

The client address is hashed before it becomes a cache key and is never stored elsewhere.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def rate_limit_exceeded(*, scope: str, key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit for `key`; True once it has had more than `limit` in this window."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    window = int(time.time() // window_seconds)
    cache_key = f"ratelimit:{scope}:{digest}:{window}"
    cache.add(cache_key, 0, timeout=window_seconds)
    try:
        hits = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window_seconds)
        hits = 1
    return hits > limit
