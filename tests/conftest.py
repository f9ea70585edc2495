from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import translation

from core.data_version import bump_data_version
from tests.factories import CountryFactory, ForumYearFactory, UserFactory


@pytest.fixture(autouse=True)
def fresh_data_version():
    """Each test starts with no page or result cached for it: the rollback at the end of the
    previous test changed the data without a commit, which the data version cannot see."""
    bump_data_version()


@pytest.fixture(autouse=True)
def english_after_each_test():
    """A request to /fr/ or /es/ leaves its language active in the thread, as Django's
    LocaleMiddleware does (each request activates its own): the next test starts in English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


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


def staff_in_group(username: str, group: str, **fields: str):
    """A staff member who is only in `group`, as the data migrations set it up."""
    user = get_user_model().objects.create_user(
        username=username, password="not-secret", is_staff=True, **fields
    )
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(db):
    return staff_in_group("editor", "Editors")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def moderator(db):
    return staff_in_group("moderator", "Moderators", email="moderator@gfmd.example.org")


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def world(db):
    """Two countries and two forum years, named as the files in tests/data name them."""
    return {
        "MAR": CountryFactory(name="Morocco", slug="morocco", iso2="MA", iso3="MAR"),
        "TUN": CountryFactory(name="Tunisia", slug="tunisia", iso2="TN", iso3="TUN"),
        "2011": ForumYearFactory(label="2011", sort_year=2011),
        "2012": ForumYearFactory(label="2012", sort_year=2012),
    }


@pytest.fixture
def staff(db):
    return UserFactory(username="ana", is_staff=True, is_superuser=True)
