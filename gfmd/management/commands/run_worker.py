"""The background worker that outlives a database restart: django-tasks-db's `db_worker`,
started again whenever the database goes away under it.

`db_worker` re-raises any database error that is not SQLite's "database is locked", and
exits: when PostgreSQL restarts (or drops the worker's connection), pending emails would
wait until a person started it again. This command catches those errors, closes the broken
connections, waits (1 s, doubling up to 60 s while the database stays away) and goes on.
A task that was running when the database went away stays RUNNING in the queue; the
deliveries it left are sent by the scheduled sweep (`send_deliveries`). Takes every option
of `db_worker`; docker-compose also restarts it if it exits for any other reason.
"""

from __future__ import annotations

import logging
import time

from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands import db_worker

logger = logging.getLogger(__name__)

FIRST_WAIT = 1.0
LONGEST_WAIT = 60.0


class Command(db_worker.Command):
    help = "Run the database task worker; reconnect and go on when the database restarts."

    def handle(self, *args, **options) -> None:
        wait = FIRST_WAIT
        while True:
            started = time.monotonic()
            try:
                return super().handle(*args, **options)
            except (OperationalError, InterfaceError) as error:
                connections.close_all()
                if time.monotonic() - started > LONGEST_WAIT:
                    wait = FIRST_WAIT  # it ran a good while: a new outage
                logger.warning("Database unavailable (%s); trying again in %.0f s.", error, wait)
                time.sleep(wait)
                wait = min(wait * 2, LONGEST_WAIT)
