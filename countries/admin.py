from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from core.admin_locking import LockingAdminMixin, LockingInlineMixin
from core.history import GuardedHistoryAdmin
from countries.admin_mixins import RecordsCountryUpdates
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
from countries.resources import (
    AttendanceResource,
    ContributionResource,
    CountryResource,
    ForumYearResource,
    RoundtableResource,
    RoundtableRoleResource,
    ThematicMeetingParticipationResource,
    ThematicMeetingResource,
    profile_workbook,
)
from imports.admin import GfmdImportExportMixin
from imports.formats import XLSX


class ParticipationFilter(admin.SimpleListFilter):
    title = _("took part in the GFMD")
    parameter_name = "participating"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        participating = Country.objects.participating().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=participating)
        if self.value() == "no":
            return queryset.exclude(pk__in=participating)
        return queryset


# The country page: one inline per part of the profile, each compact and in year order.
# Every admin of a part of a country's page records a country update when a save changes
# what readers see (RecordsCountryUpdates), which emails the country's subscribers.


class CompactInline(LockingInlineMixin, admin.TabularInline):
    """A table row per record: related records are chosen, not edited, from here."""

    extra = 0

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and isinstance(formfield.widget, RelatedFieldWidgetWrapper):
            widget = formfield.widget
            widget.can_add_related = widget.can_change_related = False
            widget.can_delete_related = widget.can_view_related = False
        return formfield


class AttendanceInline(CompactInline):
    model = Attendance
    fields = [
        "forum_year",
        "attended_meeting",
        "attended_prep_meetings",
        "attended_summit",
        "contribution_recorded",
    ]
    autocomplete_fields = ["forum_year"]


class RoundtableRoleInline(CompactInline):
    model = RoundtableRole
    fields = ["forum_year", "role", "roundtable", "session"]
    autocomplete_fields = ["forum_year", "roundtable"]


class CountryThematicMeetingInline(CompactInline):
    model = ThematicMeetingParticipation
    fields = ["meeting", "role"]
    autocomplete_fields = ["meeting"]
    verbose_name = _("thematic meeting")
    verbose_name_plural = _("thematic meetings")


class ContributionInline(CompactInline):
    model = Contribution
    fields = ["forum_year", "amount", "currency", "earmarked", "note"]
    autocomplete_fields = ["forum_year"]
    ordering = ["forum_year__sort_year", "pk"]


