from __future__ import annotations

import socket

import pytest
from django.core.cache import caches
from django.test import RequestFactory, override_settings

from core.ratelimit import RateLimit, client_address


@pytest.fixture(autouse=True)
def empty_cache():
    caches["default"].clear()
    yield
    caches["default"].clear()


def test_counts_per_key_up_to_the_limit():
    limit = RateLimit(scope="test", limit=3)
    assert [limit.hit("198.51.100.1") for _ in range(4)] == [False, False, False, True]
    assert limit.reached("198.51.100.1")
    assert not limit.reached("198.51.100.2")
    assert not RateLimit(scope="other", limit=3).reached("198.51.100.1")


def test_reached_does_not_count():
    limit = RateLimit(scope="test", limit=1)
    for _ in range(5):
        assert not limit.reached("198.51.100.1")
    assert not limit.hit("198.51.100.1")
    assert limit.reached("198.51.100.1")


def test_a_new_window_starts_afresh(monkeypatch):
    limit = RateLimit(scope="test", limit=1, window_seconds=60)
    monkeypatch.setattr("core.ratelimit.time.time", lambda: 1_000_020.0)
    limit.hit("198.51.100.1")
    assert limit.reached("198.51.100.1")
    monkeypatch.setattr("core.ratelimit.time.time", lambda: 1_000_020.0 + 60)
    assert not limit.reached("198.51.100.1")


def test_addresses_are_hashed_in_cache_keys():
    limit = RateLimit(scope="test", limit=1)
    assert "198.51.100.1" not in limit._cache_key("198.51.100.1")


@pytest.mark.parametrize(
    ("header_setting", "meta", "address"),
    [
        ("", {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}, "192.0.2.1"),
        (
            "HTTP_X_FORWARDED_FOR",
            {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.7"},
            "203.0.113.7",  # the proxy's own entry, not what the visitor claimed
        ),
        ("HTTP_X_FORWARDED_FOR", {"REMOTE_ADDR": "10.0.0.2"}, "10.0.0.2"),
    ],
)
def test_client_address(settings, header_setting, meta, address):
    settings.CLIENT_IP_HEADER = header_setting
    request = RequestFactory().get("/", **meta)
    assert client_address(request) == address


def redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not redis_reachable(), reason="no Redis server on 127.0.0.1:6379")
def test_limits_hold_across_processes_with_redis():
    """Production's cache: each web process has its own client; the count lives in Redis."""
    redis = {
        "BACKEND": "core.redis_cache.SharedClientRedisCache",
        "LOCATION": "redis://127.0.0.1:6379/15",
    }
    with override_settings(CACHES={"default": redis, "other_process": redis}):
        caches["default"].clear()
        limit = RateLimit(scope="test-redis", limit=2)
        limit.hit("198.51.100.1")
        limit.hit("198.51.100.1")
        key = limit._cache_key("198.51.100.1")
        assert caches["other_process"].get(key) == 2
        assert limit.reached("198.51.100.1")
        caches["default"].clear()
