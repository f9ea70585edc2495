"""The site's languages: which one a request gets, the switcher, localised names and figures.

The public pages answer in English without a prefix and in French and Spanish under /fr/
and /es/ (i18n_patterns in gfmd/urls.py); the admin follows the user's language; the API,
the downloads, the sitemap and robots.txt stay English and unprefixed (README, Languages).
"""

from __future__ import annotations

import gettext
import unicodedata
from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import cache
from typing import TypeVar

import pycountry
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils import formats, translation
from django.utils.cache import has_vary_header, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import pgettext

T = TypeVar("T")

# Where the admin lives: it follows the user's language, not a prefix.
ADMIN_PREFIX = "/admin/"


def localised_url(path: str, language: str) -> str:
    """The address of the page at `path` (prefixed or not, query kept) in `language`; `path`
    itself for a page that has one language only (the API, the downloads, the admin)."""
    with translation.override(translation.get_language_from_path(path) or settings.LANGUAGE_CODE):
        return translate_url(path, language)


def is_localised(path: str) -> bool:
    """Whether the page at `path` exists in every language (under i18n_patterns)."""
    other = next(code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE)
    return localised_url(path, other) != path or bool(translation.get_language_from_path(path))


def localised_paths(request: HttpRequest) -> dict[str, str] | None:
    """The path of the request's page in each language of LANGUAGES, or None for a page that
    has one language only. Reversed from the view's URL match: resolving the path again, as
    localised_url() does, costs several times more; by the path for a request no URL matched."""
    match = request.resolver_match
    if match is None:
        if not is_localised(request.path):
            return None
        return {code: localised_url(request.path, code) for code, _name in settings.LANGUAGES}
    paths = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            try:
                paths[code] = reverse(match.view_name, args=match.args, kwargs=match.kwargs)
            except NoReverseMatch:
                return None
    return paths if len(set(paths.values())) > 1 else None


class SiteLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (the prefix chooses; no prefix is English), and:

    - a GET of an unprefixed public page by a reader whose language cookie, or else whose
      browser (Accept-Language), prefers French or Spanish is redirected to that page's
      /fr/ or /es/ address; a cookie saying "en" (chosen in the switcher) keeps English;
    - the admin, unprefixed, follows the cookie, else the browser.
    """

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        super().process_request(request)
        if translation.get_language_from_path(request.path_info):
            return None
        preferred = translation.get_language_from_request(request, check_path=False)
        if request.path_info.startswith(ADMIN_PREFIX):
            translation.activate(preferred)
            request.LANGUAGE_CODE = translation.get_language()
            return None
        if preferred == settings.LANGUAGE_CODE or request.method not in ("GET", "HEAD"):
            return None
        target = localised_url(request.get_full_path(), preferred)
        if target == request.get_full_path():
            return None
        response = self.response_redirect_class(target)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        response = super().process_response(request, response)
        # An unprefixed page's answer depends on the language cookie too (the redirect above).
        # A page from the cache already says so: it ran no view, so finding out would mean
        # resolving its path once per language.
        if (
            not has_vary_header(response, "Cookie")
            and not translation.get_language_from_path(request.path_info)
            and localised_paths(request) is not None
        ):
            patch_vary_headers(response, ("Cookie",))
        return response


def language_choose(request: HttpRequest, code: str) -> HttpResponse:
    """The switcher's link: remember the choice in the language cookie, then show the page
    the reader was on (`next`) in that language. A plain link: no script, no form."""
    next_url = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    if code not in dict(settings.LANGUAGES):
        return HttpResponseRedirect(next_url)
    response = HttpResponseRedirect(localised_url(next_url, code))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )
    return response


def languages(request: HttpRequest) -> dict[str, object]:
    """Context processor: the page in each language, for the switcher and the hreflang
    alternates (none on a page that has one language only)."""
    paths = localised_paths(request)
    if paths is None:
        return {"page_languages": []}
    query = request.META.get("QUERY_STRING", "")
    current = translation.get_language()
    return {
        "page_languages": [
            {
                "code": code,
                "name": name,
                "current": code == current,
                "url": request.build_absolute_uri(paths[code]),
                "choose_url": reverse("language_choose", args=[code])
                + "?"
                + urlencode({"next": request.path + (f"?{query}" if query else "")}),
            }
            for code, name in settings.LANGUAGES
        ]
    }


@cache
def _iso3166(language: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])


@cache
def _country_names(language: str) -> dict[str, str]:
    """ISO 3166 names by alpha-2 code in `language` (read once per process)."""
    if language == settings.LANGUAGE_CODE:
        return {}
    translations = _iso3166(language)
    return {
        country.alpha_2: translations.gettext(getattr(country, "common_name", country.name))
        for country in pycountry.countries
    }


def country_name(iso2: str, name: str) -> str:
    """A country's name in the active language: ISO 3166's French or Spanish name; in
    English, or for a code ISO does not know, the name as stored (`name`)."""
    return country_namer()(iso2, name)


def country_namer() -> Callable[[str, str], str]:
    """country_name() for a loop over many countries: the active language is looked up once
    (a few microseconds each time, a thousand times on a forum-year page)."""
    names = _country_names(translation.get_language() or settings.LANGUAGE_CODE)
    return names.get


def collation_key(text: str) -> str:
    """Sorts as a dictionary does: accents and case second (Égypte with the E's)."""
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()


def by_local_name(countries: Iterable[T]) -> list[T] | Iterable[T]:
    """Countries (anything with `local_name`) in the order of their names in the active
    language; as they come (ordered by the stored name) in English."""
    if (translation.get_language() or settings.LANGUAGE_CODE) == settings.LANGUAGE_CODE:
        return countries
    return sorted(countries, key=lambda country: collation_key(country.local_name))


def format_amount(amount: Decimal, currency: str) -> str:
    """USD 50,000 in English, 50 000 USD in French, 50.000 USD in Spanish; cents only when
    there are any."""
    places = 0 if amount == amount.to_integral_value() else 2
    number = formats.number_format(amount, places, use_l10n=True, force_grouping=True)
    return pgettext("amount", "%(currency)s %(amount)s") % {
        "currency": currency,
        "amount": number,
    }
