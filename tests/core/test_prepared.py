"""Queries compiled once a process, run with each call's keys (core/prepared.py)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from core.prepared import PreparedRows
from countries.models import Contribution
from tests.factories import ContributionFactory, CountryFactory

CONTRIBUTION_NOTES = PreparedRows(
    Contribution.objects.order_by("pk").values_list("country_id", "note", "amount"), "country"
)


@pytest.mark.django_db
def test_the_rows_are_those_of_the_querysets_in_filter_for_any_number_of_keys():
    countries = CountryFactory.create_batch(3)
    for country in countries:
        ContributionFactory.create_batch(2, country=country)
    for keys in ([], [countries[0].pk], [c.pk for c in countries[1:]], [-1]):
        expected = Contribution.objects.order_by("pk").filter(country__in=keys)
        assert CONTRIBUTION_NOTES(keys) == list(
            expected.values_list("country_id", "note", "amount")
        )


@pytest.mark.django_db
def test_rows_are_read_on_every_call_never_kept():
    country = CountryFactory()
    assert CONTRIBUTION_NOTES([country.pk]) == []
    contribution = ContributionFactory(country=country, note="First")
    assert [note for _country, note, _amount in CONTRIBUTION_NOTES([country.pk])] == ["First"]
    contribution.note = "Changed"
    contribution.save()
    assert [note for _country, note, _amount in CONTRIBUTION_NOTES([country.pk])] == ["Changed"]
    contribution.delete()
    assert CONTRIBUTION_NOTES([country.pk]) == []


@pytest.mark.django_db
def test_a_changed_setting_compiles_again():
    CONTRIBUTION_NOTES([])
    assert CONTRIBUTION_NOTES.compiled is not None
    with override_settings(USE_TZ=True):
        assert CONTRIBUTION_NOTES.compiled is None
