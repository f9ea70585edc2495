from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from countries.models import Country


def region_choices() -> list[tuple[str, str]]:
    """Each region once, sorted (the model's ordering by name would make DISTINCT keep one
    row per country)."""
    regions = Country.objects.exclude(region="").order_by("region").values_list("region", flat=True)
    return [(region, region) for region in regions.distinct()]


class TookPartWidget(django_filters.widgets.BooleanWidget):
    """Starts at "any" (django-filter's BooleanWidget says "Unknown")."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs)
        self.choices = [("", _("any")), ("true", _("yes")), ("false", _("no attendance recorded"))]


class CountryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Name or ISO code"), method="filter_search", max_length=100
    )
    region = django_filters.ChoiceFilter(
        label=_("Region"), choices=region_choices, empty_label=_("any")
    )
    participating = django_filters.BooleanFilter(
        label=_("Took part in the GFMD"), method="filter_participating", widget=TookPartWidget
    )

    class Meta:
        model = Country
        fields = ["q", "region", "participating"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value)

    def filter_participating(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        participating = Country.objects.participating().values("pk")
        return (
            queryset.filter(pk__in=participating)
            if value
            else queryset.exclude(pk__in=participating)
        )
