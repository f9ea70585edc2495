"""The read-only JSON API under /api/ (README, Open data).

Lists are paginated (`page`, `per_page`) and filtered with the FilterSets of the site's own
list pages: practices with practices/filters.py's PracticeFilter, countries with
countries/filters.py's CountryFilter. Anonymous clients are throttled per address; ETag,
304 and CORS come from opendata.middleware.
"""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import Prefetch
from django.http import HttpRequest, JsonResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from countries.filters import CountryFilter
from countries.models import (
    Attendance,
    Contribution,
    Country,
    CountryUpdate,
    ForumYear,
    RoundtableRole,
    ThematicMeeting,
    ThematicMeetingParticipation,
)
from opendata import serializers
from practices.filters import PracticeFilter, Sort
from practices.models import PracticeSubmission


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """ISO 8601 allows offsets up to 23:59 where PostgreSQL takes 15:59 at most: the value is
    compared in UTC."""

    def filter(self, qs, value):
        if value is not None and value.tzinfo is not None:
            try:
                value = value.astimezone(datetime.UTC)
            except OverflowError:  # after year 9999 or before year 1, once in UTC
                return qs.none() if value.utcoffset() < datetime.timedelta(0) else qs
        return super().filter(qs, value)


class CountryUpdateFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(
        field_name="country__iso3", label="ISO3 code of the country", max_length=3
    )
    since = UtcDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label="Recorded at or after (ISO 8601)"
    )

    class Meta:
        model = CountryUpdate
        fields = ["country", "since"]


@extend_schema_view(
    list=extend_schema(
        summary="Countries",
        description="All countries, with the filters of "
        "/countries/: a name or ISO code, a region, whether they took part.",
    ),
    retrieve=extend_schema(
        summary="A country and its profile",
        description="The country, the years it chaired, and its record year by year: "
        "attendance, roundtable roles, thematic meetings, financial contributions, and its "
        "published practices.",
    ),
)
class CountryViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "iso3"
    lookup_value_regex = "[A-Z]{3}"
    filterset_class = CountryFilter

    def get_queryset(self):
        if self.action != "retrieve":
            return Country.objects.order_by("name", "pk")
        return Country.objects.prefetch_related(
            Prefetch("chaired_forum_years", ForumYear.objects.order_by("sort_year")),
            Prefetch("attendances", Attendance.objects.select_related("forum_year")),
            Prefetch(
                "roundtable_roles",
                RoundtableRole.objects.select_related("forum_year", "roundtable"),
            ),
            Prefetch(
                "thematic_participations",
                ThematicMeetingParticipation.objects.select_related(
                    "meeting__forum_year", "meeting__host_country"
                ),
            ),
            Prefetch("contributions", Contribution.objects.select_related("forum_year")),
            Prefetch(
                "practices",
                PracticeSubmission.objects.published().only("slug").order_by("slug"),
                to_attr="published_practices",
            ),
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.CountryDetailSerializer
        return serializers.CountrySerializer


@extend_schema_view(
    list=extend_schema(summary="Forum years"),
    retrieve=extend_schema(
        summary="A forum year",
        description="The year with its roundtables, the countries' roundtable roles, its "
        "thematic meetings with their participants, and the attendance of every country.",
    ),
)
class ForumYearViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "label"
    lookup_value_regex = r"\d{4}(-\d{4})?"

    def get_queryset(self):
        queryset = ForumYear.objects.prefetch_related("chairs").order_by("sort_year", "label")
        if self.action != "retrieve":
            return queryset
        return queryset.prefetch_related(
            "roundtables",
            Prefetch(
                "roundtable_roles",
                RoundtableRole.objects.select_related("country", "roundtable").order_by(
                    "roundtable__number", "country__iso3", "pk"
                ),
            ),
            Prefetch(
                "thematic_meetings",
                ThematicMeeting.objects.select_related("host_country").prefetch_related(
                    Prefetch(
                        "participations",
                        ThematicMeetingParticipation.objects.select_related("country").order_by(
                            "country__iso3"
                        ),
                    )
                ),
            ),
            Prefetch(
                "attendances",
                Attendance.objects.select_related("country").order_by("country__iso3"),
            ),
        )

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ForumYearDetailSerializer
        return serializers.ForumYearSerializer


@extend_schema_view(
    list=extend_schema(
        summary="Published practices",
        description="The Policy and Practice Database with the filters and sort orders of "
        "/practices/. Values that are not valid answer 400 with the reason.",
        parameters=[
            OpenApiParameter(
                "sort",
                str,
                enum=[value for value, _label in Sort.CHOICES],
                description="Order: relevance (the default with a keyword q), newest (the "
                "default without), or title.",
            )
        ],
    ),
    retrieve=extend_schema(summary="A published practice"),
)
class PracticeViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    filterset_class = PracticeFilter
    serializer_class = serializers.PracticeSerializer

    def get_queryset(self):
        # PracticeFilter orders the list (by relevance, newest or title, as on /practices/).
        return (
            PracticeSubmission.objects.published()
            .defer("search_vector")
            .select_related("forum_year")
            .prefetch_related("countries", "themes")
            .order_by("-published_on", "-pk")
        )


@extend_schema_view(list=extend_schema(summary="Country updates, newest first"))
class CountryUpdateViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    filterset_class = CountryUpdateFilter
    serializer_class = serializers.CountryUpdateSerializer

    def get_queryset(self):
        return CountryUpdate.objects.select_related("country").order_by("-created_at", "-pk")


def not_found(request: HttpRequest) -> JsonResponse:
    """Any other address under /api/ answers as the API does: JSON, not the site's page."""
    return JsonResponse({"detail": "Not found."}, status=404)
