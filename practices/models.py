from __future__ import annotations

import html

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connections, models
from django.db.models import Case, F, Q, Value, When
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel
from countries.models import Country, ForumYear


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


SEARCH_CONFIG = "english"
# Matches the practice_status_newest index (PostgreSQL, migration 0006), so a page of the
# newest needs no sort. Practices loaded from the GFMD's records may have no publication date:
# they come last.
NEWEST_FIRST = (F("published_on").desc(nulls_last=True), F("id").desc())


def _search_query(text: str) -> SearchQuery:
    return SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")


def search_rank(text: str) -> SearchRank:
    """How well a practice matches `text` on PostgreSQL (title above description)."""
    return SearchRank(F("search_vector"), _search_query(text))


# What a submitter tells us; moderation adds the status fields.
SUBMITTED_FIELDS = [
    "title",
    "description",
    "countries",
    "is_global",
    "themes",
    "partners",
    "forum_year",
    "start_year",
    "end_year",
    "url",
    "submitted_by_name",
    "submitter_organisation",
    "submitter_email",
]


class PracticeQuerySet(models.QuerySet):
    def published(self) -> PracticeQuerySet:
        return self.filter(status=PracticeSubmission.Status.PUBLISHED)

    def pending_first(self) -> PracticeQuerySet:
        return self.order_by(
            Case(When(status=PracticeSubmission.Status.PENDING, then=Value(0)), default=Value(1)),
            F("submitted_on").desc(nulls_last=True),
            "-pk",
        )

    def _on_postgresql(self) -> bool:
        return connections[self.db].vendor == "postgresql"

    def search(self, text: str) -> PracticeQuerySet:
        """Full-text match on PostgreSQL (word forms: "migrants" finds "migrant").

        SQLite has no stemming: a plain substring match on the texts is the fallback.
        """
        if self._on_postgresql():
            return self.filter(search_vector=_search_query(text))
        return self.filter(
            Q(title__icontains=text) | Q(description__icontains=text) | Q(partners__icontains=text)
        )

    def by_relevance(self, text: str) -> PracticeQuerySet:
        """Best matches first (title above description), then newest."""
        if self._on_postgresql():
            relevance = search_rank(text)
        else:
            relevance = Case(
                When(title__icontains=text, then=Value(1.0)),
                default=Value(0.0),
                output_field=models.FloatField(),
            )
        return self.annotate(relevance=relevance).order_by("-relevance", *NEWEST_FIRST)

    def newest_first(self) -> PracticeQuerySet:
        return self.order_by(*NEWEST_FIRST)

    def by_title(self) -> PracticeQuerySet:
        return self.order_by("title", "pk")

    def for_country(self, country: Country) -> PracticeQuerySet:
        return self.filter(countries=country)


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
    # Kept current by a PostgreSQL trigger (migration 0002) on every write path, bulk loads
    # included; an unused column on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = PracticeQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[countries, themes], excluded_fields=["search_vector"])

    class Meta:
        ordering = ["-submitted_on", "title"]
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        permissions = [("moderate_practicesubmission", _("Can publish or reject practices"))]
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
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="practice_rejected_has_reason",
                violation_error_message=_("A rejected practice needs a reason."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "title", "id"], name="practice_status_title"),
            GinIndex(fields=["search_vector"], name="practice_search_vector_gin"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("practices:detail", kwargs={"slug": self.slug})

    def countries_shown_on(self) -> set[int]:
        """The countries whose page shows the practice (or would, once published): asked by
        countries.profile.countries_shown_with, which does not know this model."""
        return set(self.countries.values_list("pk", flat=True)) if self.pk else set()

    @property
    def plain_description(self) -> str:
        """The description as one line of text, for excerpts: paragraphs do not run together."""
        text = html.unescape(strip_tags(self.description.replace("<", " <")))
        return " ".join(text.split())

    @property
    def partner_list(self) -> list[str]:
        return [line.strip() for line in self.partners.splitlines() if line.strip()]
