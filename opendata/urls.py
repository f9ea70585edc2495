from __future__ import annotations

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from opendata import api, views
from opendata.sitemaps import SITEMAPS

app_name = "opendata"

router = SimpleRouter(trailing_slash=True)
router.register("api/countries", api.CountryViewSet, basename="country")
router.register("api/forum-years", api.ForumYearViewSet, basename="forumyear")
router.register("api/practices", api.PracticeViewSet, basename="practice")
router.register("api/country-updates", api.CountryUpdateViewSet, basename="countryupdate")

urlpatterns = [
    path("data/", views.DataView.as_view(), name="data"),
    path("data/gfmd-open-data-csv.zip", views.download_all, {"kind": "zip"}, name="download_zip"),
    path("data/gfmd-open-data.json", views.download_all, {"kind": "json"}, name="download_json"),
    path(
        "data/countries/<str:iso3>.csv.zip",
        views.download_country,
        {"kind": "zip"},
        name="country_zip",
    ),
    path(
        "data/countries/<str:iso3>.json",
        views.download_country,
        {"kind": "json"},
        name="country_json",
    ),
    path("api/", views.ApiDocsView.as_view(), name="api_docs"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    *router.urls,
    # Unknown addresses under /api/ (a slash at the end: without one, APPEND_SLASH redirects).
    re_path(r"^api/.*/$", api.not_found),
]

# Outside the namespace: crawlers look for these at the site's root.
root_urlpatterns = [
    path("robots.txt", views.robots_txt, name="robots_txt"),
    # An index of sections, each in pages of SITEMAP_PAGE_SIZE entries: one file of every
    # practice in three languages took longer than gunicorn's timeout at 100,000 practices.
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
]
