"""Country updates from staff edits in the admin.

A save can change several country pages (a roundtable's title shows on the page of every
country with a role in it) and one page in several places (a country with its inline
rows). Each admin view that writes runs in one transaction with a country update recorder:
the hooks that write (save_model, save_related, delete_model, delete_queryset) first lock
and read the pages of the countries they touch, and when the view is done each country
whose page changed gets one update with a summary of what a reader will see differently.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest, HttpResponse

from countries.models import CountryUpdate
from countries.profile import countries_shown_with
from countries.services import country_updates_recorded

RECORDER = "_gfmd_country_update_recorder"


class RecordsCountryUpdates:
    """ModelAdmin mixin: one country update per country whose page a staff edit changed
    (change form with its inlines, list edits, history revert, delete, bulk delete)."""

    def countries_affected_by(self, obj: models.Model) -> set[int]:
        return countries_shown_with(obj)

    def countries_named_in(self, form: ModelForm) -> set[int]:
        """Countries the form's values will show the object on that the object does not name
        yet (a many-to-many field is saved after the object); none by default."""
        return set()

    # The views that write, each recording its updates at the end of its transaction.

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with self._recording(request):
            return super().changeform_view(request, *args, **kwargs)

    def changelist_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with self._recording(request):
            return super().changelist_view(request, *args, **kwargs)

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with self._recording(request):
            return super().delete_view(request, *args, **kwargs)

    def history_form_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with self._recording(request):
            return super().history_form_view(request, *args, **kwargs)

    # The hooks that write, each watching the countries it touches before writing.

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        countries = self.countries_affected_by(obj) | self.countries_named_in(form)
        if change:
            stored = type(obj)._default_manager.filter(pk=obj.pk).first()
            countries |= self.countries_affected_by(stored) if stored else set()
        self._watch(request, countries)
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
        self._watch(request, countries)
        super().save_related(request, form, formsets, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._watch(request, self.countries_affected_by(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._watch(request, set().union(*map(self.countries_affected_by, queryset)))
        super().delete_queryset(request, queryset)

    @contextmanager
    def _recording(self, request: HttpRequest) -> Iterator[None]:
        with country_updates_recorded(source=CountryUpdate.Source.ADMIN) as recorder:
            request.__dict__[RECORDER] = recorder
            try:
                yield
            finally:
                del request.__dict__[RECORDER]

    def _watch(self, request: HttpRequest, countries: set[int]) -> None:
        request.__dict__[RECORDER].watch(countries)
