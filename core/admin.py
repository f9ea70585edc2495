"""Admin base classes every app uses (registers no model)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from core.admin_locking import LockingAdminMixin


class ReadOnlyAdmin(LockingAdminMixin, admin.ModelAdmin):
    """Records written only by the site: staff look, they do not edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
