"""Full-text search: the stored vector, its trigger, word forms and ranking (PostgreSQL only)."""

from __future__ import annotations

import datetime
import random

import pytest
from django.db import connection, transaction
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practices import search as practice_search
from practices.filters import PracticeFilter
from practices.models import PracticeSubmission, Theme
from practices.resources import PracticeResource
from practices.services import practice_publish
from tests.admin_forms import form_data
from tests.factories import CountryFactory, ForumYearFactory, PracticeFactory, ThemeFactory
from tests.importing import run_import

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


@pytest.fixture
def varied_catalogue(db):
    """120 practices, drawn at random with a fixed seed: 0 to 3 countries of three regions
    (and one of none), 0 to 2 themes, a forum year or none, shared and missing publication
    dates, keywords in titles or descriptions, and some not published."""
    rng = random.Random(14)
    countries = [
        CountryFactory(name=name, iso3=iso3, region=region)
        for name, iso3, region in [
            ("Aland", "ALA", "Europe"),
            ("Belize", "BLZ", "Americas"),
            ("Chad", "TCD", "Africa"),
            ("Denmark", "DNK", "Europe"),
            ("Eritrea", "ERI", "Africa"),
            ("Fiji", "FJI", ""),
        ]
    ]
    themes = [ThemeFactory(name=f"Theme {n}") for n in range(4)]
    years = [ForumYearFactory(label=str(year), sort_year=year) for year in (2012, 2016, 2019)]
    words = ["migrants", "remittances", "hydroponics", "diaspora", "skills", "returning"]
    for n in range(120):
        title_words = rng.sample(words, rng.randint(0, 2))
        PracticeFactory(
            title=f"Practice {n} {' '.join(title_words)}".strip(),
            description=f"<p>{' '.join(rng.choices(words, k=rng.randint(0, 4)))}</p>",
            countries=rng.sample(countries, rng.randint(0, 3)),
            themes=rng.sample(themes, rng.randint(0, 2)),
            forum_year=rng.choice([*years, None]),
            submitted_on=datetime.date(rng.choice([2011, 2015, 2018, 2022]), 1, 1),
            published_on=rng.choice([datetime.date(2020, 1, 1), datetime.date(2021, 5, 1), None]),
            status=rng.choice([PracticeSubmission.Status.PUBLISHED] * 5 + ["pending"]),
        )


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=migrants",
        "q=hydroponics",
        "q=migrants+skills",
        "q=migrants&sort=newest",
        "q=diaspora&sort=title",
        "sort=title",
        "country=TCD&country=DNK",
        "q=migrants&country=TCD&theme=theme-1&theme=theme-2",
        "q=remittances&region=Europe",
        "region=Africa&country=BLZ",
        "q=migrants&forum_year=2016&region=Americas",
        "theme=theme-0&forum_year=2012&submitted_from=2015&submitted_to=2018",
        "q=returning&country=ALA&country=FJI&region=Africa&theme=theme-3&forum_year=2019",
        "q=nothingmatches",
        "q=the",  # stop words only: an empty query, matched by no index entry
        "q=-migrants",  # a negation: the index read whole
    ],
)
def test_one_query_summary_equals_the_orm_queries(varied_catalogue, query):
    """PracticeFilter.summary (one query, the match evaluated once) gives the count, the
    first results in order and every facet count exactly as the plain ORM queries do."""
    assert_summary_equals_the_orm(query)


def assert_summary_equals_the_orm(query: str) -> list[int]:
    """Summary (over the narrow copy) and ORM (over the practice and link tables) agree on
    the count, first ids and facets of `query`; returns the ids."""
    summary_filter = PracticeFilter(QueryDict(query), queryset=PracticeSubmission.objects.all())
    orm_filter = PracticeFilter(QueryDict(query), queryset=PracticeSubmission.objects.all())
    summary_filter.queryset = orm_filter.queryset = PracticeSubmission.objects.published()

    summary = summary_filter.summary(limit=7)

    assert summary.total == orm_filter.qs.count()
    assert summary.ids == list(orm_filter.qs.values_list("pk", flat=True)[:7])
    assert summary.facets == orm_filter.facets()
    return summary.ids


