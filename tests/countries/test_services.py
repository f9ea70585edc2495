"""The record of a country's changes: one service for every writer of a country page."""

from __future__ import annotations

import pytest
from django.db import transaction

from countries.models import CountryUpdate
from countries.services import country_update_record, country_updates_recorded
from countries.signals import country_update_recorded
from tests.factories import AttendanceFactory, CountryFactory, ForumYearFactory

pytestmark = pytest.mark.django_db


class TestCountryUpdateRecord:
    def test_tells_the_apps_above_inside_the_transaction(self, morocco):
        """Receivers (subscriptions' outbox) write in the transaction of the update."""
        received = []

        def receiver(sender, *, updates, **kwargs):
            received.extend((u.pk, transaction.get_connection().in_atomic_block) for u in updates)

        country_update_recorded.connect(receiver)
        try:
            update = country_update_record(
                country=morocco, summary="2018: added", source=CountryUpdate.Source.ADMIN
            )
        finally:
            country_update_recorded.disconnect(receiver)
        assert received == [(update.pk, True)]

    def test_a_receiver_that_fails_leaves_no_update(self, morocco):
        """What the apps above owe for an update is written with it, or nothing is."""

        def receiver(sender, **kwargs):
            raise RuntimeError("the outbox could not be written")

        country_update_recorded.connect(receiver)
        try:
            with pytest.raises(RuntimeError), transaction.atomic():
                country_update_record(
                    country=morocco, summary="2018: added", source=CountryUpdate.Source.ADMIN
                )
        finally:
            country_update_recorded.disconnect(receiver)
        assert not CountryUpdate.objects.exists()


class TestCountryUpdatesRecorded:
    """The one service that turns a change into country updates, for every caller."""

    def test_one_update_per_country_whose_page_changed(self, morocco):
        tunisia, bystander = CountryFactory(name="Tunisia"), CountryFactory()
        year = ForumYearFactory(label="2018", sort_year=2018)

        with country_updates_recorded(
            source=CountryUpdate.Source.IMPORT, countries=[morocco.pk, bystander.pk]
        ) as recorder:
            AttendanceFactory(country=morocco, forum_year=year)
            recorder.watch([tunisia.pk])
            AttendanceFactory(country=tunisia, forum_year=year)

        assert sorted(CountryUpdate.objects.values_list("country__name", "summary", "source")) == [
            ("Morocco", "2018: added Attended Summit", "import"),
            ("Tunisia", "2018: added Attended Summit", "import"),
        ]
        assert recorder.updates == list(CountryUpdate.objects.order_by("country_id"))

    def test_an_update_knows_the_sections_it_changed_and_links_to_the_first(self, morocco):
        years = [ForumYearFactory(label=label, sort_year=int(label)) for label in ["2012", "2018"]]
        with country_updates_recorded(
            source=CountryUpdate.Source.IMPORT, countries=[morocco.pk]
        ) as recorder:
            for year in reversed(years):
                AttendanceFactory(country=morocco, forum_year=year)

        [update] = recorder.updates
        assert update.sections == ["year-2012", "year-2018"]
        update.refresh_from_db()
        assert update.get_absolute_url() == "/countries/morocco/#year-2012"
        assert update.section_name == "GFMD 2012"

    def test_a_page_is_read_once_before_the_first_write(self, morocco):
        with country_updates_recorded(
            source=CountryUpdate.Source.ADMIN, countries=[morocco.pk]
        ) as recorder:
            morocco.official_name = "Kingdom of Morocco (the)"
            morocco.save()
            recorder.watch([morocco.pk])  # already read: this does not read it again

        assert CountryUpdate.objects.get().summary == (
            'Official name: "Kingdom of Morocco" changed to "Kingdom of Morocco (the)"'
        )

    def test_nothing_a_reader_sees_records_nothing(self, morocco):
        with country_updates_recorded(source=CountryUpdate.Source.ADMIN, countries=[morocco.pk]):
            morocco.region = "Somewhere else"  # not on the page
            morocco.save()

        assert not CountryUpdate.objects.exists()

    def test_a_deleted_country_gets_no_update(self, morocco):
        with country_updates_recorded(source=CountryUpdate.Source.ADMIN, countries=[morocco.pk]):
            morocco.delete()

        assert not CountryUpdate.objects.exists()

    def test_a_failed_change_records_nothing(self, morocco):
        with (
            pytest.raises(RuntimeError),
            country_updates_recorded(source=CountryUpdate.Source.ADMIN, countries=[morocco.pk]),
        ):
            AttendanceFactory(country=morocco)
            raise RuntimeError("the change failed")

        assert not CountryUpdate.objects.exists()
        assert not morocco.attendances.exists()
