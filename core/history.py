"""History pages whose Revert obeys the same rules as the change form.

django-simple-history's revert view (`<pk>/history/<version>/`) lets anyone who may *view*
a record post it, and saves the historical version whole: fields the form shows read-only
(a practice's status and rejection reason) or not at all come back with it. Here a revert
needs the change permission (the add permission for a record deleted since), and only the
fields of the user's form are taken from the old version; every other field keeps the value
stored now, shown as such on the page.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404, HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

REVERT_BASE = "_gfmd_revert_base"


class GuardedHistoryAdmin(SimpleHistoryAdmin):
    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context=None
    ) -> HttpResponse:
        posted = request.method == "POST"
        with transaction.atomic():
            current = self.model._default_manager.all()
            if posted:  # locked while the revert writes: a publication meanwhile is kept
                current = current.select_for_update()
            try:
                stored = current.filter(pk=unquote(object_id)).first()
            except (ValidationError, ValueError) as error:
                raise Http404 from error
            if posted and not self.may_revert(request, stored):
                raise PermissionDenied
            request.__dict__[REVERT_BASE] = stored or self.model()
            return super().history_form_view(request, object_id, version_id, extra_context)

    def may_revert(self, request: HttpRequest, stored: models.Model | None) -> bool:
        if stored is None:  # deleted since: the revert adds it again
            return self.has_add_permission(request)
        return self.has_change_permission(request, stored) and not self.revert_disabled(
            request, stored
        )

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs: Any):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        base = request.__dict__.get(REVERT_BASE)
        if base is not None and obj is not None:
            # `obj` is the historical version being reverted to.
            for field in obj._meta.concrete_fields:
                if not field.primary_key and field.name not in form_class.base_fields:
                    setattr(obj, field.attname, getattr(base, field.attname))
        return form_class
