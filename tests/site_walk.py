"""Every URL of the site, public and admin, with a real object behind each parameter.

Tests that must hold for every page (no server error on bad input, security headers,
no inline script or style) walk the URL resolver through this module, so a page added
later is covered without being listed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from countries.models import Country
from subscriptions.models import Subscription
from subscriptions.tokens import Purpose, make_token
from tests.factories import (
    AttendanceFactory,
    ContributionFactory,
    CountryFactory,
    CountryUpdateFactory,
    DeliveryFactory,
    ForumYearFactory,
    PracticeFactory,
    RoundtableRoleFactory,
    SubscriptionFactory,
    ThematicMeetingParticipationFactory,
    ThemeFactory,
)


@dataclass(frozen=True)
class Route:
    name: str  # namespaced: "countries:detail", "admin:countries_country_change"
    params: tuple[str, ...]
    # django-simple-history's `<object id>/history/<history id>/` has unnamed groups.
    positional: bool = False


def routes() -> Iterator[Route]:
    """Every named URL pattern, with the names of its parameters."""

    def walk(patterns, namespace: str) -> Iterator[Route]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                regex = pattern.pattern.regex
                if regex.groups > len(regex.groupindex):
                    params = ("object_id", "history_id")[: regex.groups]
                    yield Route(f"{namespace}{pattern.name}", params, positional=True)
                else:
                    yield Route(f"{namespace}{pattern.name}", tuple(regex.groupindex))

    seen = set()
    for route in walk(get_resolver().url_patterns, ""):
        if route.name not in seen:
            seen.add(route.name)
            yield route


def is_admin(route: Route) -> bool:
    return route.name.startswith("admin:")


def build_site() -> dict[str, object]:
    """One of everything, linked as on the real site."""
    morocco = CountryFactory(name="Morocco", slug="morocco", iso2="MA", iso3="MAR")
    year = ForumYearFactory(label="2013-2014", sort_year=2013)
    year.chairs.add(morocco)
    AttendanceFactory(country=morocco, forum_year=year)
    RoundtableRoleFactory(country=morocco, roundtable__forum_year=year)
    ThematicMeetingParticipationFactory(country=morocco, meeting__forum_year=year)
    ContributionFactory(country=morocco, forum_year=year)
    practice = PracticeFactory(slug="a-practice", forum_year=year)
    practice.countries.add(morocco)
    practice.themes.add(ThemeFactory())
    subscription = SubscriptionFactory(country=morocco)
    DeliveryFactory(subscription=subscription, update=CountryUpdateFactory(country=morocco))
    return {"country": morocco, "year": year, "practice": practice, "subscription": subscription}


def _admin_object(route: Route) -> Model | None:
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if route.name.startswith(prefix):
            return model.objects.first()
    return None


def valid_kwargs(route: Route, site: dict[str, object]) -> dict[str, str] | None:
    """Arguments that open a real page of this route; None where the walk has none."""
    subscription: Subscription = site["subscription"]  # type: ignore[assignment]
    values: dict[str, str] = {}
    for param in route.params:
        if param in values:
            continue
        if param == "slug":
            values[param] = (
                site["practice"].slug  # type: ignore[attr-defined]
                if route.name.startswith(("practices:", "opendata:practice"))
                else site["country"].slug  # type: ignore[attr-defined]
            )
        elif param == "iso3":
            values[param] = site["country"].iso3  # type: ignore[attr-defined]
        elif param == "label":
            values[param] = site["year"].label  # type: ignore[attr-defined]
        elif param == "token":
            purpose = next(p for p in Purpose if p.url_name == route.name)
            values[param] = make_token(subscription, purpose)
        elif param == "code":  # the language switcher's
            values[param] = "fr"
        elif param == "app_label":
            values[param] = "countries"
        elif param in {"object_id", "id"}:
            obj = _admin_object(route)
            if obj is None:
                return None
            values[param] = str(obj.pk)
        elif param == "history_id":
            obj = _admin_object(route)
            history = getattr(obj, "history", None)
            if history is None or not history.exists():
                return None
            values[param] = str(history.first().history_id)
        elif param == "content_type_id":
            values[param] = str(ContentType.objects.get_for_model(Country).pk)
            values["object_id"] = str(site["country"].pk)  # type: ignore[attr-defined]
        else:
            return None
    return values


def url(route: Route, kwargs: dict[str, str]) -> str:
    if route.positional:
        return reverse(route.name, args=[kwargs[param] for param in route.params])
    return reverse(route.name, kwargs=kwargs)
