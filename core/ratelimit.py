"""Fixed-window counters in Django's cache: enough to slow down a script hammering a form.

The cache must be shared by every web process (Redis in production, see REDIS_URL).
Client addresses are hashed before they become cache keys and are stored nowhere else.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The visitor's address: REMOTE_ADDR, or behind a proxy the last address the proxy
    added to CLIENT_IP_HEADER (the only one a visitor cannot forge)."""
    if settings.CLIENT_IP_HEADER:
        forwarded = request.META.get(settings.CLIENT_IP_HEADER, "")
        if addresses := [part.strip() for part in forwarded.split(",") if part.strip()]:
            return addresses[-1]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def client_ip(request: HttpRequest) -> str | None:
    """client_address() if it is an IP address, else None: django-axes stores it in an address
    column, which PostgreSQL checks (the proxy's header may hold anything a visitor wrote)."""
    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None


@dataclass(frozen=True)
class RateLimit:
    scope: str
    limit: int
    window_seconds: int = 3600

    def _cache_key(self, key: str) -> str:
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        window = int(time.time() // self.window_seconds)
        return f"ratelimit:{self.scope}:{digest}:{window}"

    def reached(self, key: str) -> bool:
        """True once `key` has used up this window's allowance; counts nothing."""
        return cache.get(self._cache_key(key), 0) >= self.limit

    def hit(self, key: str) -> bool:
        """Count one use for `key`; True when it goes beyond the limit."""
        cache_key = self._cache_key(key)
        cache.add(cache_key, 0, timeout=self.window_seconds)
        try:
            hits = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=self.window_seconds)
            hits = 1
        return hits > self.limit
