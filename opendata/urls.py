from __future__ import annotations

from django.contrib.sitemaps.views import sitemap
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
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]