# The narrow copy the summary reads (migration 0010) follows every write path.
SEARCHES = ["", "q=migrants", "country=MAR", "country=TUN", "region=Africa", "theme=remittances"]


def found_by(practice: PracticeSubmission) -> list[str]:
    """The SEARCHES that find `practice`, each checked against the ORM on the way."""
    return [query for query in SEARCHES if practice.pk in assert_summary_equals_the_orm(query)]


@pytest.fixture
def linked(world):
    world["MAR"].region, world["TUN"].region = "Africa", ""
    world["MAR"].save()
    world["TUN"].save()
    practice = PracticeFactory(title="Migrants abroad", countries=[world["MAR"]])
    practice.themes.set(Theme.objects.filter(slug="remittances"))
    assert found_by(practice) == [
        "",
        "q=migrants",
        "country=MAR",
        "region=Africa",
        "theme=remittances",
    ]
    return practice


def test_an_admin_edit_of_countries_and_themes_shows_in_the_summary(linked, world, staff, client):
    client.force_login(staff)
    url = reverse("admin:practices_practicesubmission_change", args=[linked.pk])
    data = form_data(client.get(url), "practicesubmission_form")
    data["countries"] = [str(world["TUN"].pk)]
    data["themes"] = []
    data["title"] = ["Skills abroad"]
    assert client.post(url, data).status_code == 302
    assert found_by(linked) == ["", "country=TUN"]  # (the status moves by moderation only)


def test_an_import_of_countries_themes_and_status_shows_in_the_summary(linked, staff):
    header = "slug,title,description,countries,themes,submitted_by_name,status,published_on\n"
    row = f"{linked.slug},Migrants abroad,<p>Text</p>,TUN,,Ana,Published,2020-06-01\n"
    run_import(PracticeResource, (header + row).encode(), user=staff)
    assert found_by(linked) == ["", "q=migrants", "country=TUN"]

    row = row.replace("Published,2020-06-01", "Pending moderation,")
    run_import(PracticeResource, (header + row).encode(), user=staff)
    assert found_by(linked) == []


def test_moderation_shows_in_the_summary(linked, moderator_client):
    changelist = reverse("admin:practices_practicesubmission_changelist")
    reject = {"action": "reject_selected", "_selected_action": [linked.pk], "apply": "1"}
    moderator_client.post(changelist, {**reject, "reason": "Withdrawn by its authors."})
    assert found_by(linked) == []

    linked.status, linked.rejection_reason = PracticeSubmission.Status.PENDING, ""
    linked.save()
    publish = {"action": "publish_selected", "_selected_action": [linked.pk]}
    moderator_client.post(changelist, publish)
    assert "region=Africa" in found_by(linked)


def test_regions_links_and_deletions_show_in_the_summary(linked, world):
    CountryFactory(region="Africa")  # still a region to choose (unknown choices are ignored)
    world["MAR"].region = "Arab States"
    world["MAR"].save()
    assert found_by(linked) == ["", "q=migrants", "country=MAR", "theme=remittances"]
    assert assert_summary_equals_the_orm("region=Arab+States") == [linked.pk]

    linked.countries.add(world["TUN"])
    linked.themes.clear()
    assert found_by(linked) == ["", "q=migrants", "country=MAR", "country=TUN"]

    world["MAR"].delete()  # (its code is then no choice: "country=MAR" would be ignored)
    assert_summary_equals_the_orm("")
    search = PracticeFilter(QueryDict(""), queryset=PracticeSubmission.objects.published())
    assert [choice.value for choice in search.summary(limit=7).facets["country"]] == ["TUN"]
    PracticeSubmission.objects.filter(pk=linked.pk).delete()
    assert found_by(linked) == []


