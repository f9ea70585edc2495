"""The worker outlives a database restart: `run_worker` reconnects and runs the next task,
where django-tasks-db's `db_worker` exits.

The shared PostgreSQL server is not restarted: the worker reaches it through a TCP proxy
that the test stops (cutting every connection and refusing new ones, as a server that is
down does) and starts again a few seconds later.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from subscriptions import tasks
from tests.processes import (
    BASE_DIR,
    enqueue_in_database,
    require_postgres,
    subprocess_env,
    wait_until,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def finished(task_id: str) -> bool:
    return DBTaskResult.objects.get(id=task_id).status == "SUCCESSFUL"


class DatabaseProxy:
    """127.0.0.1:<port> forwarded to the test database's server, until `stop()`."""

    def __init__(self) -> None:
        db = connection.settings_dict
        self.target = (db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
        self.port = 0
        self.sockets: list[socket.socket] = []
        self.server_ports: set[int] = set()  # our ends of the connections to PostgreSQL

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.port = listener.getsockname()[1]
        self.sockets = [listener]
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        for sock in self.sockets:
            self._close(sock)

    def sessions_left(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE client_port = ANY(%s)",
                [list(self.server_ports)],
            )
            return cursor.fetchone()[0]

    @staticmethod
    def _close(sock: socket.socket) -> None:
        """Shut down first: a plain close leaves a thread blocked in recv() holding it."""
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self.server_ports.add(server.getsockname()[1])
            self.sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            DatabaseProxy._close(sink)


@pytest.fixture
def proxy():
    require_postgres()
    proxy = DatabaseProxy()
    proxy.start()
    yield proxy
    proxy.stop()
    # The worker's sessions end before the test database is dropped.
    assert wait_until(lambda: not proxy.sessions_left(), timeout=10)


@pytest.fixture
def start_worker(proxy):
    started: list[subprocess.Popen] = []
    db = connection.settings_dict

    def start(command: str) -> subprocess.Popen:
        url = f"postgres://{db['USER']}@127.0.0.1:{proxy.port}/{db['NAME']}"
        worker = subprocess.Popen(
            [sys.executable, "manage.py", command, "--no-startup-delay", "--interval", "0.2"],
            cwd=BASE_DIR,
            env=subprocess_env(DATABASE_URL=url, EMAIL_SENDING_ENABLED="0"),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=10)


def run_a_task_then_restart_the_database(start_worker, proxy, command: str):
    worker = start_worker(command)
    first = enqueue_in_database(tasks.send_pending_deliveries)
    assert wait_until(lambda: finished(first)), "the worker did not run the first task"
    proxy.stop()
    time.sleep(3)  # down for a while: the worker polls every 0.2 s
    proxy.start()
    return worker


def test_run_worker_reconnects_after_a_database_restart(start_worker, proxy):
    worker = run_a_task_then_restart_the_database(start_worker, proxy, "run_worker")
    second = enqueue_in_database(tasks.send_pending_deliveries)
    assert wait_until(lambda: finished(second)), "the worker did not run the task after it"
    assert worker.poll() is None  # still running


def test_db_worker_alone_exits_when_the_database_restarts(start_worker, proxy):
    """Why run_worker exists (and compose restarts the worker in any case)."""
    worker = run_a_task_then_restart_the_database(start_worker, proxy, "db_worker")
    assert worker.wait(timeout=10) != 0
    assert "OperationalError" in worker.stdout.read()
