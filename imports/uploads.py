"""Uploads kept between an import's preview and its confirm step.

django-import-export writes each upload to a temporary file, reads it again on confirm and
deletes it then; a preview never confirmed used to leave its file behind. Here the files
live in a folder of their own (`IMPORT_UPLOAD_DIR`), a preview with problems (which cannot
be confirmed) deletes its file at once, and every new upload first deletes the files older
than `IMPORT_UPLOAD_MAX_AGE_HOURS`, and the background jobs finished more than
`IMPORT_JOB_MAX_AGE_DAYS` ago, as does `manage.py sweep_import_uploads`.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import tempfile
import time
from pathlib import Path

from django.conf import settings
from import_export.tmp_storages import TempFolderStorage

from imports.models import ImportJob


def upload_folder() -> Path:
    folder = Path(settings.IMPORT_UPLOAD_DIR or Path(tempfile.gettempdir()) / "gfmd-imports")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def uploads_sweep(*, older_than: datetime.timedelta | None = None) -> int:
    """Delete the uploads older than `older_than` (the setting by default); how many."""
    if older_than is None:
        older_than = datetime.timedelta(hours=settings.IMPORT_UPLOAD_MAX_AGE_HOURS)
    cutoff = time.time() - older_than.total_seconds()
    deleted = 0
    for path in upload_folder().glob("upload-*"):
        with contextlib.suppress(FileNotFoundError):  # a confirm may delete it meanwhile
            if path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
    return deleted


class UploadStorage(TempFolderStorage):
    """The library's temporary-file storage (its documented `tmp_storage_class` setting),
    in our folder, sweeping old uploads before it saves a new one."""

    def save(self, data: bytes | str) -> None:
        uploads_sweep()
        ImportJob.sweep()
        super().save(data)

    def exists(self) -> bool:
        return bool(self.name) and os.path.exists(self.get_full_path())

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            super().remove()

    def get_full_path(self) -> str:
        return str(upload_folder() / os.path.basename(self.name))

    def _open(self, mode: str = "r"):
        if self.name:
            return open(self.get_full_path(), mode, encoding=self.encoding)
        # Closed by the caller (the library's `save`), as in TempFolderStorage.
        stream = tempfile.NamedTemporaryFile(  # noqa: SIM115
            dir=upload_folder(), prefix="upload-", delete=False
        )
        self.name = os.path.basename(stream.name)
        return stream
