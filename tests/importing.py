"""Importing a file in tests as the admin does, and the files of tests/data."""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.formats import CSV
from imports.models import ImportJob
from imports.results import ImportResult

DATA = Path(__file__).resolve().parent / "data"
# The admin's format choices, in the order of imports.formats.FORMATS.
CSV_FORMAT, XLSX_FORMAT, JSON_FORMAT = "0", "1", "2"


def run_import(
    resource_class, content: bytes, file_format=CSV, *, user=None, confirm: bool = True
) -> tuple[ImportResult, ImportResult | None]:
    """As the admin does: read the file, preview it (a dry run), then import it again on
    confirm when the preview shows no problem. Returns (preview, confirmed or None)."""

    def load_and_import(dry_run: bool) -> ImportResult:
        dataset = file_format(encoding="utf-8-sig").create_dataset(content)
        return resource_class().import_data(
            dataset, dry_run=dry_run, raise_errors=False, file_name="upload", user=user
        )

    preview = load_and_import(dry_run=True)
    if preview.has_problems() or not confirm:
        return preview, None
    return preview, load_and_import(dry_run=False)


def upload(client, url_name: str, content: bytes, name: str, file_format: str = CSV_FORMAT):
    """Post a file to an admin import page, as its form does: the response is the preview."""
    return client.post(
        reverse(url_name),
        {
            "resource": "0",
            "format": file_format,
            "import_file": SimpleUploadedFile(name, content),
        },
    )


def confirm(client, url_name: str, preview_response):
    return client.post(reverse(url_name), preview_response.context["confirm_form"].initial)


def attendance_job(user, **fields) -> ImportJob:
    """A background confirm of a two-row attendance file, "a.csv" (queued unless told)."""
    return ImportJob.objects.create(
        **{
            "kind": "confirm",
            "user": user,
            "model": "countries.attendance",
            "form_data": {},
            "file_name": "a.csv",
            "rows_total": 2,
            **fields,
        }
    )
