from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

import django_filters
from django import forms
from django.db import connections, transaction
from django.db.models import Count, QuerySet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from core.i18n import collation_key, country_name
from countries.models import Country, ForumYear
from practices.models import SEARCH_CONFIG, PracticeQuerySet, PracticeSubmission, Theme

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


@dataclass(frozen=True)
class SearchSummary:
    """What the list shows of a search besides the page: result count, first ids, facets."""

    total: int
    ids: list[int]
    facets: dict[str, list[FacetChoice]]


# PracticeFilter.summary's one query, over `practices_publishedsearch` (migrations 0010 and
# 0011: one narrow row per published practice, its countries as an id array, its themes and
# regions also as text keys). `matched`: the practices that pass the keyword and the filters
# without facets, with their forum year, links, sort keys and a flag per faceted filter
# chosen, read once (MATERIALIZED), less those that fail two filters or more (in no facet and
# no result). Each facet counts the rows that pass every filter but its own. Themes and
# regions come in few combinations (about 3,500 at 95,000 practices): `combinations` counts
# the rows per combination and flags in one pass (hashing two short text keys, where
# grouping by the arrays took twice as long), the result count and both facets are summed
# from it, and the keys cast back to arrays once a combination. Countries (40,000
# combinations) are unnested row by row, in the select list, which PostgreSQL does far faster
# than a join per row; forum years are counted from the rows (with them, the combinations
# were five times as many).
SUMMARY_SQL = """
WITH matched AS MATERIALIZED (
  SELECT entry.practice_id AS id, entry.forum_year_id AS forum_year, entry.country_ids,
    entry.theme_key, entry.region_key{columns}
  FROM practices_publishedsearch AS entry
  WHERE {where}
), combinations AS MATERIALIZED (
  SELECT matched.theme_key, matched.region_key{flags}, count(*) AS n
  FROM matched GROUP BY matched.theme_key, matched.region_key{flags}
)
SELECT
  (SELECT coalesce(sum(n), 0)::bigint FROM combinations WHERE {results}),
  (SELECT coalesce(json_agg(page.id), '[]') FROM (
    SELECT matched.id FROM matched WHERE {results} ORDER BY {order} LIMIT %(limit)s
  ) AS page),
  (SELECT coalesce(
     json_agg(json_build_array(country.iso3, country.iso2, country.name, counts.n)), '[]'
   ) FROM (
    SELECT country_id, count(*) AS n FROM (
      SELECT unnest(matched.country_ids) AS country_id FROM matched WHERE {country}
    ) AS links GROUP BY country_id
  ) AS counts JOIN {country_table} AS country ON country.id = counts.country_id),
  (SELECT coalesce(json_agg(json_build_array(counts.region, counts.n)), '[]') FROM (
    SELECT region, sum(n)::bigint AS n FROM (
      SELECT unnest(region_key::varchar[]) AS region, n FROM combinations WHERE {region}
    ) AS combos GROUP BY region
  ) AS counts),
  (SELECT coalesce(json_agg(json_build_array(counts.theme_id, counts.n)), '[]') FROM (
    SELECT theme_id, sum(n)::bigint AS n FROM (
      SELECT unnest(theme_key::bigint[]) AS theme_id, n FROM combinations WHERE {theme}
    ) AS combos GROUP BY theme_id
  ) AS counts),
  (SELECT coalesce(json_agg(json_build_array(year.label, year.sort_year, counts.n)), '[]')
   FROM (
    SELECT forum_year, count(*) AS n FROM matched
    WHERE forum_year IS NOT NULL AND {forum_year} GROUP BY forum_year
  ) AS counts JOIN {forum_year_table} AS year ON year.id = counts.forum_year)
"""
SUMMARY_WORK_MEM = "64MB"
SEARCH_MATCH = "websearch_to_tsquery(%(config)s::regconfig, %(keyword)s)"

# A practice row of `practices_publishedsearch` passes a faceted filter (the chosen values
# are the query's parameters of the same name).
SUMMARY_FLAGS = {
    "country": "entry.country_ids && %(country)s::bigint[]",
    "region": "%(region)s = ANY(entry.regions)",
    "theme": "entry.theme_ids && %(theme)s::bigint[]",
    "forum_year": "entry.forum_year_id IS NOT DISTINCT FROM %(forum_year)s",
}
# ... and the filters without facets (the submitted years as the ORM's year__gte/__lte).
SUMMARY_CONDITIONS = {
    "keyword": f"entry.search_vector @@ {SEARCH_MATCH}",
    "submitted_from": "entry.submitted_on >= make_date(%(submitted_from)s, 1, 1)",
    "submitted_to": "entry.submitted_on <= make_date(%(submitted_to)s, 12, 31)",
}

