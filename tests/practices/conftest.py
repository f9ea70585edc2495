from __future__ import annotations

import pytest
from django.core.cache import cache

from practices.models import Theme
from tests.factories import CountryFactory
from tests.subscriptions.conftest import smtp_sink  # noqa: F401 (a real SMTP server on 127.0.0.1)


@pytest.fixture(autouse=True)
def _empty_cache():
    """The submission rate limit lives in the cache: each test starts with a clean slate."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def france(db):
    return CountryFactory(name="France", slug="france", iso2="FR", iso3="FRA", region="Europe")


@pytest.fixture
def mexico(db):
    return CountryFactory(name="Mexico", slug="mexico", iso2="MX", iso3="MEX", region="Americas")


@pytest.fixture
def diaspora(db):
    return Theme.objects.get(slug="diaspora-engagement")


@pytest.fixture
def remittances(db):
    return Theme.objects.get(slug="remittances")
