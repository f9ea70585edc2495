from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from countries.models import Country, ForumYear
from practices.models import PracticeSubmission

# Entries a page of a section (an object in each language counts once a language): small
# enough to build well within a request's time at 100,000 practices.
SITEMAP_PAGE_SIZE = 2_000


class LocalisedSitemap(Sitemap):
    """Pages in every language (README, Languages): each listed once a language, with its
    alternates in the others (hreflang, and x-default: the English page)."""

    limit = SITEMAP_PAGE_SIZE
    i18n = True
    alternates = True
    x_default = True


class PagesSitemap(LocalisedSitemap):
    priority = 0.6

    def items(self) -> list[str]:
        return ["home", "countries:list", "countries:forum_years", "practices:list"]

    def location(self, item: str) -> str:
        return reverse(item)


class OpenDataPagesSitemap(PagesSitemap):
    """The open data pages: one address, in English."""

    i18n = alternates = x_default = False

    def items(self) -> list[str]:
        return ["opendata:data", "opendata:api_docs"]


class CountrySitemap(LocalisedSitemap):
    def items(self):
        return Country.objects.only("slug", "updated_at").order_by("name", "pk")

    def lastmod(self, country: Country):
        return country.updated_at


class ForumYearSitemap(LocalisedSitemap):
    def items(self):
        return ForumYear.objects.only("label", "updated_at").order_by("sort_year", "label")

    def lastmod(self, forum_year: ForumYear):
        return forum_year.updated_at


class PracticeSitemap(LocalisedSitemap):
    def items(self):
        return PracticeSubmission.objects.published().only("slug", "updated_at").order_by("slug")

    def lastmod(self, practice: PracticeSubmission):
        return practice.updated_at


SITEMAPS = {
    "pages": PagesSitemap,
    "open-data": OpenDataPagesSitemap,
    "countries": CountrySitemap,
    "forum-years": ForumYearSitemap,
    "practices": PracticeSitemap,
}