# The sort keys `matched` carries and the ORDER BY over them, as PracticeQuerySet orders
# (by_relevance, newest_first, by_title). Relevance is added apart: ranked for results only.
SUMMARY_ORDER = {
    Sort.RELEVANCE: (
        ("published_on",),
        "matched.relevance DESC, matched.published_on DESC NULLS LAST, matched.id DESC",
    ),
    Sort.NEWEST: (("published_on",), "matched.published_on DESC NULLS LAST, matched.id DESC"),
    Sort.TITLE: (("title",), "matched.title ASC, matched.id ASC"),
}


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


# The through-table rows that make a practice match a filter's value, by filter name.
LINKS: dict[str, Callable[[Any], QuerySet]] = {
    "country": lambda countries: PracticeCountry.objects.filter(country__in=countries),
    "region": lambda region: PracticeCountry.objects.filter(country__region=region),
    "theme": lambda themes: PracticeTheme.objects.filter(theme__in=themes),
}
# The filters with facets: each facet counts with the other filters applied, not its own.
FACETED = ("country", "region", "theme", "forum_year")


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
        return _linked(queryset, LINKS["country"](value))

    def filter_region(self, queryset: PracticeQuerySet, name: str, value: str) -> Any:
        return _linked(queryset, LINKS["region"](value))

    def filter_themes(self, queryset: PracticeQuerySet, name: str, value: Any) -> Any:
        return _linked(queryset, LINKS["theme"](value))

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

    def _narrow(
        self, queryset: PracticeQuerySet, *, without: Collection[str] = ()
    ) -> PracticeQuerySet:
        for name, value in self.selected.items():
            if name not in without and name != "sort":
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    # The result count, first results and facets of a search in one PostgreSQL query.

    def summary(self, limit: int) -> SearchSummary:
        """The number of results, the ids of the first `limit` in order, and the facets of a
        search among the published practices (the list's queryset), from one query on
        PostgreSQL (elsewhere, SQLite, one query each).

        A broad keyword matches most practices: counted, ranked and faceted by separate
        queries over the practice table (1.5 KB a row) and its link tables, its matches were
        read six times. Here they are read once, from the narrow copy of the published
        practices that migration 0010 keeps (`practices_publishedsearch`), into a
        materialized CTE with a flag for each faceted filter chosen; the results are the
        rows with every flag, and each facet counts the rows with every flag but its own,
        from the rows' arrays of country and theme ids.
        """
        using = self.queryset.db
        if connections[using].vendor != "postgresql":
            ids = list(self.qs.values_list("pk", flat=True)[:limit])
            total = len(ids) if len(ids) < limit else self.qs.count()
            return SearchSummary(total=total, ids=ids, facets=self.facets())
        params = self._summary_parameters(limit)
        flags = {name: SUMMARY_FLAGS[name] for name in FACETED if name in params}

        def passes(*facet: str) -> str:
            """Rows counted by `facet` (all of them with none): each other filter passed."""
            shown = [f"{name}_ok" for name in flags if name not in facet]
            return " AND ".join(shown) or "TRUE"

        sort_fields, order = SUMMARY_ORDER[self.sort]
        columns = [f"entry.{field}" for field in sort_fields]
        columns += [f"{condition} AS {name}_ok" for name, condition in flags.items()]
        if self.sort == Sort.RELEVANCE:
            # Ranked only where it orders: the results. Ranking reads every match's vector,
            # and the filters may leave a few hundred of 80,000 matches.
            rank = f"ts_rank(entry.search_vector, {SEARCH_MATCH})"
            if flags:
                rank = f"CASE WHEN {' AND '.join(flags.values())} THEN {rank} END"
            columns.append(f"{rank} AS relevance")
        where = [condition for name, condition in SUMMARY_CONDITIONS.items() if name in params]
        if len(flags) >= 2:
            where.append(" + ".join(f"(NOT {flag})::int" for flag in flags.values()) + " <= 1")
        quote = connections[using].ops.quote_name
        sql = SUMMARY_SQL.format(
            columns="".join(f", {column}" for column in columns),
            flags="".join(f", {name}_ok" for name in flags),
            where=" AND ".join(where) or "TRUE",
            results=passes(),
            order=order,
            country=passes("country"),
            region=passes("region"),
            theme=passes("theme"),
            forum_year=passes("forum_year"),
            country_table=quote(Country._meta.db_table),
            forum_year_table=quote(ForumYear._meta.db_table),
        )
        # Enough memory to hash the matches and their links without spilling to disk
        # (PostgreSQL's default 4 MB: the region facet sorted on disk). No JIT: compiling
        # the query's expressions took about 25 ms a search and saved less than it cost.
        # The matches read through an index, never the whole table: the GIN index's bitmap
        # with a keyword, the covering index (index-only) without. The planner preferred a
        # sequential scan, measured 25 to 40 ms slower for 80,000 matches of 95,000 (a table
        # larger than a quarter of shared_buffers is scanned through a small ring of buffers,
        # so every page is read again each time).
        with transaction.atomic(using=using), connections[using].cursor() as cursor:
            cursor.execute(
                f"SELECT set_config('work_mem', '{SUMMARY_WORK_MEM}', true),"
                " set_config('jit', 'off', true), set_config('enable_seqscan', 'off', true)"
            )
            cursor.execute(sql, params)
            total, ids, countries, regions, themes, years = cursor.fetchone()
        return SearchSummary(
            total=total,
            ids=ids,
            facets={
                "country": self._country_facet(countries),
                "region": self._region_facet(regions),
                "theme": self._theme_facet(themes),
                "forum_year": self._forum_year_facet(years),
            },
        )

    def _summary_parameters(self, limit: int) -> dict[str, Any]:
        """SUMMARY_SQL's parameters: `limit`, the search configuration, and each chosen
        filter's value as the query compares it (ids, a region, years, the keyword)."""
        params: dict[str, Any] = {"limit": limit, "config": SEARCH_CONFIG}
        for name, value in self.selected.items():
            if name in ("country", "theme"):
                params[name] = [item.pk for item in value]
            elif name == "forum_year":
                params[name] = value.pk
            elif name == "q":
                params["keyword"] = value
            elif name != "sort":
                params[name] = value
        return params

    # Facets: one aggregate query per filter, whatever the number of choices.

    def facets(self) -> dict[str, list[FacetChoice]]:
        return {
            "country": self._country_facet(),
            "region": self._region_facet(),
            "theme": self._theme_facet(),
            "forum_year": self._forum_year_facet(),
        }

    def _country_facet(
        self, rows: Iterable[tuple[str, str, str, int]] | None = None
    ) -> list[FacetChoice]:
        """`rows`: (ISO3, ISO2, name, count) of each country, queried when not given."""
        chosen = {country.iso3: country.local_name for country in self.selected.get("country", ())}
        if rows is None:
            rows = (
                PracticeCountry.objects.filter(
                    practicesubmission__in=self._narrow(self.queryset, without={"country"})
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

    def _region_facet(self, rows: Iterable[tuple[str, int]] | None = None) -> list[FacetChoice]:
        """`rows`: (region, count) of each region, queried when not given."""
        chosen = self.selected.get("region", "")
        if rows is None:
            rows = (
                PracticeCountry.objects.filter(
                    practicesubmission__in=self._narrow(self.queryset, without={"region"})
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

    def _theme_facet(self, rows: Iterable[tuple[int, int]] | None = None) -> list[FacetChoice]:
        """Every theme, even with no result: the list is short and editorial. `rows`: (theme
        id, count), queried when not given."""
        chosen = {theme.slug for theme in self.selected.get("theme", ())}
        if rows is None:
            rows = (
                PracticeTheme.objects.filter(
                    practicesubmission__in=self._narrow(self.queryset, without={"theme"})
                )
                .values_list("theme_id")
                .annotate(count=Count("pk"))
                .order_by()
            )
        counts = dict(rows)
        return [
            FacetChoice(
                value=theme.slug,
                label=theme.name,
                count=counts.get(theme.pk, 0),
                selected=theme.slug in chosen,
            )
            for theme in Theme.objects.only("slug", "name")
        ]

    def _forum_year_facet(
        self, rows: Iterable[tuple[str, int, int]] | None = None
    ) -> list[FacetChoice]:
        """`rows`: (label, sort year, count) of each forum year, queried when not given."""
        chosen = self.selected.get("forum_year")
        chosen_label = chosen.label if chosen else ""
        if rows is None:
            rows = (
                self._narrow(self.queryset, without={"forum_year"})
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
