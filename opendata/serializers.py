"""What the JSON API returns. Records name each other by natural key: ISO3 codes, forum-year
labels, roundtable numbers, practice and theme slugs, as the downloads do."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from countries.models import (
    Attendance,
    Contribution,
    Country,
    CountryUpdate,
    ForumYear,
    Roundtable,
    RoundtableRole,
    ThematicMeeting,
    ThematicMeetingParticipation,
)
from countries.resources import CountryResource
from practices.models import PracticeSubmission

ATTENDANCE_FIELDS = [
    "attended_meeting",
    "attended_prep_meetings",
    "attended_summit",
    "contribution_recorded",
]


def iso3_field(source: str | None = None, **kwargs) -> serializers.SlugRelatedField:
    """A country as its ISO3 code; `source` only where the field is named otherwise."""
    if source:
        kwargs["source"] = source
    return serializers.SlugRelatedField(slug_field="iso3", read_only=True, **kwargs)


def label_field(source: str | None = None, **kwargs) -> serializers.SlugRelatedField:
    """A forum year as its label."""
    if source:
        kwargs["source"] = source
    return serializers.SlugRelatedField(slug_field="label", read_only=True, **kwargs)


@extend_schema_field(OpenApiTypes.URI)
class PageUrlField(serializers.Field):
    """The absolute address of the object's page on the site."""

    def __init__(self, **kwargs) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        request = self.context.get("request")
        path = value.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


@extend_schema_field(OpenApiTypes.URI)
class ApiUrlField(serializers.Field):
    """The absolute address of the object in the API."""

    def __init__(self, view_name: str, lookup: str, **kwargs) -> None:
        self.view_name, self.lookup = view_name, lookup
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        path = reverse(self.view_name, kwargs={self.lookup: getattr(value, self.lookup)})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


# --- Countries ------------------------------------------------------------------------------


class CountrySerializer(serializers.ModelSerializer):
    page_url = PageUrlField()
    api_url = ApiUrlField("opendata:country-detail", "iso3")

    class Meta:
        model = Country
        # The columns of the countries download, then the links.
        fields = [*CountryResource.Meta.fields, "page_url", "api_url"]


class AttendanceSerializer(serializers.ModelSerializer):
    forum_year = label_field()

    class Meta:
        model = Attendance
        fields = ["forum_year", *ATTENDANCE_FIELDS]


class CountryRoundtableRoleSerializer(serializers.ModelSerializer):
    forum_year = label_field()
    roundtable = serializers.CharField(
        source="roundtable.number", read_only=True, allow_null=True, default=None
    )
    roundtable_title = serializers.CharField(
        source="roundtable.title", read_only=True, allow_null=True, default=None
    )
    line = serializers.CharField(read_only=True, help_text="As the country's page shows it.")

    class Meta:
        model = RoundtableRole
        fields = ["forum_year", "role", "roundtable", "roundtable_title", "session", "line"]


class CountryThematicMeetingSerializer(serializers.ModelSerializer):
    forum_year = label_field("meeting.forum_year")
    title = serializers.CharField(source="meeting.title", read_only=True)
    kind = serializers.CharField(source="meeting.kind", read_only=True)
    start_date = serializers.DateField(source="meeting.start_date", read_only=True)
    end_date = serializers.DateField(source="meeting.end_date", read_only=True)
    city = serializers.CharField(source="meeting.city", read_only=True)
    host_country = iso3_field("meeting.host_country", allow_null=True)

    class Meta:
        model = ThematicMeetingParticipation
        fields = [
            "forum_year",
            "title",
            "kind",
            "start_date",
            "end_date",
            "city",
            "host_country",
            "role",
        ]


class ContributionSerializer(serializers.ModelSerializer):
    forum_year = label_field()
    line = serializers.CharField(read_only=True, help_text="As the country's page shows it.")

    class Meta:
        model = Contribution
        fields = ["forum_year", "amount", "currency", "earmarked", "note", "line"]


