from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import django_filters
from django import forms
from django.db.models import Count, QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.i18n import collation_key, country_name
from countries.models import Country, ForumYear
from practices.models import PracticeQuerySet, PracticeSubmission, Theme

FIRST_YEAR, LAST_YEAR = 1900, 2100
PracticeCountry = PracticeSubmission.countries.through
PracticeTheme = PracticeSubmission.themes.through


class Sort:
    RELEVANCE = "relevance"
    NEWEST = "newest"
    TITLE = "title"
    CHOICES = [
        (RELEVANCE, _("Relevance")),
        (NEWEST, _("Newest first")),
        (TITLE, _("Title (A to Z)")),
    ]


@dataclass(frozen=True)
class FacetChoice:
    """One choice of a filter: its query-string value, label, result count, and whether chosen."""

    value: str
    label: str
    count: int
    selected: bool


class PracticeFilterForm(forms.Form):
    sort = forms.ChoiceField(label=_("Sort by"), choices=Sort.CHOICES, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("submitted_from"), cleaned.get("submitted_to")
        if start is not None and end is not None and start > end:
            self.add_error("submitted_to", _("The last year cannot come before the first."))
        return cleaned


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", FIRST_YEAR)
        kwargs.setdefault("max_value", LAST_YEAR)
        super().__init__(*args, **kwargs)


def _linked(queryset: PracticeQuerySet, links: QuerySet) -> PracticeQuerySet:
    return queryset.filter(pk__in=links.values("practicesubmission"))


def region_choices() -> list[tuple[str, str]]:
    regions = Country.objects.exclude(region="").order_by("region").values_list("region", flat=True)
    return [(region, region) for region in regions.distinct()]


class PracticeFilter(django_filters.FilterSet):
    """The public practice search.

    Values stay readable in the URL: ISO3 codes, theme slugs, forum-year labels. Choices within
    one filter add up (any of them), filters narrow each other down. Facet counts follow the usual
    rule: each choice shows how many results it would give with the *other* filters applied.
    """

    q = django_filters.CharFilter(
        label=_("Keyword"), method="filter_keyword", max_length=200, strip=True
    )
    country = django_filters.ModelMultipleChoiceFilter(
        label=_("Countries"),
        queryset=Country.objects.all(),
        to_field_name="iso3",
        method="filter_countries",
    )
    region = django_filters.ChoiceFilter(
        label=_("Region"), choices=region_choices, method="filter_region"
    )
    theme = django_filters.ModelMultipleChoiceFilter(
        label=_("Themes"),
        queryset=Theme.objects.all(),
        to_field_name="slug",
        method="filter_themes",
    )
    forum_year = django_filters.ModelChoiceFilter(
        label=_("GFMD year"),
        queryset=ForumYear.objects.all(),
        to_field_name="label",
        field_name="forum_year",
    )
    submitted_from = YearFilter(
        label=_("Submitted from (year)"), field_name="submitted_on", lookup_expr="year__gte"
    )
    submitted_to = YearFilter(
        label=_("Submitted until (year)"), field_name="submitted_on", lookup_expr="year__lte"
    )

    class Meta:
        model = PracticeSubmission
        fields: list[str] = []
        form = PracticeFilterForm

    @cached_property
    def selected(self) -> dict[str, Any]:
        """The valid values of the query string; invalid ones are left out (and shown as errors)."""
        if not self.is_bound:
            return {}
        self.errors  # noqa: B018  (validates the form)
        return {name: value for name, value in self.form.cleaned_data.items() if value}

    @property
    def keyword(self) -> str:
        return self.selected.get("q", "")

    def filter_keyword(self, queryset: PracticeQuerySet, name: str, value: str) -> PracticeQuerySet:
        return queryset.search(value)

    # Through-table subqueries rather than joins: several choices never duplicate a practice.

    def filter_countries(self, queryset: PracticeQuerySet, name: str, value: Any) -> Any:
        return _linked(queryset, PracticeCountry.objects.filter(country__in=value))

    def filter_region(self, queryset: PracticeQuerySet, name: str, value: str) -> Any:
        return _linked(queryset, PracticeCountry.objects.filter(country__region=value))

    def filter_themes(self, queryset: PracticeQuerySet, name: str, value: Any) -> Any:
        return _linked(queryset, PracticeTheme.objects.filter(theme__in=value))

    @property
    def sort(self) -> str:
        """The order applied: relevance needs a keyword, and is the default with one."""
        sort = self.selected.get("sort") or Sort.RELEVANCE
        if sort == Sort.RELEVANCE and not self.keyword:
            return Sort.NEWEST
        return sort

    @property
    def error_messages(self) -> list[str]:
        """'Countries: Select a valid choice…', for the notice above the results."""
        messages = []
        for name, errors in self.errors.items():
            prefix = f"{self.form.fields[name].label}: " if name in self.form.fields else ""
            messages += [f"{prefix}{error}" for error in errors]
        return messages

    @property
    def qs(self) -> PracticeQuerySet:
        """Filtered and ordered, also without a query string (django-filter leaves that as is)."""
        if not hasattr(self, "_qs"):
            self._qs = self.filter_queryset(self.queryset.all())
        return self._qs

    def filter_queryset(self, queryset: PracticeQuerySet) -> PracticeQuerySet:
        queryset = self._narrow(queryset)
        if self.sort == Sort.RELEVANCE:
            return queryset.by_relevance(self.keyword)
        if self.sort == Sort.TITLE:
            return queryset.by_title()
        return queryset.newest_first()

    def _narrow(self, queryset: PracticeQuerySet, *, without: str = "") -> PracticeQuerySet:
        for name, value in self.selected.items():
            if name not in (without, "sort"):
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    # Facets: one aggregate query per filter, whatever the number of choices.

    def facets(self) -> dict[str, list[FacetChoice]]:
        return {
            "country": self._country_facet(),
            "region": self._region_facet(),
            "theme": self._theme_facet(),
            "forum_year": self._forum_year_facet(),
        }

    def _country_facet(self) -> list[FacetChoice]:
        chosen = {country.iso3: country.local_name for country in self.selected.get("country", ())}
        rows = (
            PracticeCountry.objects.filter(
                practicesubmission__in=self._narrow(self.queryset, without="country")
            )
            .values_list("country__iso3", "country__iso2", "country__name")
            .annotate(count=Count("pk"))
            .order_by()
        )
        counts = {iso3: (country_name(iso2, name), count) for iso3, iso2, name, count in rows}
        for iso3, name in chosen.items():
            counts.setdefault(iso3, (name, 0))
        return sorted(
            (
                FacetChoice(value=iso3, label=name, count=count, selected=iso3 in chosen)
                for iso3, (name, count) in counts.items()
            ),
            key=lambda choice: collation_key(choice.label),
        )

    def _region_facet(self) -> list[FacetChoice]:
        chosen = self.selected.get("region", "")
        rows = (
            PracticeCountry.objects.filter(
                practicesubmission__in=self._narrow(self.queryset, without="region")
            )
            .exclude(country__region="")
            .values_list("country__region")
            .annotate(count=Count("practicesubmission", distinct=True))
            .order_by()
        )
        counts = dict(rows)
        if chosen:
            counts.setdefault(chosen, 0)
        return [
            FacetChoice(value=region, label=region, count=count, selected=region == chosen)
            for region, count in sorted(counts.items())
        ]

    def _theme_facet(self) -> list[FacetChoice]:
        """Every theme, even with no result: the list is short and editorial."""
        chosen = {theme.slug for theme in self.selected.get("theme", ())}
        counts = dict(
            PracticeTheme.objects.filter(
                practicesubmission__in=self._narrow(self.queryset, without="theme")
            )
            .values_list("theme_id")
            .annotate(count=Count("pk"))
            .order_by()
        )
        return [
            FacetChoice(
                value=theme.slug,
                label=theme.name,
                count=counts.get(theme.pk, 0),
                selected=theme.slug in chosen,
            )
            for theme in Theme.objects.only("slug", "name")
        ]

    def _forum_year_facet(self) -> list[FacetChoice]:
        chosen = self.selected.get("forum_year")
        chosen_label = chosen.label if chosen else ""
        rows = (
            self._narrow(self.queryset, without="forum_year")
            .filter(forum_year__isnull=False)
            .values_list("forum_year__label", "forum_year__sort_year")
            .annotate(count=Count("pk"))
            .order_by()
        )
        years = {label: (sort_year, count) for label, sort_year, count in rows}
        if chosen:
            years.setdefault(chosen.label, (chosen.sort_year, 0))
        return [
            FacetChoice(value=label, label=label, count=count, selected=label == chosen_label)
            for label, (_, count) in sorted(years.items(), key=lambda item: -item[1][0])
        ]
