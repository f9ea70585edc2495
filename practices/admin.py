from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Count, F, QuerySet, Value, When
from django.db.models.expressions import OrderBy
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from core.admin_locking import LockingAdminMixin
from core.history import GuardedHistoryAdmin
from countries.admin_mixins import RecordsCountryUpdates
from imports.admin import GfmdImportExportMixin
from practices.emails import MODERATE_PERMISSION
from practices.forms import PracticeAdminForm, RejectionForm
from practices.models import PracticeSubmission, Theme
from practices.resources import PracticeResource, ThemeResource
from practices.services import practice_publish, practice_reject


@admin.register(PracticeSubmission)
class PracticeSubmissionAdmin(
    RecordsCountryUpdates, LockingAdminMixin, GfmdImportExportMixin, GuardedHistoryAdmin
):
    """Practices, with the moderation queue: pending first, publish and reject actions.

    The moderation fields are read-only in the form for everyone, so the import and the
    history revert leave them alone too: only the actions, for users with the moderate
    permission (the Moderators group), publish or reject. Whatever changes what a country
    page shows of a practice (publishing, taking offline, a new title, other countries)
    records an update on each country concerned.
    """

    resource_classes = [PracticeResource]
    form = PracticeAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["publish_selected", "reject_selected"]
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
    readonly_fields = ["status", "rejection_reason", "published_on", "created_at", "updated_at"]
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

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        pending_first = Case(
            When(status=PracticeSubmission.Status.PENDING, then=Value(0)), default=Value(1)
        )
        return [
            OrderBy(pending_first),
            F("submitted_on").desc(nulls_last=True),
            "title",
        ]

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MODERATE_PERMISSION)

    def countries_named_in(self, form: ModelForm) -> set[int]:
        return {country.pk for country in form.cleaned_data.get("countries", ())}

    def _moderate(
        self, request: HttpRequest, queryset: QuerySet, change: Callable[..., Any], done: str
    ) -> None:
        """Apply a moderation service to each practice; report what was done and refused."""
        changed = 0
        for practice in queryset:
            try:
                change(practice=practice)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
            else:
                changed += 1
        if changed:
            self.message_user(request, done % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Publish the selected practices"), permissions=["moderate"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._moderate(
            request,
            queryset,
            practice_publish,
            ngettext_lazy(
                "Published %(count)d practice.", "Published %(count)d practices.", "count"
            ),
        )

    @admin.action(description=_("Reject the selected practices…"), permissions=["moderate"])
    def reject_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """Asks for the reason on an intermediate page, then rejects them all with it."""
        form = RejectionForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._moderate(
                request,
                queryset,
                partial(practice_reject, reason=form.cleaned_data["reason"]),
                ngettext_lazy(
                    "Rejected %(count)d practice.", "Rejected %(count)d practices.", "count"
                ),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject practices"),
            "opts": self.model._meta,
            "practices": queryset,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "selected_ids": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(
            request, "admin/practices/practicesubmission/reject_selected.html", context
        )

    @admin.display(description=_("countries"))
    def country_list(self, obj: PracticeSubmission) -> str:
        if obj.is_global:
            return str(_("Global"))
        return ", ".join(country.name for country in obj.countries.all())


@admin.register(Theme)
class ThemeAdmin(LockingAdminMixin, GfmdImportExportMixin, GuardedHistoryAdmin):
    resource_classes = [ThemeResource]
    list_display = ["name", "slug", "practice_count"]
    search_fields = ["name", "description"]
    ordering = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Theme]:
        return super().get_queryset(request).annotate(practice_count=Count("practices"))

    @admin.display(description=_("practices"), ordering="practice_count")
    def practice_count(self, obj: Theme) -> int:
        return obj.practice_count
