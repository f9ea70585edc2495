from __future__ import annotations

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from core import i18n
from gfmd import pages_admin, views
from opendata.urls import root_urlpatterns as opendata_root_urls

# The public pages in English without a prefix, under /fr/ and /es/ in French and Spanish;
# the API, the downloads, the sitemap and the admin have one address (README, Languages).
urlpatterns = [
    *i18n_patterns(
        path("", views.HomeView.as_view(), name="home"),
        path("", include("countries.urls")),
        path("practices/", include("practices.urls")),
        # /countries/<slug>/subscribe/ and feed/, and /subscriptions/…: one namespace.
        path("", include("subscriptions.urls")),
        prefix_default_language=False,
    ),
    path("language/<str:code>/", i18n.language_choose, name="language_choose"),
    path("", include("opendata.urls")),
    *opendata_root_urls,
    # A country's "Read a page from the current site" (writes practices too: top layer).
    path(
        "admin/countries/country/<path:object_id>/read-page/",
        admin.site.admin_view(pages_admin.read_page_view),
        name="country_read_page",
    ),
    path("admin/", admin.site.urls),
]