def test_the_summary_matches_the_keyword_once_in_the_narrow_copy(varied_catalogue):
    """One query, over the published practices' narrow copy: neither the wide practice table
    nor the link tables are read, and the keyword is matched once."""
    search = PracticeFilter(
        QueryDict("q=migrants&country=TCD&region=Europe&theme=theme-1&forum_year=2016"),
        queryset=PracticeSubmission.objects.published(),
    )
    search.selected  # noqa: B018  (the form's choices are read first: countries, themes)
    with CaptureQueriesContext(connection) as queries:
        search.summary(limit=10)

    [summary_sql] = [q["sql"] for q in queries if "practices_publishedsearch" in q["sql"]]
    assert summary_sql.count("@@") == 1
    practice_tables = [
        PracticeSubmission._meta.db_table,
        PracticeSubmission.countries.through._meta.db_table,
        PracticeSubmission.themes.through._meta.db_table,
    ]
    assert not [t for t in practice_tables for q in queries if f'"{t}"' in q["sql"]]


@pytest.mark.parametrize("query", ["q=migrants&theme=theme-1", "country=TCD&forum_year=2016"])
def test_the_summary_reads_the_narrow_copy_through_an_index(varied_catalogue, query):
    """The matches come from the GIN index with a keyword and the covering index without, as
    the summary's settings make the planner choose; a small table would otherwise be read
    whole (a sequential scan, as at full scale where it was slower)."""
    search = PracticeFilter(QueryDict(query), queryset=PracticeSubmission.objects.published())
    search.selected  # noqa: B018  (the form's choices are read first: countries, themes)
    with CaptureQueriesContext(connection) as queries:
        search.summary(limit=10)

    [settings_sql] = [q["sql"] for q in queries if "set_config" in q["sql"]]
    [summary_sql] = [q["sql"] for q in queries if "practices_publishedsearch" in q["sql"]]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(settings_sql)
        cursor.execute(f"EXPLAIN {summary_sql}")
        plan = "\n".join(row for (row,) in cursor.fetchall())
    assert "Seq Scan on practices_publishedsearch" not in plan
    index = "vector" if "q=" in query else "covering"
    assert f"Scan using practices_publishedsearch_{index}" in plan or (
        f"Bitmap Index Scan on practices_publishedsearch_{index}" in plan
    )


@pytest.mark.django_db(transaction=True)
def test_the_combination_keys_are_filled_for_practices_published_before_them():
    """Migration 0011 gives the rows already in the copy their theme and region keys (the
    summary groups by them), and the way back drops them; the summary agrees with the ORM
    on both sides."""
    from django.db.migrations.executor import MigrationExecutor

    def migrate(target: str) -> None:
        MigrationExecutor(connection).migrate([("practices", target)])

    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        africa = CountryFactory(iso3="TCD", region="Africa")
        europe = CountryFactory(iso3="DNK", region="Europe")
        themes = [ThemeFactory(name=f"Theme {n}") for n in range(2)]
        migrate("0010_published_search")
        for n, countries in enumerate([[africa], [africa, europe], []]):
            PracticeFactory(title=f"Migrants {n}", countries=countries, themes=themes[:n])

        migrate("0011_publishedsearch_combination_keys")

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM practices_publishedsearch"
                " WHERE theme_key = theme_ids::text AND region_key = regions::text"
            )
            assert cursor.fetchone() == (3,)
        for query in ("", "q=migrants&region=Africa", "theme=theme-1", "country=DNK"):
            assert_summary_equals_the_orm(query)

        migrate("0010_published_search")
        assert "theme_key" not in {
            column.name
            for column in connection.introspection.get_table_description(
                connection.cursor(), "practices_publishedsearch"
            )
        }
    finally:
        MigrationExecutor(connection).migrate(latest)
