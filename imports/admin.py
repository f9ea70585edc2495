"""The admin side of imports and exports: the upload form with its limits, the mixins
that every ModelAdmin with import or export uses."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.forms import ImportForm

from imports.formats import FORMATS, NOT_TEXT_MESSAGE, ImportFileError, check_file_size
from imports.results import ImportResult

# --- Admin ----------------------------------------------------------------------------------


class LimitedImportForm(ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            check_file_size(upload.size)
        except ImportFileError as error:
            raise ValidationError(str(error), code="too_big") from error
        return upload


class GfmdExportMixin(ExportMixin):
    """Export in CSV, XLSX and JSON with formulas escaped; for the admin of any model."""

    formats = FORMATS


class GfmdImportExportMixin(ImportExportMixin):
    """Import with limits, a preview of every row and all-or-nothing writes; export as above.

    Put it before `SimpleHistoryAdmin` in the bases: imports then leave history rows that
    name the user, which the admin's history view shows and can revert.
    """

    formats = FORMATS
    import_form_class = LimitedImportForm
    import_template_name = "admin/import_export/gfmd_import.html"

    def get_import_resource_kwargs(self, request, **kwargs) -> dict[str, Any]:
        """An import writes only what the user's form could: no new record without the add
        permission, and no field the form shows the user read-only."""
        return super().get_import_resource_kwargs(request, **kwargs) | {
            "may_add": self.has_add_permission(request),
            "protected": self.get_readonly_fields(request),
        }

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
