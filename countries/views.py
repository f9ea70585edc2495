from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.db.models import Count
from django.utils.safestring import SafeString, mark_safe
from django.views.generic import DetailView, ListView
from django_filters.views import FilterView

from core.i18n import by_local_name, country_namer
from core.pagination import ForgivingPaginationMixin
from core.prepared import PreparedRows
from countries.filters import CountryFilter
from countries.links import choice_labels, country_url_maker
from countries.maps import MappedCountry
from countries.models import (
    Attendance,
    Country,
    ForumYear,
    Roundtable,
    RoundtableRole,
    ThematicMeeting,
    ThematicMeetingParticipation,
    attended_anything,
)
from countries.profile import chair_countries, country_profile, format_date_range

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
        # Through the country's own manager: each update's `country` is this one, no join.
        context["recent_updates"] = country.updates.all()[:RECENT_UPDATES_SHOWN]
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


# The fields of countries.maps.MappedCountry.
MAPPED_COUNTRY_FIELDS = ("pk", "slug", "iso2", "iso3", "name", "latitude", "longitude")

# The forum-year page's querysets, made once a process (their columns and joins resolved
# once); each request copies this one, never evaluates it.
MAPPED_COUNTRY_ROWS = Country.objects.order_by("name").values_list(
    *MAPPED_COUNTRY_FIELDS, named=True
)
# Its queries by year, roundtable or meeting, compiled once a process (core.prepared).
ROUNDTABLE_ROLE_ROWS = PreparedRows(
    RoundtableRole.objects.order_by("country__name", "pk").values_list(
        "roundtable_id", "country_id", "role"
    ),
    "roundtable",
)
# The countries recorded as attending (a flag set), by year.
ATTENDING_ROWS = PreparedRows(
    Attendance.objects.filter(attended_anything()).order_by().values_list("country_id"),
    "forum_year",
)
# In the models' order (Meta.ordering).
ROUNDTABLE_ROWS = PreparedRows(
    Roundtable.objects.values_list("pk", "number", "title"), "forum_year"
)
MEETING_ROWS = PreparedRows(
    ThematicMeeting.objects.values_list(
        "pk",
        "title",
        "kind",
        "start_date",
        "end_date",
        "city",
        "host_country__name",
        "host_country__iso2",
    ),
    "forum_year",
)
MEETING_PARTICIPATION_ROWS = PreparedRows(
    ThematicMeetingParticipation.objects.order_by("pk").values_list(
        "meeting_id", "country_id", "role"
    ),
    "meeting",
)


class ForumYearDetailView(DetailView):
    template_name = "countries/forumyear_detail.html"
    context_object_name = "forum_year"
    slug_field = "label"
    slug_url_kwarg = "label"
    queryset = ForumYear.objects.all()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        forum_year = self.object
        # Every country once, as a row of values: drawn on the map, linked from the lists.
        countries = list(MAPPED_COUNTRY_ROWS.all())
        attending = {country_id for (country_id,) in ATTENDING_ROWS([forum_year.pk])}
        links = country_links_html(countries)
        context["chairs"] = chair_countries([forum_year.pk])[forum_year.pk]
        context["roundtables"] = roundtables_with_countries(forum_year, links)
        context["thematic_meetings"] = thematic_meetings_with_countries(forum_year, links)
        context["attending_countries"] = [c for c in countries if c.pk in attending]
        context["all_countries"] = countries
        return context


# A forum year lists up to thousands of (country, role) pairs among a few hundred countries:
# each country's link is written and escaped once a request, each role's label once, and
# each list joined in one piece rather than by a template loop.


def country_links_html(countries: Iterable[MappedCountry]) -> dict[int, str]:
    """`<a href="country page">name</a>`, escaped, in the active language, by country pk."""
    country_url, name_of = country_url_maker(), country_namer()
    links = {}
    for country in countries:
        url = html.escape(country_url(country.slug))
        name = html.escape(name_of(country.iso2, country.name))
        links[country.pk] = f'<a href="{url}">{name}</a>'
    return links


def role_lists_html(
    rows: Iterable[tuple[int, int, str]], links: dict[int, str], role_labels: dict[str, str]
) -> dict[int, SafeString]:
    """`<li><a href="url">name</a> (role)</li>` for each (list id, country pk, role value),
    every list's items in one string by list id. A country missing from `links` (added
    between the two reads, by a write during the render) is left out: the page cache keeps
    this render under the data version read before it, never served after that write."""
    # Each item's end by role, as plain str (a SafeString's str() in an f-string is a call).
    endings = {value: f" ({html.escape(label)})</li>" for value, label in role_labels.items()}
    items: dict[int, list[str]] = defaultdict(list)
    for list_id, country_id, role in rows:
        if link := links.get(country_id):
            items[list_id] += ("<li>", link, endings[role])
    return {list_id: mark_safe("".join(parts)) for list_id, parts in items.items()}


class ListedRoundtable(NamedTuple):
    pk: int
    number: str
    title: str


class ListedMeeting(NamedTuple):
    pk: int
    title: str
    # Its kind, dates and place as the page's line under the title says them.
    note: str


def roundtables_with_countries(
    forum_year: ForumYear, links: dict[int, str]
) -> list[tuple[ListedRoundtable, SafeString]]:
    """The year's roundtables, each with its countries by name and their roles."""
    roundtables = [ListedRoundtable(*row) for row in ROUNDTABLE_ROWS([forum_year.pk])]
    rows = ROUNDTABLE_ROLE_ROWS([roundtable.pk for roundtable in roundtables])
    lists = role_lists_html(rows, links, choice_labels(RoundtableRole.Role))
    return [(roundtable, lists.get(roundtable.pk, SafeString())) for roundtable in roundtables]


def thematic_meetings_with_countries(
    forum_year: ForumYear, links: dict[int, str]
) -> list[tuple[ListedMeeting, SafeString]]:
    """The year's thematic meetings, each with its countries as entered and their roles."""
    kinds, name_of = choice_labels(ThematicMeeting.Kind), country_namer()
    meetings = []
    for pk, title, kind, start, end, city, host, host_iso2 in MEETING_ROWS([forum_year.pk]):
        note = kinds[kind]
        if start:
            note += f" · {format_date_range(start, end)}"
        if city:
            note += f" · {city}"
        if host is not None:
            note += f", {name_of(host_iso2, host)}"
        meetings.append(ListedMeeting(pk, title, note))
    rows = MEETING_PARTICIPATION_ROWS([meeting.pk for meeting in meetings])
    lists = role_lists_html(rows, links, choice_labels(ThematicMeetingParticipation.Role))
    return [(meeting, lists.get(meeting.pk, SafeString())) for meeting in meetings]
