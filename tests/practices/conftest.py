from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
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


@pytest.fixture
def moderator(django_user_model):
    """A staff member in the Moderators group only, as the data migration set it up."""
    user = django_user_model.objects.create_user(
        "moderator", email="moderator@gfmd.example.org", password="pw", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client
