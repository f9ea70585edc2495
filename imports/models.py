from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """The preview or the confirmed import of a file of more than IMPORT_BACKGROUND_ROWS
    rows, run by the worker so that no request waits for it (imports/tasks.py); its status
    page follows it."""

    class Kind(models.TextChoices):
        PREVIEW = "preview", _("preview")
        CONFIRM = "confirm", _("import")

    class State(models.TextChoices):
        QUEUED = "queued", _("waiting for the worker")
        RUNNING = "running", _("reading the file")
        DONE = "done", _("done")
        FAILED = "failed", _("nothing imported")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    #: The admin that imports, by its model's label ("countries.attendance").
    model = models.CharField(max_length=100)
    #: The confirm form's values, as posted: the stored upload, its format and resource, and
    #: what the preview showed.
    form_data = models.JSONField()
    file_name = models.CharField(max_length=255, blank=True)
    rows_total = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    #: The outcome: the counts once done, or every problem, one line each.
    messages = models.JSONField(default=list)
    #: A preview's rows as the page shows them (`StoredPreview`).
    preview = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("import job")

    def __str__(self) -> str:
        return f"{self.model} {self.file_name} ({self.state})"

    # Rows done while the import runs are counted in the cache: the import's transaction,
    # which keeps the file all or nothing, hides its writes until it commits.

    @property
    def progress_key(self) -> str:
        return f"imports:job:{self.pk}:rows-done"

    def rows_done(self) -> int:
        return cache.get(self.progress_key, 0)

    def count_rows_done(self, rows: int) -> None:
        cache.set(self.progress_key, rows, timeout=24 * 3600)

    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    def finish(self, state: ImportJob.State, messages: list[str]) -> None:
        self.state = state
        self.messages = [str(message) for message in messages]
        self.save(update_fields=["state", "messages", "preview", "updated_at"])
        cache.delete(self.progress_key)