@admin.register(Country)
class CountryAdmin(
    RecordsCountryUpdates, LockingAdminMixin, GfmdImportExportMixin, GuardedHistoryAdmin
):
    resource_classes = [CountryResource]
    list_display = ["name", "iso2", "iso3", "region", "subregion"]
    list_filter = [ParticipationFilter, "region", "subregion"]
    search_fields = ["name", "official_name", "iso2", "iso3"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "official_name"]}),
        (_("Codes"), {"fields": [("iso2", "iso3")]}),
        (_("Location"), {"fields": [("latitude", "longitude"), ("region", "subregion")]}),
    ]
    inlines = [
        AttendanceInline,
        RoundtableRoleInline,
        CountryThematicMeetingInline,
        ContributionInline,
    ]

    def get_urls(self) -> list:
        export_profile = path(
            "<path:object_id>/export-profile/",
            self.admin_site.admin_view(self.export_profile_view),
            name="countries_country_export_profile",
        )
        return [export_profile, *super().get_urls()]

    def export_profile_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The "Export profile (XLSX)" button of the change page: the whole profile."""
        country = self.get_object(request, unquote(object_id))
        if country is None:
            raise Http404
        if not (self.has_view_permission(request, country) and self.has_export_permission(request)):
            raise PermissionDenied
        response = HttpResponse(profile_workbook(country), content_type=XLSX.CONTENT_TYPE)
        filename = f"gfmd-profile-{country.slug}-{timezone.localdate():%Y-%m-%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class RoundtableInline(CompactInline):
    model = Roundtable
    fields = ["number", "title"]


@admin.register(ForumYear)
class ForumYearAdmin(
    RecordsCountryUpdates, LockingAdminMixin, GfmdImportExportMixin, GuardedHistoryAdmin
):
    resource_classes = [ForumYearResource]
    list_display = ["label", "sort_year", "chair_list", "summit_city", "summit_start", "summit_end"]
    search_fields = ["label", "summit_city", "chairs__name"]
    ordering = ["sort_year", "label"]
    autocomplete_fields = ["chairs"]
    fieldsets = [
        (None, {"fields": ["label", "sort_year", "chairs"]}),
        (_("Summit"), {"fields": ["summit_city", ("summit_start", "summit_end")]}),
        (None, {"fields": ["notes"]}),
    ]
    inlines = [RoundtableInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ForumYear]:
        return super().get_queryset(request).prefetch_related("chairs")

    @admin.display(description=_("chairs"))
    def chair_list(self, obj: ForumYear) -> str:
        return ", ".join(country.name for country in obj.chairs.all())


@admin.register(Attendance)
class AttendanceAdmin(
    RecordsCountryUpdates, LockingAdminMixin, GfmdImportExportMixin, GuardedHistoryAdmin
):
    resource_classes = [AttendanceResource]
    list_display = [
        "country",
        "forum_year",
        "attended_meeting",
        "attended_prep_meetings",
        "attended_summit",
        "contribution_recorded",
    ]
    list_filter = [
        "forum_year",
        "attended_meeting",
        "attended_prep_meetings",
        "attended_summit",
        "contribution_recorded",
        "country__region",
    ]
    list_select_related = ["country", "forum_year"]
    search_fields = ["country__name", "country__iso3", "forum_year__label"]
    ordering = ["forum_year__sort_year", "country__name"]
    autocomplete_fields = ["country", "forum_year"]


@admin.register(Roundtable)
class RoundtableAdmin(
    RecordsCountryUpdates, LockingAdminMixin, GfmdImportExportMixin, GuardedHistoryAdmin
):
    resource_classes = [RoundtableResource]
    list_display = ["forum_year", "number", "title", "role_count"]
    list_display_links = ["forum_year", "number", "title"]
    list_filter = ["forum_year"]
    list_select_related = ["forum_year"]
    search_fields = ["title", "number", "forum_year__label"]
    ordering = ["forum_year__sort_year", "number", "title"]
    autocomplete_fields = ["forum_year"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Roundtable]:
        return super().get_queryset(request).annotate(role_count=Count("roles"))

    @admin.display(description=_("roles"), ordering="role_count")
    def role_count(self, obj: Roundtable) -> int:
        return obj.role_count


@admin.register(RoundtableRole)
class RoundtableRoleAdmin(
    RecordsCountryUpdates, LockingAdminMixin, GfmdImportExportMixin, GuardedHistoryAdmin
):
    resource_classes = [RoundtableRoleResource]
    list_display = ["country", "forum_year", "role", "roundtable", "session"]
    list_filter = ["forum_year", "role"]
    list_select_related = ["country", "forum_year", "roundtable__forum_year"]
    search_fields = [
        "country__name",
        "country__iso3",
        "roundtable__title",
        "roundtable__number",
        "session",
    ]
    ordering = ["forum_year__sort_year", "roundtable__number", "country__name"]
    autocomplete_fields = ["country", "forum_year", "roundtable"]


class ParticipationInline(CompactInline):
    model = ThematicMeetingParticipation
    fields = ["country", "role"]
    autocomplete_fields = ["country"]


@admin.register(ThematicMeeting)
class ThematicMeetingAdmin(
    RecordsCountryUpdates, LockingAdminMixin, GfmdImportExportMixin, GuardedHistoryAdmin
):
    resource_classes = [ThematicMeetingResource]
    list_display = [
        "title",
        "kind",
        "forum_year",
        "start_date",
        "end_date",
        "city",
        "host_country",
        "participant_count",
    ]
    list_filter = ["forum_year", "kind"]
    list_select_related = ["forum_year", "host_country"]
    search_fields = ["title", "city", "host_country__name", "forum_year__label"]
    ordering = ["forum_year__sort_year", "start_date", "title"]
    autocomplete_fields = ["forum_year", "host_country"]
    fieldsets = [
        (None, {"fields": ["forum_year", "kind", "title"]}),
        (_("When and where"), {"fields": [("start_date", "end_date"), ("city", "host_country")]}),
    ]
    inlines = [ParticipationInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ThematicMeeting]:
        return super().get_queryset(request).annotate(participant_count=Count("participations"))

    @admin.display(description=_("countries"), ordering="participant_count")
    def participant_count(self, obj: ThematicMeeting) -> int:
        return obj.participant_count


@admin.register(ThematicMeetingParticipation)
class ThematicMeetingParticipationAdmin(
    RecordsCountryUpdates, LockingAdminMixin, GfmdImportExportMixin, GuardedHistoryAdmin
):
    resource_classes = [ThematicMeetingParticipationResource]
    list_display = ["country", "role", "meeting"]
    list_filter = ["role", "meeting__forum_year", "meeting__kind"]
    list_select_related = ["country", "meeting__forum_year"]
    search_fields = ["country__name", "country__iso3", "meeting__title"]
    ordering = ["meeting__forum_year__sort_year", "meeting__start_date", "country__name"]
    autocomplete_fields = ["country", "meeting"]


@admin.register(Contribution)
class ContributionAdmin(
    RecordsCountryUpdates, LockingAdminMixin, GfmdImportExportMixin, GuardedHistoryAdmin
):
    resource_classes = [ContributionResource]
    list_display = ["country", "forum_year", "amount", "currency", "earmarked", "note"]
    list_filter = ["forum_year", "earmarked", "currency"]
    list_select_related = ["country", "forum_year"]
    search_fields = ["country__name", "country__iso3", "note"]
    ordering = ["forum_year__sort_year", "country__name"]
    autocomplete_fields = ["country", "forum_year"]


@admin.register(CountryUpdate)
class CountryUpdateAdmin(ReadOnlyAdmin):
    """Written only by the site (countries.services)."""

    list_display = ["created_at", "country", "headline", "source"]
    list_filter = ["source", ("country", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["country"]
    search_fields = ["summary", "country__name"]
    date_hierarchy = "created_at"
