"""Cached results for the practice list, never stale.

Counting, ranking and faceting a broad search touches every matching practice (a common word
matches most of them), which costs hundreds of milliseconds at 100,000 practices. The list
therefore caches, per set of filters, the result count, the facet counts and the first result
ids, under the version of the public data (core.data_version), which moves after every
committed write to practices, their countries and themes, countries and forum years. A change
of any kind moves the version, so the next request computes afresh: no page is ever stale.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any, overload

from django.core.cache import cache
from django.db.models import Model, QuerySet

from core.data_version import data_version

# Result ids kept per search: the first ten pages at the largest page size.
CACHED_IDS = 1_000
CACHE_SECONDS = 24 * 60 * 60


def catalogue_version() -> str:
    """The version the list's cache is keyed by: the public data's."""
    return data_version()


def filters_key(selected: dict[str, Any]) -> str:
    """A stable key for the chosen filter values (order and duplicates do not matter)."""
    parts = []
    for name in sorted(selected):
        value = selected[name]
        if isinstance(value, QuerySet | list | tuple | set):
            value = ",".join(
                sorted(str(item.pk if isinstance(item, Model) else item) for item in value)
            )
        elif isinstance(value, Model):
            value = value.pk
        parts.append(f"{name}={value}")
    return hashlib.sha256("&".join(parts).encode()).hexdigest()


class CachedResults(Sequence):
    """The paginator's object list: a cached count and ids, objects loaded a page at a time.

    Pages within the cached ids are fetched by primary key (a fast query whatever the search);
    pages beyond them take their ids from the live, ordered queryset.
    """

    def __init__(
        self,
        *,
        results: QuerySet,
        page_queryset: QuerySet,
        key: str,
        first: Callable[[], tuple[int, list[int]]],
    ) -> None:
        """`first`: the result count and the first CACHED_IDS ids, computed on a cache miss."""
        self.results, self.page_queryset = results, page_queryset
        cached = cache.get(key)
        if cached is None:
            cached = first()
            cache.set(key, cached, CACHE_SECONDS)
        self.total, self.ids = cached

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop, _ = index.indices(self.total)
        if stop <= len(self.ids):
            page_ids = self.ids[start:stop]
        else:
            page_ids = list(self.results.values_list("pk", flat=True)[start:stop])
        objects = self.page_queryset.in_bulk(page_ids)
        return [objects[pk] for pk in page_ids if pk in objects]
