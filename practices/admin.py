from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from practices.models import PracticeSubmission, Theme


@admin.register(PracticeSubmission)
class PracticeSubmissionAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "status",
        "country_list",
        "forum_year",
        "submitted_by_name",
        "submitted_on",
        "published_on",
    ]
    list_filter = ["status", "is_global", "themes", "forum_year"]
    list_select_related = ["forum_year"]
    search_fields = [
        "title",
        "description",
        "submitted_by_name",
        "submitter_organisation",
        "countries__name",
    ]
    ordering = ["-submitted_on", "title"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["countries", "themes", "forum_year"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "description", "url"]}),
        (
            _("Scope"),
            {
                "fields": [
                    "countries",
                    "is_global",
                    "themes",
                    "forum_year",
                    ("start_year", "end_year"),
                    "partners",
                ]
            },
        ),
        (
            _("Submission"),
            {
                "fields": [
                    ("submitted_by_name", "submitter_organisation"),
                    "submitter_email",
                    "submitted_on",
                ]
            },
        ),
        (
            _("Moderation"),
            {
                "fields": [
                    "status",
                    "rejection_reason",
                    "published_on",
                    ("created_at", "updated_at"),
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PracticeSubmission]:
        return super().get_queryset(request).prefetch_related("countries")

    @admin.display(description=_("countries"))
    def country_list(self, obj: PracticeSubmission) -> str:
        if obj.is_global:
            return str(_("Global"))
        return ", ".join(country.name for country in obj.countries.all())


@admin.register(Theme)
class ThemeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "practice_count"]
    search_fields = ["name", "description"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Theme]:
        return super().get_queryset(request).annotate(practice_count=Count("practices"))

    @admin.display(description=_("practices"), ordering="practice_count")
    def practice_count(self, obj: Theme) -> int:
        return obj.practice_count
