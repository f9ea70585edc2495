from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from core.pagination import ForgivingPaginationMixin
from core.ratelimit import client_address
from practices.filters import FacetChoice, PracticeFilter, SearchSummary, Sort
from practices.forms import HONEYPOT_FIELD, PracticeSubmissionForm
from practices.models import PracticeSubmission
from practices.search import (
    CACHE_SECONDS,
    CACHED_IDS,
    CachedResults,
    catalogue_version,
    filters_key,
)
from practices.services import (
    SUBMISSION_LIMIT,
    SUBMISSIONS_PER_HOUR,
    practice_submit,
)

PAGE_SIZES = (10, 20, 50, 100)
DEFAULT_PAGE_SIZE = 20


class PracticeListView(ForgivingPaginationMixin, FilterView):
    filterset_class = PracticeFilter
    template_name = "practices/practice_list.html"
    context_object_name = "practices"
    # Invalid values are shown as form errors and ignored; the other filters still apply.
    strict = False

    def get_queryset(self) -> Any:
        return PracticeSubmission.objects.published()

    def get_paginate_by(self, queryset: Any) -> int:
        try:
            size = int(self.request.GET.get("per_page", DEFAULT_PAGE_SIZE))
        except ValueError:
            return DEFAULT_PAGE_SIZE
        return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE

    def paginate_queryset(self, queryset: Any, page_size: int) -> Any:
        # Related rows for the shown page only: a fixed number of queries whatever its size.
        page_queryset = (
            PracticeSubmission.objects.defer("search_vector")
            .select_related("forum_year")
            .prefetch_related("countries", "themes")
        )
        if self.version is None:
            queryset = queryset.defer("search_vector").select_related("forum_year")
            queryset = queryset.prefetch_related("countries", "themes")
        else:
            key = f"practices:results:{self.version}:{self.filters_key}:{self.filterset.sort}"
            queryset = CachedResults(
                results=queryset,
                page_queryset=page_queryset,
                key=key,
                first=lambda: (self.summary.total, self.summary.ids),
            )
        return super().paginate_queryset(queryset, page_size)

    @cached_property
    def version(self) -> int | None:
        return catalogue_version()

    @cached_property
    def summary(self) -> SearchSummary:
        """Count, first ids and facets, computed together (one query on PostgreSQL) when the
        cache has none of them."""
        return self.filterset.summary(CACHED_IDS)

    @cached_property
    def filters_key(self) -> str:
        selected = {k: v for k, v in self.filterset.selected.items() if k != "sort"}
        return filters_key(selected)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.version is None:
            facets = self.filterset.facets()
        else:
            key = f"practices:facets:{self.version}:{self.filters_key}"
            facets = cache.get_or_set(key, lambda: self.summary.facets, CACHE_SECONDS)
        context["facets"] = facets
        context["active_filters"] = self._active_filters(facets)
        context["page_sizes"] = PAGE_SIZES
        context["sort_choices"] = Sort.CHOICES
        return context

    def _active_filters(self, facets: dict[str, list[FacetChoice]]) -> list[tuple[str, str]]:
        """(label, link that removes it) for each chosen filter value."""
        chosen = [
            (name, choice.value, choice.label)
            for name, choices in facets.items()
            for choice in choices
            if choice.selected
        ]
        selected = self.filterset.selected
        chosen += [
            (name, self.request.GET.get(name, ""), f"{self.filterset.filters[name].label}: {value}")
            for name, value in selected.items()
            if name in ("q", "submitted_from", "submitted_to")
        ]
        return [(label, self._query_without(name, value)) for name, value, label in chosen]

    def _query_without(self, name: str, value: str) -> str:
        query = self.request.GET.copy()
        query.pop("page", None)
        query.setlist(name, [item for item in query.getlist(name) if item != value])
        return f"?{query.urlencode()}"


class PracticeDetailView(DetailView):
    template_name = "practices/practice_detail.html"
    context_object_name = "practice"

    def get_queryset(self) -> Any:
        return (
            PracticeSubmission.objects.published()
            .select_related("forum_year")
            .prefetch_related("countries", "themes")
        )


class PracticeSubmitView(FormView):
    form_class = PracticeSubmissionForm
    template_name = "practices/practice_submit.html"
    success_url = reverse_lazy("practices:submit_thanks")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        ip = client_address(request)
        form = self.get_form()
        if SUBMISSION_LIMIT.reached(ip):
            form.add_error(
                None,
                _(
                    "You have sent %(limit)s practices in the last hour, the most we accept. "
                    "Please try again in an hour: your text is still in the form below."
                )
                % {"limit": SUBMISSIONS_PER_HOUR},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if form.is_spam:
            SUBMISSION_LIMIT.hit(ip)
            return HttpResponseRedirect(self.get_success_url())
        if not form.is_valid():
            return self.form_invalid(form)
        SUBMISSION_LIMIT.hit(ip)
        data = {key: value for key, value in form.cleaned_data.items() if key != HONEYPOT_FIELD}
        practice_submit(**data)
        return HttpResponseRedirect(self.get_success_url())
