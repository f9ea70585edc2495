from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from countries.models import Country, ForumYear
from practices.models import PracticeSubmission


class PagesSitemap(Sitemap):
    priority = 0.6

    def items(self) -> list[str]:
        return [
            "home",
            "countries:list",
            "countries:forum_years",
            "practices:list",
            "opendata:data",
            "opendata:api_docs",
        ]

    def location(self, item: str) -> str:
        return reverse(item)


class CountrySitemap(Sitemap):
    def items(self):
        return Country.objects.only("slug", "updated_at").order_by("name", "pk")

    def lastmod(self, country: Country):
        return country.updated_at


class ForumYearSitemap(Sitemap):
    def items(self):
        return ForumYear.objects.only("label", "updated_at").order_by("sort_year", "label")

    def lastmod(self, forum_year: ForumYear):
        return forum_year.updated_at


class PracticeSitemap(Sitemap):
    def items(self):
        return PracticeSubmission.objects.published().only("slug", "updated_at").order_by("slug")

    def lastmod(self, practice: PracticeSubmission):
        return practice.updated_at


SITEMAPS = {
    "pages": PagesSitemap,
    "countries": CountrySitemap,
    "forum-years": ForumYearSitemap,
    "practices": PracticeSitemap,
}
