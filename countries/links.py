"""Links and labels that a page repeats hundreds of times, worked out once per language.

A forum-year page links some 2,000 countries and names 1,750 roles: reverse() and a choice's
get_FOO_display() each cost microseconds of resolver and translation work, for results that
differ only by the slug and by the active language. Both are computed here once per language
and URL prefix (the language prefix, the script prefix, the URLconf), never at import time:
the language is the request's, and anything cached carries it in its key.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.db.models import Choices
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

# A slug that no country has and that reverse() leaves as it is, split off again below.
_SLUG_MARK = "slug-mark-0"
# What reverse() leaves unquoted in a URL's part, among what a value may hold.
_PLAIN = re.compile(r"[-\w]+", re.ASCII)


@lru_cache(maxsize=64)
def _url_parts(
    viewname: str, kwarg: str, language: str | None, script_prefix: str, urlconf: str | None
) -> tuple[str, str]:
    url = reverse(viewname, kwargs={kwarg: _SLUG_MARK}, urlconf=urlconf)
    before, after = url.split(_SLUG_MARK)
    return before, after


def _url_maker(viewname: str, kwarg: str) -> Callable[[str], str]:
    before, after = _url_parts(
        viewname, kwarg, get_language(), get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF
    )
    return lambda value: f"{before}{value}{after}"


def country_url_maker() -> Callable[[str], str]:
    """A function of a slug that returns reverse("countries:detail", kwargs={"slug": slug})
    in the active language, for a loop over many countries. A slug matches [-a-zA-Z0-9_]+
    (the URL's converter), which reverse() would not quote either."""
    return _url_maker("countries:detail", "slug")


def country_url(slug: str) -> str:
    return country_url_maker()(slug)


def forum_year_url(label: str) -> str:
    """reverse("countries:forum_year", kwargs={"label": label}) in the active language (a
    country page links fifteen years). A label is digits and a hyphen (2013-2014, the
    field's validator), which reverse() would not quote either; any other goes to reverse."""
    if not _PLAIN.fullmatch(label):
        return reverse("countries:forum_year", kwargs={"label": label})
    return _url_maker("countries:forum_year", "label")(label)


@lru_cache(maxsize=64)
def _choice_labels(choices: type[Choices], language: str | None) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def choice_labels(choices: type[Choices]) -> dict[str, str]:
    """{value: label} of a model's choices in the active language: get_FOO_display() for
    many records at once."""
    return _choice_labels(choices, get_language())


@receiver(setting_changed)
def _forget_on_setting_changed(**kwargs) -> None:
    """Tests that change URLconfs, languages or translations get fresh links and labels."""
    _url_parts.cache_clear()
    _choice_labels.cache_clear()
