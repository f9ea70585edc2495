"""The admin side of imports and exports: the upload form with its limits, the mixins
that every ModelAdmin with import or export uses."""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.forms import ConfirmImportForm, ImportForm

from imports.formats import FORMATS, NOT_TEXT_MESSAGE, ImportFileError, check_file_size
from imports.results import ImportResult


class LimitedImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            check_file_size(upload.size)
        except ImportFileError as error:
            raise ValidationError(str(error), code="too_big") from error
        return upload


class PreviewConfirmForm(ConfirmImportForm):
    """The confirm step's form, with what the preview showed (`ImportResult.fingerprint`):
    if the import would now do anything else, nothing is written."""

    preview = forms.CharField(widget=forms.HiddenInput(), required=False)


class NativeTypesExport:
    """Numbers and dates leave as numbers and dates in a binary format (XLSX), as text in the
    others. The library decides with `type(file_format) in BINARY_FORMATS`, an exact type
    check that our XLSX subclass fails; rather than append to the library's global list, the
    format's own `is_binary()` decides, passed down through the documented export hooks."""

    def get_export_data(self, file_format, request, queryset, **kwargs):
        native = file_format.is_binary()
        return super().get_export_data(file_format, request, queryset, native=native, **kwargs)

    def get_data_for_export(self, request, queryset, **kwargs):
        kwargs["force_native_type"] = kwargs.pop("native", kwargs.get("force_native_type"))
        return super().get_data_for_export(request, queryset, **kwargs)


class GfmdExportMixin(NativeTypesExport, ExportMixin):
    """Export in CSV, XLSX and JSON with formulas escaped; for the admin of any model."""

    formats = FORMATS


class GfmdImportExportMixin(NativeTypesExport, ImportExportMixin):
    """Import with limits, a preview of every row and all-or-nothing writes; export as above.

    Put it before `SimpleHistoryAdmin` in the bases: imports then leave history rows that
    name the user, which the admin's history view shows and can revert.
    """

    formats = FORMATS
    import_form_class = LimitedImportForm
    confirm_form_class = PreviewConfirmForm
    import_template_name = "admin/import_export/gfmd_import.html"

    def get_import_resource_kwargs(self, request, **kwargs) -> dict[str, Any]:
        """An import writes only what the user's form could: no new record without the add
        permission, and no field the form shows the user read-only."""
        return super().get_import_resource_kwargs(request, **kwargs) | {
            "may_add": self.has_add_permission(request),
            "protected": self.get_readonly_fields(request),
            "permissions_for": partial(self.import_permissions_for, request),
        }

    def import_permissions_for(self, request, model: type[models.Model]) -> dict | None:
        """For a workbook's sheet of `model`: what the user's form of that model allows, as
        above, or None when the user may not import it (no change permission there)."""
        model_admin = self.admin_site._registry.get(model)
        if model_admin is None or not model_admin.has_change_permission(request):
            return None
        return {
            "may_add": model_admin.has_add_permission(request),
            "protected": model_admin.get_readonly_fields(request),
        }

    def import_action(self, request, **kwargs):
        """The preview. Its upload is kept for the confirm step only if it can be confirmed,
        and the confirm form carries what the preview showed."""
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        upload = request.FILES.get("import_file")
        stored_as = getattr(upload, "tmp_storage_name", None)
        if stored_as:
            confirm_form = context.get("confirm_form")
            if confirm_form is None:
                self.get_tmp_storage_class()(name=stored_as).remove()
            else:
                confirm_form.initial["preview"] = context["result"].fingerprint()
        return response

    def process_import(self, request, **kwargs):
        """The confirm step; an upload swept away since its preview is said so."""
        confirm_form = self.create_confirm_form(request)
        if confirm_form.is_valid():
            name = confirm_form.cleaned_data["import_file_name"]
            if not self.get_tmp_storage_class()(name=name).exists():
                messages.error(
                    request,
                    gettext(
                        "This preview is too old: its file is no longer kept. Upload the "
                        "file again."
                    ),
                )
                opts = self.model._meta
                return HttpResponseRedirect(
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_import")
                )
        return super().process_import(request, **kwargs)

    def get_import_data_kwargs(self, **kwargs) -> dict[str, Any]:
        form = kwargs.get("form")
        expected = (
            form.cleaned_data.get("preview") if isinstance(form, PreviewConfirmForm) else None
        )
        return super().get_import_data_kwargs(**kwargs) | (
            {"expected_preview": expected} if expected else {}
        )

    def add_data_read_fail_error_to_form(self, form, e: Exception) -> None:
        if isinstance(e, ImportFileError):
            message = str(e)
        elif isinstance(e, UnicodeDecodeError):
            message = str(NOT_TEXT_MESSAGE)
        else:
            message = gettext(
                "This file cannot be read in the format chosen. Choose the format that "
                "matches the file (CSV, XLSX or JSON)."
            )
        form.add_error("import_file", message)

    def process_result(self, result: ImportResult, request):
        """The confirm step re-reads the file; if the data changed since the preview and a
        row is now invalid, nothing was written: say so rather than "Import finished"."""
        if not result.has_problems():
            return super().process_result(result, request)
        messages.error(request, gettext("Nothing was imported: the file has problems."))
        context = self.admin_site.each_context(request)
        context.update(
            title=gettext("Import"),
            opts=self.model._meta,
            result=result,
            form=self.get_import_form_class(request)(
                self.get_import_formats(), self.get_import_resource_classes(request)
            ),
            import_error_display=self.import_error_display,
        )
        return TemplateResponse(request, [self.import_template_name], context)
