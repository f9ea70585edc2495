"""Full-text search: the stored vector, its trigger, word forms and ranking (PostgreSQL only)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection

from practices import search as practice_search
from practices.models import PracticeSubmission
from practices.services import practice_publish
from tests.factories import PracticeFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="full-text search needs PostgreSQL; SQLite uses a substring match",
    ),
]


def titles(response) -> list[str]:
    return [practice.title for practice in response.context["practices"]]


def search(text: str) -> list[str]:
    return list(
        PracticeSubmission.objects.search(text).order_by("title").values_list("title", flat=True)
    )


def test_word_forms_match(db):
    PracticeFactory(title="Support for a migrant", description="<p>Helping workers.</p>")
    PracticeFactory(title="Remittances", description="<p>Sending money home cheaply.</p>")

    assert search("migrants") == ["Support for a migrant"]
    assert search("worker") == ["Support for a migrant"]
    assert search("remittance") == ["Remittances"]
    assert search("sends money") == ["Remittances"]


def test_title_ranks_above_description_and_relevance_is_the_default_order(client, db):
    PracticeFactory(
        title="Skills partnership",
        description="<p>Training for labour migration.</p>",
        published_on=datetime.date(2024, 1, 1),
    )
    PracticeFactory(
        title="Labour migration agreements",
        description="<p>Bilateral agreements.</p>",
        published_on=datetime.date(2020, 1, 1),
    )
    PracticeFactory(title="Unrelated", description="<p>Nothing here.</p>")

    response = client.get("/practices/?q=labour+migration")

    assert titles(response) == ["Labour migration agreements", "Skills partnership"]
    newest = client.get("/practices/?q=labour+migration&sort=newest")
    assert titles(newest) == ["Skills partnership", "Labour migration agreements"]


def test_partners_are_searchable_and_markup_is_not(db):
    PracticeFactory(
        title="Bonds",
        description='<p><strong>Strong</strong> results, <a href="https://x.org">link</a></p>',
        partners="World Bank",
    )

    assert search("world bank") == ["Bonds"]
    assert search("href") == []
    assert search("strong") == ["Bonds"]  # the word, not the tag


def test_websearch_syntax_phrases_and_exclusions(db):
    PracticeFactory(title="Return and reintegration of migrants")
    PracticeFactory(title="Migrants return home")

    assert search('"return and reintegration"') == ["Return and reintegration of migrants"]
    assert search("migrants -reintegration") == ["Migrants return home"]


def test_vector_stays_current_on_every_write_path(db):
    practice = PracticeFactory(title="Original title")
    PracticeSubmission.objects.bulk_create(
        [
            PracticeSubmission(
                title="Bulk loaded seasonal schemes",
                slug="bulk",
                description="<p>x</p>",
                submitted_by_name="Importer",
            )
        ]
    )
    assert search("seasonal") == ["Bulk loaded seasonal schemes"]

    PracticeSubmission.objects.filter(pk=practice.pk).update(description="<p>Climate mobility</p>")
    assert search("climate") == ["Original title"]

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE practices_practicesubmission SET title = 'Raw SQL title' WHERE id = %s",
            [practice.pk],
        )
    assert search("raw") == ["Raw SQL title"]
    assert search("original") == []


def test_search_uses_the_gin_index(db):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = PracticeSubmission.objects.search("migrants").explain()

    assert "practice_search_vector_gin" in plan


def test_stop_words_alone_find_nothing_without_error(client, db):
    PracticeFactory(title="The practice")

    response = client.get("/practices/?q=the")

    assert response.status_code == 200
    assert titles(response) == []


def test_cached_list_is_never_stale(client, db, morocco, django_assert_max_num_queries, settings):
    settings.PAGE_CACHE_SECONDS = 0  # the results' cache, under the whole page's
    old = PracticeFactory(title="Migrants first", countries=[morocco])
    url = "/practices/?q=migrants"
    assert titles(client.get(url)) == ["Migrants first"]

    with django_assert_max_num_queries(6):  # a cache hit: version, page, prefetches
        assert titles(client.get(url)) == ["Migrants first"]

    pending = PracticeFactory(
        title="Migrants second", status=PracticeSubmission.Status.PENDING, published_on=None
    )
    pending.countries.add(morocco)
    practice_publish(practice=pending)
    response = client.get(url)
    assert set(titles(response)) == {"Migrants first", "Migrants second"}
    assert response.context["facets"]["country"][0].count == 2

    morocco.name = "Kingdom of Morocco"
    morocco.save()
    assert client.get(url).context["facets"]["country"][0].label == "Kingdom of Morocco"

    PracticeSubmission.objects.filter(pk=old.pk).delete()
    assert titles(client.get(url)) == ["Migrants second"]


def test_pages_beyond_the_cached_ids_come_from_the_live_query(client, db, monkeypatch):
    monkeypatch.setattr(practice_search, "CACHED_IDS", 3)
    for number in range(7):
        PracticeFactory(title=f"Migrants {number}", published_on=datetime.date(2020, 1, 1 + number))

    response = client.get("/practices/?q=migrants&sort=newest&per_page=10")

    assert titles(response) == [f"Migrants {number}" for number in range(6, -1, -1)]
    assert response.context["paginator"].count == 7
