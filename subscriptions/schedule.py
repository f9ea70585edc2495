"""When the scheduled commands run (`manage.py run_scheduler`): the sweep of due deliveries
every few minutes, the weekly digests on Monday morning, the purge every night.

A small scheduler of our own rather than cron in the image: cron does not pass the
container's environment to its jobs and needs root, and supercronic is not packaged
for Debian. Every job is safe to run twice or late (the outbox and the purge are
idempotent), so each runs once at start-up too: a scheduler that was down at 06:00 on
Monday still sends that week's digests when it comes back.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A management command run every `every`, or each day (or each `weekday`, Monday = 0)
    at `at` in the site's time zone."""

    command: str
    every: datetime.timedelta | None = None
    at: datetime.time | None = None
    weekday: int | None = None

    def next_run(self, after: datetime.datetime) -> datetime.datetime:
        if self.every is not None:
            return after + self.every
        assert self.at is not None
        local = timezone.localtime(after)
        day = local.date()
        while True:
            moment = timezone.make_aware(datetime.datetime.combine(day, self.at))
            if moment > after and (self.weekday is None or day.weekday() == self.weekday):
                return moment
            day += datetime.timedelta(days=1)


def jobs() -> list[Job]:
    return [
        Job("send_deliveries", every=datetime.timedelta(minutes=settings.SWEEP_MINUTES)),
        Job("send_digests", at=datetime.time(6), weekday=0),
        Job("purge_subscriptions", at=datetime.time(3)),
    ]


class Scheduler:
    def __init__(self, jobs: list[Job], run: Callable[[str], object], now: datetime.datetime):
        self.run = run
        self.due = dict.fromkeys(jobs, now)  # each job once at start-up

    def run_due(self, now: datetime.datetime) -> list[str]:
        """Run the jobs due at `now`; a job that fails is logged and tried at its next time,
        and the others run all the same."""
        ran = []
        for job, due in self.due.items():
            if due > now:
                continue
            try:
                self.run(job.command)
            except Exception:
                logger.exception("Scheduled %s failed", job.command)
                connections.close_all()  # the database may have gone away: reconnect
            close_old_connections()
            self.due[job] = job.next_run(now)
            ran.append(job.command)
        return ran

    def next_due(self) -> datetime.datetime:
        return min(self.due.values())
