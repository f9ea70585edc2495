"""The admin app with the site's own AdminSite (apps.py would be read as gfmd's config)."""

from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class GfmdAdminConfig(AdminConfig):
    default_site = "gfmd.admin_site.GfmdAdminSite"
