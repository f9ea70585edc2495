"""Django's Redis cache, with one redis-py client per connection pool instead of one per call.

Django's RedisCacheClient builds a new `redis.Redis` for every cache operation, and redis-py's
constructor fills a table of about eighty response callbacks each time: 0.3 to 0.4 ms of CPU
a call, about 2 ms a page (the page cache and the data version make several calls), which
was most of the gap between a bare view with Redis and without. A `redis.Redis` is safe to
share between threads (each command takes a connection from the pool), and the pool opens
new connections after a fork, so one client per pool serves the whole process.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        if index not in self._clients:
            self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return self._clients[index]


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
