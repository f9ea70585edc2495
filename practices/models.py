from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from countries.models import Country, ForumYear
from gfmd.models import TimeStampedModel


class Theme(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.name


class PracticeQuerySet(models.QuerySet):
    def published(self) -> PracticeQuerySet:
        return self.filter(status=PracticeSubmission.Status.PUBLISHED)

    def for_country(self, country: Country) -> PracticeQuerySet:
        return self.filter(countries=country)

    def newest_first(self) -> PracticeQuerySet:
        return self.order_by(
            models.F("published_on").desc(nulls_last=True),
            models.F("submitted_on").desc(nulls_last=True),
            "title",
        )


class PracticeSubmission(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending moderation")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=320, unique=True)
    description = models.TextField(
        _("description"),
        help_text=_("Paragraphs, lists, links and emphasis; anything else is removed."),
    )
    countries = models.ManyToManyField(
        Country, related_name="practices", blank=True, verbose_name=_("countries")
    )
    is_global = models.BooleanField(
        _("global"), default=False, help_text=_("Concerns no country in particular.")
    )
    themes = models.ManyToManyField(
        Theme, related_name="practices", blank=True, verbose_name=_("themes")
    )
    partners = models.TextField(
        _("implementing partners"), blank=True, help_text=_("One partner per line.")
    )
    forum_year = models.ForeignKey(
        ForumYear,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practices",
        verbose_name=_("GFMD year"),
        help_text=_("The GFMD year the practice relates to."),
    )
    start_year = models.PositiveSmallIntegerField(_("start year"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("end year"), null=True, blank=True)
    url = models.URLField(_("web link"), max_length=500, blank=True)
    submitted_by_name = models.CharField(_("submitted by"), max_length=200)
    submitter_organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    submitter_email = models.EmailField(
        _("submitter's email"), blank=True, help_text=_("Never shown publicly.")
    )
    submitted_on = models.DateField(
        _("submitted on"), null=True, blank=True, help_text=_("Leave empty when unknown.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)

    objects = PracticeQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[countries, themes])

    class Meta:
        ordering = ["-submitted_on", "title"]
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "published", "rejected"]),
                name="practice_valid_status",
            ),
            models.CheckConstraint(
                condition=Q(end_year__isnull=True)
                | Q(start_year__isnull=True)
                | Q(end_year__gte=models.F("start_year")),
                name="practice_end_year_after_start",
                violation_error_message=_("The end year cannot come before the start year."),
            ),
        ]
        indexes = [models.Index(fields=["status", "-published_on"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("practices:detail", kwargs={"slug": self.slug})
