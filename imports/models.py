from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections, models, router, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: The first half of a running job's advisory lock key; the job's id is the other half.
WORKER_LOCK_NAMESPACE = 1_148_021

INTERRUPTED_MESSAGE = _(
    "The worker stopped before the end (it was restarted, or lost the database), so nothing "
    "was imported. Start again to read the same file once more."
)


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
        INTERRUPTED = "interrupted", _("stopped before the end")

    FINISHED = (State.DONE, State.FAILED, State.INTERRUPTED)

    kind = models.CharField(max_length=10, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    #: The admin that imports, by its model's label ("countries.attendance").
    model = models.CharField(max_length=100)
    #: The confirm form's values, as posted: the stored upload, its format and resource, and
    #: what the preview showed.
    form_data = models.JSONField()
    file_name = models.CharField(max_length=255, blank=True)
    rows_total = models.PositiveIntegerField()
    state = models.CharField(max_length=11, choices=State.choices, default=State.QUEUED)
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
        return self.state in self.FINISHED

    @classmethod
    def sweep(cls, *, older_than: datetime.timedelta | None = None) -> int:
        """Delete the jobs that finished more than `older_than` (the setting by default)
        ago, with their stored previews; how many."""
        if older_than is None:
            older_than = datetime.timedelta(days=settings.IMPORT_JOB_MAX_AGE_DAYS)
        deleted, _ = cls.objects.filter(
            state__in=cls.FINISHED, updated_at__lt=timezone.now() - older_than
        ).delete()
        return deleted

    def finish(self, state: ImportJob.State, messages: list[str]) -> None:
        self.state = state
        self.messages = [str(message) for message in messages]
        self.save(update_fields=["state", "messages", "preview", "updated_at"])
        cache.delete(self.progress_key)

    # A worker can die in the middle of a job (killed, the machine restarted, the database
    # restarted under it). The import's transaction is then rolled back, so the file wrote
    # nothing, but the job would say "running" for ever. On PostgreSQL the worker holds the
    # job's advisory lock, a session lock, while it runs it; PostgreSQL releases it when the
    # worker's connection ends, so a running job whose lock is free has lost its worker.

    @classmethod
    @contextlib.contextmanager
    def claimed(cls, job_id: int) -> Iterator[ImportJob | None]:
        """For the worker: the job, moved from queued to running, with its lock held until
        the block ends; None if it is not queued (deleted, or claimed by another worker)."""
        with _worker_lock(job_id):
            claimed = cls.objects.filter(pk=job_id, state=cls.State.QUEUED).update(
                state=cls.State.RUNNING, updated_at=timezone.now()
            )
            yield cls.objects.select_related("user").get(pk=job_id) if claimed else None

    def check_worker(self) -> None:
        """A running job whose worker is gone becomes interrupted (PostgreSQL only: SQLite
        has no locks that outlive a statement, and runs one worker on one machine)."""
        connection = connections[router.db_for_write(ImportJob)]
        if self.state != self.State.RUNNING or connection.vendor != "postgresql":
            return
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)", [WORKER_LOCK_NAMESPACE, self.pk]
            )
            if cursor.fetchone()[0]:  # no worker holds it: stop the job if still running
                ImportJob.objects.filter(pk=self.pk, state=self.State.RUNNING).update(
                    state=self.State.INTERRUPTED,
                    messages=[str(INTERRUPTED_MESSAGE)],
                    updated_at=timezone.now(),
                )
        self.refresh_from_db()

    def start_again(self) -> bool:
        """Queue an interrupted job again (its upload is kept); False if it was not
        interrupted (started again already, by a second click)."""
        queued = ImportJob.objects.filter(pk=self.pk, state=self.State.INTERRUPTED).update(
            state=self.State.QUEUED, messages=[], updated_at=timezone.now()
        )
        cache.delete(self.progress_key)
        self.refresh_from_db()
        return bool(queued)


@contextlib.contextmanager
def _worker_lock(job_id: int) -> Iterator[None]:
    connection = connections[router.db_for_write(ImportJob)]
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [WORKER_LOCK_NAMESPACE, job_id])
    try:
        yield
    finally:
        # If the connection broke during the job, the lock went with it.
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [WORKER_LOCK_NAMESPACE, job_id])
