from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.views.generic import DetailView, ListView
from django_filters.views import FilterView

from core.i18n import by_local_name, country_name
from core.pagination import ForgivingPaginationMixin
from countries.filters import CountryFilter
from countries.links import choice_labels, country_url_maker
from countries.models import (
    Country,
    CountryUpdate,
    ForumYear,
    Roundtable,
    RoundtableRole,
    ThematicMeeting,
    ThematicMeetingParticipation,
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
    queryset = ForumYear.objects.prefetch_related("chairs")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        forum_year = self.object
        context["roundtables"] = roundtables_with_countries(forum_year)
        context["thematic_meetings"] = thematic_meetings_with_countries(forum_year)
        context["attending_countries"] = Country.objects.filter(
            Q(attendances__forum_year=forum_year) & attended_anything("attendances__")
        ).order_by("name")
        context["all_countries"] = Country.objects.for_map()
        return context


# A forum year lists up to thousands of (country page, country name, role) links: read as
# tuples, not model instances, with each link and label worked out once (countries.links).
CountryLinks = list[tuple[str, str, str]]


def roundtables_with_countries(forum_year: ForumYear) -> list[tuple[Roundtable, CountryLinks]]:
    """The year's roundtables, each with its countries by name and their roles."""
    roundtables = list(forum_year.roundtables.all())
    links: dict[int, CountryLinks] = {roundtable.pk: [] for roundtable in roundtables}
    roles, country_url = choice_labels(RoundtableRole.Role), country_url_maker()
    rows = (
        RoundtableRole.objects.filter(roundtable__in=roundtables)
        .order_by("country__name", "pk")
        .values_list("roundtable_id", "country__slug", "country__iso2", "country__name", "role")
    )
    for roundtable_id, slug, iso2, name, role in rows:
        links[roundtable_id].append((country_url(slug), country_name(iso2, name), roles[role]))
    return [(roundtable, links[roundtable.pk]) for roundtable in roundtables]


def thematic_meetings_with_countries(
    forum_year: ForumYear,
) -> list[tuple[ThematicMeeting, CountryLinks]]:
    """The year's thematic meetings, each with its countries as entered and their roles."""
    meetings = list(forum_year.thematic_meetings.select_related("host_country"))
    links: dict[int, CountryLinks] = {meeting.pk: [] for meeting in meetings}
    roles, country_url = choice_labels(ThematicMeetingParticipation.Role), country_url_maker()
    rows = (
        ThematicMeetingParticipation.objects.filter(meeting__in=meetings)
        .order_by("pk")
        .values_list("meeting_id", "country__slug", "country__iso2", "country__name", "role")
    )
    for meeting_id, slug, iso2, name, role in rows:
        links[meeting_id].append((country_url(slug), country_name(iso2, name), roles[role]))
    return [(meeting, links[meeting.pk]) for meeting in meetings]
