"""Fan-out of one country update to 10,000 confirmed subscribers, through SMTP.

Prints emails per second for our worker path (the `send_update_notifications` task: claim
each delivery, build its email with Django's mail API, send it over SMTP, mark it sent)
and, measured in the same run, for raw `smtplib` sending the very same messages, already
serialised, over one connection, with the worker's ratio to it. The goal: 10,000 emails in
under 60 s. Then the worker's peak Python memory (tracemalloc) at 2,000 and 10,000
subscribers: it must not grow with the number of subscribers.

The SMTP sink is aiosmtpd on 127.0.0.1 in a separate process (so it does not share the
interpreter lock with the sender), counting what it accepts. PostgreSQL by default:

    .venv/bin/python benchmarks/subscriptions_fanout.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/other_db .venv/bin/python benchmarks/...

The database (default gfmd_subscriptions_bench) is created if missing and its subscription
tables are emptied first.
"""

from __future__ import annotations

import multiprocessing
import os
import smtplib
import socket
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gfmd_subscriptions_bench"
LARGE, SMALL = 10_000, 2_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_sink(port: int, accepted, ready) -> None:
    """The SMTP server: accepts everything, keeps a count of recipients."""
    import threading

    from aiosmtpd.controller import Controller

    class CountingHandler:
        async def handle_DATA(self, server, session, envelope) -> str:
            with accepted.get_lock():
                accepted.value += len(envelope.rcpt_tos)
            return "250 OK"

    controller = Controller(CountingHandler(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    threading.Event().wait()


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks import create_database

    database_url = os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    if database_url.startswith("postgres"):
        create_database(database_url)

    context = multiprocessing.get_context("spawn")
    port, accepted, ready = free_port(), context.Value("q", 0), context.Event()
    sink = context.Process(target=run_sink, args=(port, accepted, ready), daemon=True)
    sink.start()
    if not ready.wait(timeout=30):
        raise SystemExit("The SMTP sink did not start.")

    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "gfmd.settings",
            "DEBUG": "0",  # no query log growing in memory
            "SECRET_KEY": os.environ.get("SECRET_KEY", "benchmark-only"),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(port),
            "EMAIL_SENDING_ENABLED": "1",
            # The update is recorded without sending, so the worker path is timed alone.
            "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
            "ALLOW_IMMEDIATE_TASKS": "1",
            "SITE_URL": "https://gfmd.example.org",
        }
    )
    try:
        measure(accepted)
    finally:
        sink.terminate()


@dataclass
class Run:
    emails: int
    wall: float
    cpu: float  # this process only: the sink and PostgreSQL run elsewhere

    @property
    def rate(self) -> float:
        return self.emails / self.wall

    def line(self, label: str, baseline: Run | None = None) -> str:
        ratio = f"  {self.rate / baseline.rate:4.0%} of raw" if baseline else ""
        cpu = self.cpu / self.emails * 1000
        return f"{label:<44} {self.rate:6.0f} emails/s  {cpu:5.2f} ms CPU/email{ratio}"


def timed(emails: int, work: Callable[[], object]) -> Run:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return Run(emails, time.perf_counter() - wall, time.process_time() - cpu)


def measure(accepted) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from countries.models import Country, CountryUpdate
    from countries.services import country_update_record
    from subscriptions import emails, tasks
    from subscriptions.models import Delivery, Subscription

    call_command("migrate", verbosity=0)
    CountryUpdate.objects.all().delete()
    Subscription.objects.all().delete()

    def country_with_subscribers(iso2: str, iso3: str, count: int) -> Country:
        country, _ = Country.objects.get_or_create(
            iso3=iso3,
            defaults={
                "name": f"Benchmark {iso3}",
                "slug": f"benchmark-{iso3.lower()}",
                "iso2": iso2,
                "latitude": 0,
                "longitude": 0,
            },
        )
        Subscription.objects.bulk_create(
            [
                Subscription(
                    email=f"reader{n}@{iso3.lower()}.example.org",
                    country=country,
                    status=Subscription.Status.ACTIVE,
                    confirmed_at=timezone.now(),
                )
                for n in range(count)
            ],
            batch_size=2000,
        )
        return country

    large = country_with_subscribers("XL", "XLG", LARGE)
    small = country_with_subscribers("XS", "XSM", SMALL)

    def record(country: Country) -> CountryUpdate:
        return country_update_record(
            country=country,
            summary='2018: added Co-Chair in RT 2.1 "Migration and development"',
            source=CountryUpdate.Source.ADMIN,
        )

    def check_all_sent(update: CountryUpdate, accepted_before: int) -> None:
        expected = update.deliveries.count()
        sent = update.deliveries.filter(status=Delivery.Status.SENT).count()
        if sent != expected or accepted.value - accepted_before != expected:
            raise SystemExit(f"Lost mail: {sent} marked, {accepted.value - accepted_before} got.")

    def worker(update: CountryUpdate) -> None:
        before = accepted.value
        tasks.send_update_notifications.call(update.pk)
        check_all_sent(update, before)

    def peak_memory(country: Country) -> int:
        update = record(country)
        tracemalloc.start()
        worker(update)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    worker(record(small))  # warm-up: templates, connections

    start = time.perf_counter()
    update = record(large)
    fan_out = time.perf_counter() - start
    ours = timed(LARGE, lambda: worker(update))

    subscriptions = list(Subscription.objects.filter(country=large).select_related("country"))
    notifications = emails.Notifications()
    messages = [notifications.update(subscription, update) for subscription in subscriptions]
    port = int(os.environ["EMAIL_PORT"])

    def raw_send(payloads: Iterable[tuple[str, list[str], bytes]]) -> None:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for from_email, recipients, payload in payloads:
                smtp.sendmail(from_email, recipients, payload)

    def serialised(message) -> tuple[str, list[str], bytes]:
        return message.from_email, message.recipients(), message.message().as_bytes(linesep="\r\n")

    ready = [serialised(message) for message in messages]
    raw = timed(LARGE, lambda: raw_send(ready))
    composing = timed(LARGE, lambda: raw_send(serialised(m) for m in messages))

    peak_small, peak_large = peak_memory(small), peak_memory(large)

    print(f"Fan-out of one update to {LARGE:,} subscribers; {connection.vendor}; SMTP sink:")
    print("aiosmtpd on 127.0.0.1 in its own process. Same run, same messages.")
    print(f"writing the {LARGE:,} deliveries in the update's transaction: {fan_out:.2f} s")
    print(raw.line("raw smtplib, messages already serialised"))
    print(composing.line("raw smtplib, serialising each message", raw))
    threads = settings.SUBSCRIPTIONS_SENDER_THREADS
    print(ours.line(f"worker ({threads} threads: claim, render, send, mark)", raw))
    verdict = "under" if ours.wall < 60 else "NOT under"
    print(f"worker: {LARGE:,} emails in {ours.wall:.1f} s ({verdict} 60 s)")
    print(
        f"worker peak memory (tracemalloc), {SMALL:>6,} subscribers: {peak_small / 2**20:5.2f} MiB"
    )
    print(
        f"worker peak memory (tracemalloc), {LARGE:>6,} subscribers: {peak_large / 2**20:5.2f} MiB"
    )


if __name__ == "__main__":
    main()
