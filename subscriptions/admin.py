from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ReadOnlyAdmin
from core.admin_locking import LockingAdminMixin
from countries.models import Country
from imports.admin import GfmdExportMixin
from subscriptions import services
from subscriptions.models import Delivery, Subscription
from subscriptions.resources import SubscriptionResource


@admin.register(Subscription)
class SubscriptionAdmin(LockingAdminMixin, GfmdExportMixin, admin.ModelAdmin):
    """Consent comes only from the address itself (double opt-in): staff cannot add or edit a
    subscription, but can resend a confirmation, export, and delete (an erasure request)."""

    list_display = ["email", "country", "frequency", "status", "created_at", "confirmed_at"]
    list_filter = ["status", "frequency", ("country", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["country"]
    search_fields = ["email"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "email",
        "country",
        "frequency",
        "status",
        "created_at",
        "confirmation_sent_at",
        "confirmed_at",
        "unsubscribed_at",
    ]
    actions = ["resend_confirmation"]
    resource_classes = [SubscriptionResource]
    # The Export button and ours, above the list.
    import_export_change_list_template = "subscriptions/admin/subscription_change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self) -> list:
        counts = self.admin_site.admin_view(self.counts_view)
        return [
            path("counts/", counts, name="subscriptions_subscription_counts"),
            *super().get_urls(),
        ]

    def counts_view(self, request: HttpRequest) -> TemplateResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied

        def counted(**lookups: str) -> Count:
            return Count(
                "subscriptions",
                filter=Q(**{f"subscriptions__{key}": value for key, value in lookups.items()}),
            )

        countries = (
            Country.objects.filter(subscriptions__isnull=False)
            .annotate(
                immediate=counted(status="active", frequency="immediate"),
                weekly=counted(status="active", frequency="weekly"),
                pending=counted(status="pending"),
                unsubscribed=counted(status="unsubscribed"),
            )
            .order_by("-immediate", "-weekly", "name")
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Subscribers per country"),
            "opts": self.model._meta,
            "countries": countries,
            "changelist_url": reverse("admin:subscriptions_subscription_changelist"),
        }
        return TemplateResponse(request, "subscriptions/admin/subscription_counts.html", context)

    @admin.action(description=_("Resend the confirmation email"), permissions=["change"])
    def resend_confirmation(self, request: HttpRequest, queryset: QuerySet) -> None:
        resent = sum(
            services.subscription_confirmation_resend(subscription=subscription)
            for subscription in queryset.select_related("country")
        )
        skipped = queryset.count() - resent
        self.message_user(
            request,
            ngettext("%(count)d confirmation resent.", "%(count)d confirmations resent.", resent)
            % {"count": resent},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d subscription skipped: only pending ones get a confirmation.",
                    "%(count)d subscriptions skipped: only pending ones get a confirmation.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )


class DeliveryStateFilter(admin.SimpleListFilter):
    """What staff look for: deliveries that failed, and those waiting for a retry."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [
            ("failed", _("Failed")),
            ("waiting", _("Waiting for a retry")),
            ("pending", _("Not tried yet")),
            ("sent", _("Sent")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "waiting":
            return queryset.waiting_for_retry()
        if self.value() == "pending":
            return queryset.pending().filter(attempts=0)
        if self.value() in {"failed", "sent"}:
            return queryset.filter(status=self.value())
        return queryset


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "recipient",
        "country",
        "update",
        "period_start",
        "status",
        "attempts",
        "next_attempt_at",
        "reason",
    ]
    list_filter = [DeliveryStateFilter, ("period_start", admin.EmptyFieldListFilter)]
    list_select_related = ["subscription__country", "update__country"]
    search_fields = ["subscription__email", "error"]
    date_hierarchy = "created_at"
    actions = ["retry"]

    @admin.display(description=_("recipient"), ordering="subscription__email")
    def recipient(self, delivery: Delivery) -> str:
        return delivery.subscription.email

    @admin.display(description=_("country"), ordering="subscription__country__name")
    def country(self, delivery: Delivery) -> str:
        return delivery.subscription.country.name

    @admin.display(description=_("mail server's answer"), ordering="error")
    def reason(self, delivery: Delivery) -> str:
        return delivery.error

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("subscriptions.retry_delivery")

    @admin.action(description=_("Send again now"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet) -> None:
        retried = services.deliveries_retry(deliveries=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery will be sent again; sent ones were left alone.",
                "%(count)d deliveries will be sent again; sent ones were left alone.",
                retried,
            )
            % {"count": retried},
            messages.SUCCESS,
        )
