"""The practice list's filters, facets, sorting and pagination, through query strings."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practices.filters import FacetChoice
from practices.models import PracticeSubmission
from tests.factories import ForumYearFactory, PracticeFactory

LIST = "/practices/"


def titles(response) -> list[str]:
    return [practice.title for practice in response.context["practices"]]


def facet(response, name: str) -> dict[str, tuple[int, bool]]:
    return {c.value: (c.count, c.selected) for c in response.context["facets"][name]}


@pytest.fixture
def practices(db, morocco, france, mexico, diaspora, remittances):
    """Four published practices and two that must never show."""
    morocco.region = "Africa"
    morocco.save()
    year_2018 = ForumYearFactory(label="2018", sort_year=2018)
    year_2019 = ForumYearFactory(label="2019", sort_year=2019)
    made = {
        "bonds": PracticeFactory(
            title="Diaspora bonds",
            description="<p>Bonds sold to the diaspora abroad.</p>",
            countries=[morocco],
            themes=[diaspora],
            forum_year=year_2018,
            submitted_on=datetime.date(2018, 3, 1),
            published_on=datetime.date(2018, 4, 1),
        ),
        "corridor": PracticeFactory(
            title="Cheaper remittance corridor",
            description="<p>Lower fees for migrant workers sending money.</p>",
            countries=[morocco, france],
            themes=[remittances],
            forum_year=year_2019,
            submitted_on=datetime.date(2019, 5, 1),
            published_on=datetime.date(2019, 6, 1),
        ),
        "academy": PracticeFactory(
            title="Academy for returning migrants",
            description="<p>Training for those who come back.</p>",
            countries=[mexico],
            themes=[diaspora, remittances],
            forum_year=year_2019,
            submitted_on=datetime.date(2021, 1, 10),
            published_on=datetime.date(2021, 2, 1),
        ),
        "global": PracticeFactory(
            title="Global data portal",
            description="<p>Numbers on migration.</p>",
            is_global=True,
            submitted_on=datetime.date(2023, 7, 1),
            published_on=datetime.date(2023, 7, 2),
        ),
    }
    PracticeFactory(
        title="Pending diaspora plan",
        countries=[morocco],
        themes=[diaspora],
        status=PracticeSubmission.Status.PENDING,
        published_on=None,
    )
    PracticeFactory(
        title="Rejected diaspora plan",
        countries=[morocco],
        status=PracticeSubmission.Status.REJECTED,
        published_on=None,
        rejection_reason="Duplicate",
    )
    return made


def test_lists_published_practices_only_newest_first(client, practices):
    response = client.get(LIST)

    assert titles(response) == [
        "Global data portal",
        "Academy for returning migrants",
        "Cheaper remittance corridor",
        "Diaspora bonds",
    ]
    assert response.context["paginator"].count == 4
    assert "4 practices" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=MAR", {"Diaspora bonds", "Cheaper remittance corridor"}),
        (
            "country=FRA&country=MEX",
            {"Cheaper remittance corridor", "Academy for returning migrants"},
        ),
        ("region=Europe", {"Cheaper remittance corridor"}),
        ("region=Africa", {"Diaspora bonds", "Cheaper remittance corridor"}),
        ("theme=diaspora-engagement", {"Diaspora bonds", "Academy for returning migrants"}),
        ("forum_year=2019", {"Cheaper remittance corridor", "Academy for returning migrants"}),
        (
            "submitted_from=2019&submitted_to=2021",
            {"Cheaper remittance corridor", "Academy for returning migrants"},
        ),
        ("submitted_from=2022", {"Global data portal"}),
        ("q=diaspora", {"Diaspora bonds"}),
        ("q=fees", {"Cheaper remittance corridor"}),
    ],
)
def test_each_filter_alone(client, practices, query, expected):
    assert set(titles(client.get(f"{LIST}?{query}"))) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=MAR&theme=diaspora-engagement", ["Diaspora bonds"]),
        (
            "country=MAR&country=MEX&theme=remittances&forum_year=2019",
            ["Academy for returning migrants", "Cheaper remittance corridor"],
        ),
        ("region=Africa&submitted_to=2018", ["Diaspora bonds"]),
        (
            "theme=diaspora-engagement&theme=remittances&country=FRA",
            ["Cheaper remittance corridor"],
        ),
        ("q=diaspora&country=FRA", []),
    ],
)
def test_filters_combine(client, practices, query, expected):
    assert titles(client.get(f"{LIST}?{query}")) == expected


def test_facet_counts_apply_the_other_filters_only(client, practices):
    response = client.get(f"{LIST}?theme=diaspora-engagement&country=MAR")

    # Themes: counted within Morocco's practices, ignoring the theme filter itself.
    themes = facet(response, "theme")
    assert themes["diaspora-engagement"] == (1, True)
    assert themes["remittances"] == (1, False)
    assert themes["gender"] == (0, False)
    # Countries: counted within the diaspora theme, ignoring the country filter.
    assert facet(response, "country") == {"MAR": (1, True), "MEX": (1, False)}
    # Regions and years: both filters apply.
    assert facet(response, "region") == {"Africa": (1, False)}
    assert facet(response, "forum_year") == {"2018": (1, False)}


def test_facet_counts_without_filters_count_distinct_practices(client, practices):
    response = client.get(LIST)

    assert facet(response, "country") == {
        "FRA": (1, False),
        "MEX": (1, False),
        "MAR": (2, False),
    }
    # The corridor is in Africa and Europe; it counts once for each region, not twice for Africa.
    assert facet(response, "region") == {
        "Africa": (2, False),
        "Americas": (1, False),
        "Europe": (1, False),
    }
    assert facet(response, "theme")["diaspora-engagement"] == (2, False)
    assert [c.label for c in response.context["facets"]["country"]] == [
        "France",
        "Mexico",
        "Morocco",
    ]


def test_a_chosen_choice_with_no_results_stays_visible(client, practices, france):
    response = client.get(f"{LIST}?country=FRA&theme=diaspora-engagement")

    assert titles(response) == []
    assert facet(response, "country")["FRA"] == (0, True)
    assert 'value="FRA" id="id_country_FRA" checked' in response.content.decode()


def test_facet_counts_are_rendered_beside_each_choice(client, practices):
    html = client.get(LIST).content.decode()

    assert (
        '<label for="id_theme_diaspora-engagement">Diaspora engagement <span class="count">2</span>'
        in html
    )
    assert '<option value="2019">2019 (2)</option>' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "sort=title",
            [
                "Academy for returning migrants",
                "Cheaper remittance corridor",
                "Diaspora bonds",
                "Global data portal",
            ],
        ),
        (
            "sort=newest",
            [
                "Global data portal",
                "Academy for returning migrants",
                "Cheaper remittance corridor",
                "Diaspora bonds",
            ],
        ),
        # Relevance without a keyword means newest first.
        (
            "sort=relevance",
            [
                "Global data portal",
                "Academy for returning migrants",
                "Cheaper remittance corridor",
                "Diaspora bonds",
            ],
        ),
        (
            "sort=nonsense",
            [
                "Global data portal",
                "Academy for returning migrants",
                "Cheaper remittance corridor",
                "Diaspora bonds",
            ],
        ),
    ],
)
def test_sorting(client, practices, query, expected):
    assert titles(client.get(f"{LIST}?{query}")) == expected


def test_keyword_sorts_by_relevance_by_default_title_matches_first(client, practices):
    response = client.get(f"{LIST}?q=migrants")

    assert response.context["filter"].sort == "relevance"
    assert titles(response)[0] == "Academy for returning migrants"


def test_pagination_and_page_size(client, db):
    for number in range(25):
        PracticeFactory(
            title=f"Practice {number:02}", published_on=datetime.date(2020, 1, 1 + number)
        )

    first = client.get(f"{LIST}?sort=title")
    second = client.get(f"{LIST}?sort=title&page=2")
    ten = client.get(f"{LIST}?sort=title&per_page=10&page=3")

    assert len(titles(first)) == 20
    assert titles(second) == [
        "Practice 20",
        "Practice 21",
        "Practice 22",
        "Practice 23",
        "Practice 24",
    ]
    assert titles(ten) == [f"Practice {n}" for n in range(20, 25)]
    assert 'href="?sort=title&amp;page=2"' in first.content.decode()


def test_unknown_page_size_falls_back_to_the_default(client, db):
    for number in range(21):
        PracticeFactory(title=f"Practice {number}")

    assert len(titles(client.get(f"{LIST}?per_page=100000"))) == 20
    assert len(titles(client.get(f"{LIST}?per_page=abc"))) == 20


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "country=XXX",
            "Countries: Select a valid choice. XXX is not one of the available choices.",
        ),
        ("submitted_from=twenty", "Submitted from (year): Enter a whole number."),
        ("submitted_to=1e9", "Submitted until (year): Enter a whole number."),
        (
            "submitted_from=99999999999999999999",
            "Submitted from (year): Ensure this value is less than or equal to 2100.",
        ),
        ("theme=<script>", "Themes: Select a valid choice."),
        ("forum_year=1066", "GFMD year: Select a valid choice."),
        (
            "region=Atlantis",
            "Region: Select a valid choice. Atlantis is not one of the available choices.",
        ),
        (
            "submitted_from=2020&submitted_to=2019",
            "Submitted until (year): The last year cannot come before the first.",
        ),
        (f"q={'x' * 201}", "Keyword: Ensure this value has at most 200 characters (it has 201)."),
    ],
)
def test_invalid_values_are_reported_and_ignored(client, practices, query, message):
    response = client.get(f"{LIST}?{query}&sort=title")

    assert response.status_code == 200
    assert any(error.startswith(message) for error in response.context["filter"].error_messages)
    assert "could not be used and were ignored" in response.content.decode()
    assert "<script>" not in response.content.decode().split("</header>", 1)[1]


def test_an_invalid_value_does_not_drop_the_valid_filters(client, practices):
    response = client.get(f"{LIST}?country=XXX&country=MEX&theme=remittances&submitted_from=abc")

    # The whole country field is invalid, so it is dropped; the theme still narrows.
    assert titles(response) == ["Academy for returning migrants", "Cheaper remittance corridor"]
    assert len(response.context["filter"].error_messages) == 2


def test_a_page_out_of_range_shows_the_nearest_page(client, practices):
    last = client.get(f"{LIST}?per_page=10").context["paginator"].num_pages
    assert client.get(f"{LIST}?per_page=10&page=99").context["page_obj"].number == last
    assert client.get(f"{LIST}?per_page=10&page=abc").context["page_obj"].number == 1


def test_active_filters_link_to_the_page_without_them(client, practices):
    response = client.get(f"{LIST}?country=MAR&country=FRA&q=bonds&page=1")

    active = dict(response.context["active_filters"])
    assert active["France"] == "?country=MAR&q=bonds"
    assert active["Keyword: bonds"] == "?country=MAR&country=FRA"


def test_query_count_does_not_grow_with_the_page_size(client, db, morocco, france, diaspora):
    for number in range(120):
        PracticeFactory(title=f"Practice {number}", countries=[morocco, france], themes=[diaspora])

    counts = []
    for size in (10, 100):
        cache.clear()  # the uncached path, on PostgreSQL
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{LIST}?per_page={size}&theme=diaspora-engagement&country=MAR")
        assert len(response.context["practices"]) == size
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert counts[0] <= 14


def test_facet_choice_is_a_plain_value():
    choice = FacetChoice(value="MAR", label="Morocco", count=3, selected=False)

    assert (choice.value, choice.count) == ("MAR", 3)