class CountryDetailSerializer(CountrySerializer):
    chaired_forum_years = label_field(many=True)
    attendance = AttendanceSerializer(source="attendances", many=True, read_only=True)
    roundtable_roles = CountryRoundtableRoleSerializer(many=True, read_only=True)
    thematic_meetings = CountryThematicMeetingSerializer(
        source="thematic_participations", many=True, read_only=True
    )
    contributions = ContributionSerializer(many=True, read_only=True)
    practices = serializers.SerializerMethodField(
        help_text="Slugs of the country's published practices."
    )

    @extend_schema_field(serializers.ListField(child=serializers.SlugField()))
    def get_practices(self, country: Country) -> list[str]:
        return [practice.slug for practice in country.published_practices]

    class Meta(CountrySerializer.Meta):
        fields = [
            *CountrySerializer.Meta.fields,
            "chaired_forum_years",
            "attendance",
            "roundtable_roles",
            "thematic_meetings",
            "contributions",
            "practices",
        ]


# --- Forum years ----------------------------------------------------------------------------


class ForumYearSerializer(serializers.ModelSerializer):
    chairs = iso3_field(many=True)
    page_url = PageUrlField()
    api_url = ApiUrlField("opendata:forumyear-detail", "label")

    class Meta:
        model = ForumYear
        fields = [
            "label",
            "sort_year",
            "chairs",
            "summit_city",
            "summit_start",
            "summit_end",
            "notes",
            "page_url",
            "api_url",
        ]


class RoundtableSerializer(serializers.ModelSerializer):
    class Meta:
        model = Roundtable
        fields = ["number", "title"]


class YearRoundtableRoleSerializer(serializers.ModelSerializer):
    country = iso3_field()
    roundtable = serializers.CharField(
        source="roundtable.number", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = RoundtableRole
        fields = ["country", "role", "roundtable", "session"]


class ParticipantSerializer(serializers.ModelSerializer):
    country = iso3_field()

    class Meta:
        model = ThematicMeetingParticipation
        fields = ["country", "role"]


class ThematicMeetingSerializer(serializers.ModelSerializer):
    host_country = iso3_field(allow_null=True)
    participants = ParticipantSerializer(source="participations", many=True, read_only=True)

    class Meta:
        model = ThematicMeeting
        fields = [
            "title",
            "kind",
            "start_date",
            "end_date",
            "city",
            "host_country",
            "participants",
        ]


class YearAttendanceSerializer(serializers.ModelSerializer):
    country = iso3_field()

    class Meta:
        model = Attendance
        fields = ["country", *ATTENDANCE_FIELDS]


class ForumYearDetailSerializer(ForumYearSerializer):
    roundtables = RoundtableSerializer(many=True, read_only=True)
    roundtable_roles = YearRoundtableRoleSerializer(many=True, read_only=True)
    thematic_meetings = ThematicMeetingSerializer(many=True, read_only=True)
    participants = YearAttendanceSerializer(
        source="attendances",
        many=True,
        read_only=True,
        help_text="The year's attendance records, one a country.",
    )

    class Meta(ForumYearSerializer.Meta):
        fields = [
            *ForumYearSerializer.Meta.fields,
            "roundtables",
            "roundtable_roles",
            "thematic_meetings",
            "participants",
        ]


# --- Practices and updates ------------------------------------------------------------------


class PracticeSerializer(serializers.ModelSerializer):
    countries = iso3_field(many=True)
    themes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    forum_year = label_field(allow_null=True)
    partners = serializers.ListField(
        source="partner_list", child=serializers.CharField(), read_only=True
    )
    link = serializers.URLField(source="url", read_only=True, help_text="A web page about it.")
    page_url = PageUrlField()
    api_url = ApiUrlField("opendata:practice-detail", "slug")

    class Meta:
        model = PracticeSubmission
        fields = [
            "slug",
            "title",
            "description",
            "countries",
            "is_global",
            "themes",
            "partners",
            "forum_year",
            "start_year",
            "end_year",
            "link",
            "submitted_by_name",
            "submitter_organisation",
            "submitted_on",
            "published_on",
            "page_url",
            "api_url",
        ]


class CountryUpdateSerializer(serializers.ModelSerializer):
    country = iso3_field()

    class Meta:
        model = CountryUpdate
        fields = ["id", "country", "created_at", "source", "summary"]
