"""Country updates from staff edits in the admin.

A save can change several country pages (a roundtable's title shows on the page of every
country with a role in it) and one page in several places (a country with its inline
rows). So the pages of the countries an edit touches are read before anything is written,
read again after the last write, and each country whose page changed gets one update with
a summary of what a reader will see differently, in the edit's transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest, HttpResponse

from countries.models import Country
from countries.profile import (
    Snapshot,
    countries_shown_with,
    describe_profile_changes,
    profile_lines,
)
from subscriptions.models import CountryUpdate
from subscriptions.services import country_update_record

SNAPSHOTS = "_gfmd_profile_snapshots"


class RecordsCountryUpdates:
    """ModelAdmin mixin: one country update per country whose page a staff edit changed
    (change form with its inlines, history revert, delete, bulk delete)."""

    def countries_affected_by(self, obj: models.Model) -> set[int]:
        return countries_shown_with(obj)

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        countries = self.countries_affected_by(obj)  # the new values, not yet written
        if change:
            stored = type(obj)._default_manager.filter(pk=obj.pk).first()
            countries |= self.countries_affected_by(stored) if stored else set()
        self._snapshot(request, countries)
        super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: list[BaseFormSet], change: bool
    ) -> None:
        countries: set[int] = set()
        for formset in formsets:
            rows = [inline_form.instance for inline_form in formset.forms]
            stored = formset.model._default_manager.filter(pk__in=[r.pk for r in rows if r.pk])
            for row in [*rows, *stored]:
                countries |= self.countries_affected_by(row)
        self._snapshot(request, countries)
        super().save_related(request, form, formsets, change)
        self._record(request)

    def history_form_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # simple_history's revert saves through save_model but never calls save_related.
        with transaction.atomic():
            response = super().history_form_view(request, *args, **kwargs)
            self._record(request)
        return response

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            self._snapshot(request, self.countries_affected_by(obj))
            super().delete_model(request, obj)
            self._record(request)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with transaction.atomic():
            self._snapshot(request, set().union(*map(self.countries_affected_by, queryset)))
            super().delete_queryset(request, queryset)
            self._record(request)

    def _snapshot(self, request: HttpRequest, countries: set[int]) -> None:
        """The pages as they are before this request writes; a page read once is kept."""
        snapshots: dict[int, Snapshot] = request.__dict__.setdefault(SNAPSHOTS, {})
        for pk in countries - snapshots.keys():
            snapshots[pk] = profile_lines(Country(pk=pk))

    def _record(self, request: HttpRequest) -> None:
        snapshots: dict[int, Snapshot] = request.__dict__.pop(SNAPSHOTS, {})
        for country in Country.objects.filter(pk__in=snapshots):  # deleted ones are gone
            summary = describe_profile_changes(snapshots[country.pk], profile_lines(country))
            if summary:
                country_update_record(
                    country=country, summary=summary, source=CountryUpdate.Source.ADMIN
                )
