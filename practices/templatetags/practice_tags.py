"""Practices on the pages of other apps (the country page), which do not import practices."""

from __future__ import annotations

from django import template

from countries.models import Country
from practices import profile
from practices.models import PracticeQuerySet

register = template.Library()


@register.simple_tag
def country_practices(country: Country) -> PracticeQuerySet:
    """`{% country_practices country as practices %}`: its published practices, newest first
    (one query, when the template reads them)."""
    return profile.country_practices(country)
