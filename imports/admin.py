"""The admin side of imports and exports: the upload form with its limits, the mixins
that every ModelAdmin with import or export uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import tablib
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404, HttpRequest, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy
from import_export.admin import ExportMixin, ImportExportMixin
from import_export.forms import ConfirmImportForm, ImportForm
from import_export.results import RowResult
from import_export.signals import post_import

from imports.formats import (
    FORMATS,
    NOT_TEXT_MESSAGE,
    ImportFileError,
    check_file_size,
    dataset_rows,
)
from imports.models import ImportJob
from imports.results import ImportResult, StoredPreview
from imports.tasks import run_import_job

UPLOAD_GONE_MESSAGE = gettext_lazy(
    "This preview is too old: its file is no longer kept. Upload the file again."
)


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
        and the confirm form carries what the preview showed. A file of more than
        IMPORT_BACKGROUND_ROWS rows is previewed by the worker (its status page shows the
        preview when it is ready)."""
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        upload = request.FILES.get("import_file")
        stored_as = getattr(upload, "tmp_storage_name", None)
        if stored_as:
            confirm_form = context.get("confirm_form")
            if confirm_form is None:
                self.get_tmp_storage_class()(name=stored_as).remove()
            elif context["result"].deferred_rows:
                return self.start_import_job(
                    request,
                    ImportJob.Kind.PREVIEW,
                    confirm_form.initial,
                    context["result"].deferred_rows,
                )
            else:
                confirm_form.initial["preview"] = context["result"].fingerprint()
        return response

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "import/job/<int:job_id>/",
                self.admin_site.admin_view(self.import_job_view),
                name=f"{opts.app_label}_{opts.model_name}_import_job",
            ),
            *super().get_urls(),
        ]

    def process_import(self, request, **kwargs):
        """The confirm step. A file of more than IMPORT_BACKGROUND_ROWS rows is imported by
        the worker, and its status page follows it: no request waits for it long enough to
        end in a timeout. An upload swept away since its preview is said so."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return super().process_import(request, **kwargs)  # the form's errors
        storage = self.stored_upload(confirm_form)
        if not storage.exists():
            messages.error(request, UPLOAD_GONE_MESSAGE)
            return HttpResponseRedirect(self.admin_url("import"))
        dataset = self.read_upload(confirm_form, storage)
        rows = dataset_rows(dataset)
        if rows > settings.IMPORT_BACKGROUND_ROWS:
            form_data = {name: request.POST.get(name, "") for name in confirm_form.fields}
            return self.start_import_job(request, ImportJob.Kind.CONFIRM, form_data, rows)
        return self.process_result(self.confirm_import(request, confirm_form, dataset), request)

    def stored_upload(self, confirm_form):
        input_format = self.chosen_format(confirm_form)
        return self.get_tmp_storage_class()(
            name=confirm_form.cleaned_data["import_file_name"],
            encoding=None if input_format.is_binary() else self.from_encoding,
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )

    def chosen_format(self, confirm_form):
        formats = self.get_import_formats()
        return formats[int(confirm_form.cleaned_data["format"])](encoding=self.from_encoding)

    def read_upload(self, confirm_form, storage):
        return self.chosen_format(confirm_form).create_dataset(storage.read())

    def confirm_import(
        self,
        request,
        confirm_form,
        dataset: tablib.Dataset | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> ImportResult:
        """Every confirmed import of the admin goes through here, in the request or in the
        worker: the stored upload is imported (all or nothing), then deleted; once written,
        its records are logged and `post_import` is sent."""
        storage = self.stored_upload(confirm_form)
        if dataset is None:
            dataset = self.read_upload(confirm_form, storage)
        result = self.process_dataset(dataset, confirm_form, request, progress=progress)
        storage.remove()
        if not result.has_problems():
            self.generate_log_entries(result, request)
            post_import.send(sender=None, model=self.model)
        return result

    def start_import_job(
        self, request, kind: ImportJob.Kind, form_data: dict, rows: int
    ) -> HttpResponseRedirect:
        """`form_data`: the confirm form's values (the stored upload, its format and resource,
        and for a confirm what the preview showed)."""
        job = ImportJob.objects.create(
            kind=kind,
            user=request.user,
            model=self.model._meta.label_lower,
            form_data=form_data,
            file_name=form_data.get("original_file_name") or "",
            rows_total=rows,
        )
        # The job's row must be there when the worker looks for it.
        transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
        return HttpResponseRedirect(self.admin_url("import_job", job_id=job.pk))

    def import_in_worker(self, job: ImportJob) -> None:
        """In the worker: the preview or the confirm, as the user who asked for it, with that
        user's permissions now; the rows done counted as the import goes."""
        request = HttpRequest()
        request.method = "POST"
        request.user = job.user
        request.POST = QueryDict(mutable=True)
        request.POST.update(job.form_data)
        confirm_form = self.create_confirm_form(request)
        if not (self.has_import_permission(request) and confirm_form.is_valid()):
            job.finish(
                ImportJob.State.FAILED,
                [gettext("Nothing was imported: you may no longer import these records.")],
            )
            return
        storage = self.stored_upload(confirm_form)
        if not storage.exists():
            job.finish(ImportJob.State.FAILED, [UPLOAD_GONE_MESSAGE])
            return
        if job.kind == ImportJob.Kind.PREVIEW:
            resource_kwargs = self.get_import_resource_kwargs(request, form=confirm_form)
            resource = self.choose_import_resource_class(confirm_form, request)(**resource_kwargs)
            result = resource.import_data(
                self.read_upload(confirm_form, storage),
                dry_run=True,
                file_name=job.file_name,
                user=job.user,
                progress=job.count_rows_done,
            )
            job.preview = StoredPreview.stored(result)
            if result.has_problems():
                storage.remove()  # as a preview with problems in the request
                job.finish(ImportJob.State.FAILED, [])
            else:
                job.finish(ImportJob.State.DONE, [])
            return
        result = self.confirm_import(request, confirm_form, progress=job.count_rows_done)
        if result.has_problems():
            job.finish(
                ImportJob.State.FAILED,
                [gettext("Nothing was imported: the file has problems."), *result.error_messages()],
            )
        else:
            job.finish(ImportJob.State.DONE, [self.finished_message(result)])

    def import_job_view(self, request, job_id: int):
        """The status page of a background preview or import: rows done of all, then the
        preview (with its confirm button) or what the import did; it reloads itself until the
        job ends. A job whose worker died says so and can be started again. Only the user who
        started it sees it."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        job = get_object_or_404(
            ImportJob, pk=job_id, user=request.user, model=self.model._meta.label_lower
        )
        job.check_worker()
        if request.method == "POST":  # "Start again", on an interrupted job
            if job.start_again():
                transaction.on_commit(partial(run_import_job.enqueue, job.pk))
            return HttpResponseRedirect(self.admin_url("import_job", job_id=job.pk))
        context = self.admin_site.each_context(request)
        context.update(title=gettext("Import"), opts=self.model._meta)
        result = StoredPreview(job.preview) if job.preview else None
        if result and not result.has_problems():  # the preview, as in the request
            context["confirm_form"] = self.get_confirm_form_class(request)(
                initial=job.form_data | {"preview": result.fingerprint()}
            )
            context.update(result=result, import_error_display=self.import_error_display)
            return TemplateResponse(request, [self.import_template_name], context)
        context.update(
            job=job,
            result=result,
            changelist_url=self.admin_url("changelist"),
            import_url=self.admin_url("import"),
        )
        return TemplateResponse(request, ["admin/import_export/import_job.html"], context)

    def admin_url(self, view: str, **kwargs) -> str:
        opts = self.model._meta
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_{view}",
            kwargs=kwargs or None,
            current_app=self.admin_site.name,
        )

    def get_import_data_kwargs(self, **kwargs) -> dict[str, Any]:
        form = kwargs.get("form")
        if not isinstance(form, PreviewConfirmForm):  # the upload's preview, in the request
            return super().get_import_data_kwargs(**kwargs) | {
                "defer_above_rows": settings.IMPORT_BACKGROUND_ROWS
            }
        expected = form.cleaned_data.get("preview")
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
        if not result.has_problems():  # logged by confirm_import
            messages.success(request, self.finished_message(result))
            return HttpResponseRedirect(self.admin_url("changelist"))
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

    def finished_message(self, result: ImportResult) -> str:
        """The library's message (`add_success_message`), for the page or a job's status."""
        return gettext("Import finished: {} new, {} updated, {} deleted and {} skipped {}.").format(
            result.totals[RowResult.IMPORT_TYPE_NEW],
            result.totals[RowResult.IMPORT_TYPE_UPDATE],
            result.totals[RowResult.IMPORT_TYPE_DELETE],
            result.totals[RowResult.IMPORT_TYPE_SKIP],
            self.model._meta.verbose_name_plural,
        )


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Each staff member's own background previews and imports, newest first, each linked to
    its status page: a job goes on when its page is closed, and this is how to find it
    again. Read-only; nobody sees another person's jobs (as with the status page)."""

    list_display = ("file_name_link", "records", "kind", "state", "created_at")
    list_display_links = None
    list_filter = ("state", "kind")
    ordering = ("-created_at",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user=request.user)

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request) and (obj is None or obj.user == request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The job's own page is its status page."""
        job = self.get_object(request, object_id)
        if job is None:  # not theirs, or not an id
            raise Http404
        return HttpResponseRedirect(self.status_url(job))

    @admin.display(description=gettext_lazy("file"), ordering="file_name")
    def file_name_link(self, job: ImportJob) -> str:
        return format_html('<a href="{}">{}</a>', self.status_url(job), job.file_name or "-")

    @admin.display(description=gettext_lazy("records"))
    def records(self, job: ImportJob) -> str:
        return apps.get_model(job.model)._meta.verbose_name_plural

    def status_url(self, job: ImportJob) -> str:
        app_label, model_name = job.model.split(".")
        return reverse(
            f"admin:{app_label}_{model_name}_import_job",
            kwargs={"job_id": job.pk},
            current_app=self.admin_site.name,
        )
