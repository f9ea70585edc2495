from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.mailboxes import address_canonical
from countries.models import Country, CountryUpdate


def new_secret() -> str:
    return secrets.token_urlsafe(16)


class SubscriptionQuerySet(models.QuerySet):
    def active(self) -> SubscriptionQuerySet:
        return self.filter(status=Subscription.Status.ACTIVE)

    def live(self) -> SubscriptionQuerySet:
        """Pending or active: at most one per address and country. Unsubscribed records are
        kept beside them for their retention period."""
        return self.exclude(status=Subscription.Status.UNSUBSCRIBED)

    def immediate(self) -> SubscriptionQuerySet:
        return self.filter(frequency=Subscription.Frequency.IMMEDIATE)

    def weekly(self) -> SubscriptionQuerySet:
        return self.filter(frequency=Subscription.Frequency.WEEKLY)

    def for_email(self, email: str) -> SubscriptionQuerySet:
        return self.filter(email=address_canonical(email))

    def with_updates_between(
        self, start: datetime.datetime, end: datetime.datetime
    ) -> SubscriptionQuerySet:
        """Those whose country changed in [start, end) after they confirmed."""
        updates = CountryUpdate.objects.in_period(start, end).filter(
            country=models.OuterRef("country"), created_at__gt=models.OuterRef("confirmed_at")
        )
        return self.filter(models.Exists(updates))


class Subscription(models.Model):
    """An email address following one country: pending until confirmed (double opt-in)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending confirmation")
        ACTIVE = "active", _("Active")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately")
        WEEKLY = "weekly", _("Weekly digest")

    email = models.EmailField(
        _("email address"),
        help_text=_("Stored as it is sent: in lower case, the domain in ASCII."),
    )
    mailbox = models.CharField(
        _("inbox"),
        max_length=254,
        editable=False,
        help_text=_(
            "The inbox the address reaches (without a +tag): the daily limits on "
            "confirmations count by it, whatever the spelling."
        ),
    )
    country = models.ForeignKey(
        Country,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("country"),
    )
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.PENDING
    )
    secret = models.CharField(
        _("link secret"),
        max_length=32,
        default=new_secret,
        editable=False,
        help_text=_("Part of every signed link; a link without it is refused."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(
        _("confirmation sent at"),
        null=True,
        blank=True,
        help_text=_("The last confirmation email; at most one a day is sent."),
    )
    confirmed_at = models.DateTimeField(
        _("confirmed at"), null=True, blank=True, help_text=_("When the address confirmed.")
    )
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)
    language = models.CharField(
        _("language"),
        max_length=7,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of the page subscribed on: every email is in it."),
    )

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["country__name", "email"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "country",
                condition=~Q(status="unsubscribed"),
                name="subscription_one_live_per_address_and_country",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "active", "unsubscribed"]),
                name="subscription_valid_status",
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=["immediate", "weekly"]),
                name="subscription_valid_frequency",
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(confirmed_at__isnull=False),
                name="subscription_active_is_confirmed",
            ),
            models.CheckConstraint(
                condition=~Q(status="unsubscribed") | Q(unsubscribed_at__isnull=False),
                name="subscription_unsubscribed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["country", "status", "frequency"]),
            models.Index(fields=["email"]),
            models.Index(fields=["mailbox", "confirmation_sent_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.country}"


class DeliveryQuerySet(models.QuerySet):
    def pending(self) -> DeliveryQuerySet:
        return self.filter(status=Delivery.Status.PENDING)

    def due(self, now: datetime.datetime) -> DeliveryQuerySet:
        """Pending and not waiting for a retry later than `now`."""
        return self.pending().filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))

    def waiting_for_retry(self) -> DeliveryQuerySet:
        return self.pending().filter(attempts__gt=0)

    def digests(self) -> DeliveryQuerySet:
        return self.filter(period_start__isnull=False)


class Delivery(models.Model):
    """The outbox: one email owed to a subscription, for an update or for a week's digest.

    Written in the same transaction as the update (or when a digest falls due); the sender
    marks each one sent in the transaction that sends it, so a sender that dies part-way
    leaves the unsent ones pending (and the one on the wire, which may go twice). A temporary
    refusal keeps it pending until `next_attempt_at`; a permanent one marks it failed.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    subscription = models.ForeignKey(
        Subscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    update = models.ForeignKey(
        CountryUpdate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("update"),
        help_text=_("The update of an immediate notification; empty for a digest."),
    )
    period_start = models.DateField(
        _("digest week"),
        null=True,
        blank=True,
        help_text=_("The Monday of a weekly digest's week; empty for an immediate one."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(
        _("attempts"), default=0, help_text=_("Times the mail server was asked to take it.")
    )
    next_attempt_at = models.DateTimeField(
        _("next attempt at"),
        null=True,
        blank=True,
        help_text=_("After a temporary refusal: not sent again before this time."),
    )
    error = models.TextField(
        _("last error"), blank=True, help_text=_("The mail server's answer to the last attempt.")
    )

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        permissions = [("retry_delivery", _("Can send a failed or waiting delivery again"))]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "update"],
                condition=Q(update__isnull=False),
                name="delivery_once_per_update",
            ),
            models.UniqueConstraint(
                fields=["subscription", "period_start"],
                condition=Q(period_start__isnull=False),
                name="delivery_once_per_digest_week",
            ),
            models.CheckConstraint(
                condition=Q(update__isnull=False, period_start__isnull=True)
                | Q(update__isnull=True, period_start__isnull=False),
                name="delivery_update_or_digest_week",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "failed"]),
                name="delivery_valid_status",
            ),
        ]
        indexes = [
            models.Index(
                fields=["update", "id"],
                condition=Q(status="pending"),
                name="delivery_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        what = self.update or f"digest {self.period_start}"
        return f"{self.subscription.email}: {what} ({self.get_status_display()})"
