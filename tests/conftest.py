from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from tests.factories import CountryFactory


@pytest.fixture
def morocco(db):
    return CountryFactory(
        name="Morocco",
        slug="morocco",
        official_name="Kingdom of Morocco",
        iso2="MA",
        iso3="MAR",
        latitude=32,
        longitude=-5,
    )


@pytest.fixture
def editor(db):
    """A staff member who is only in the Editors group the data migration creates."""
    user = get_user_model().objects.create_user(
        username="editor", password="not-secret", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client
