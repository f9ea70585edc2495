from __future__ import annotations

import pytest

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
