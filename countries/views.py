from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q
from django.views.generic import DetailView, ListView
from django_filters.views import FilterView

from core.i18n import by_local_name
from core.pagination import ForgivingPaginationMixin
from countries.filters import CountryFilter
from countries.models import (
    Country,
    CountryUpdate,
    ForumYear,
    RoundtableRole,
    ThematicMeeting,
    attended_anything,
)
from countries.profile import country_profile

RECENT_UPDATES_SHOWN = 5


class CountryListView(ForgivingPaginationMixin, FilterView):
    filterset_class = CountryFilter
    template_name = "countries/country_list.html"
    paginate_by = 60
    queryset = Country.objects.only("name", "slug", "iso2", "iso3", "region", "subregion")

    def paginate_queryset(self, queryset, page_size):
        # In the reader's language: Égypte between Équateur and Érythrée, not after Zambie.
        return super().paginate_queryset(by_local_name(queryset), page_size)


class CountryDetailView(DetailView):
    model = Country
    template_name = "countries/country_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        country = self.object
        context["sections"] = country_profile(country)
        updates = CountryUpdate.objects.for_country(country).select_related("country")
        context["recent_updates"] = updates[:RECENT_UPDATES_SHOWN]
        return context


class ForumYearListView(ListView):
    template_name = "countries/forumyear_list.html"
    context_object_name = "forum_years"
    # Meta.ordering does not apply to aggregating queries: order explicitly.
    queryset = (
        ForumYear.objects.prefetch_related("chairs")
        .annotate(
            participating_countries=Count("attendances", filter=attended_anything("attendances__"))
        )
        .order_by("sort_year", "label")
    )


class ForumYearDetailView(DetailView):
    template_name = "countries/forumyear_detail.html"
    context_object_name = "forum_year"
    slug_field = "label"
    slug_url_kwarg = "label"
    queryset = ForumYear.objects.prefetch_related(
        "chairs",
        "roundtables",
        Prefetch(
            "roundtables__roles",
            queryset=RoundtableRole.objects.select_related("country").order_by("country__name"),
        ),
        Prefetch(
            "thematic_meetings",
            queryset=ThematicMeeting.objects.select_related("host_country").prefetch_related(
                "participations__country"
            ),
        ),
    )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["attending_countries"] = Country.objects.filter(
            Q(attendances__forum_year=self.object) & attended_anything("attendances__")
        ).order_by("name")
        context["all_countries"] = Country.objects.for_map()
        return context
