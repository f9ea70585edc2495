"""The practices' part of a country page, given to countries without countries importing
practices: the list on the page and the lines of the page's snapshot."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template

from countries.profile import countries_shown_with, profile_lines
from practices.models import PracticeSubmission
from practices.profile import PRACTICES_SECTION, country_practice_lines
from practices.templatetags.practice_tags import country_practices
from tests.factories import CountryFactory, PracticeFactory

pytestmark = pytest.mark.django_db


def test_snapshot_lines_are_the_published_practices_by_title(morocco):
    PracticeFactory(title="Skills", countries=[morocco])
    PracticeFactory(title="Bonds", countries=[morocco])
    PracticeFactory(title="Pending", countries=[morocco], status=PracticeSubmission.Status.PENDING)
    elsewhere = CountryFactory()
    PracticeFactory(title="Elsewhere", countries=[elsewhere])

    lines = [(PRACTICES_SECTION, '"Bonds"'), (PRACTICES_SECTION, '"Skills"')]
    assert country_practice_lines([morocco, elsewhere]) == {
        morocco.pk: lines,
        elsewhere.pk: [(PRACTICES_SECTION, '"Elsewhere"')],
    }
    # Registered with countries when the app is ready: part of every country's snapshot.
    assert profile_lines(morocco)[-2:] == lines


def test_countries_shown_with_a_practice_are_its_countries(morocco):
    tunisia = CountryFactory(name="Tunisia")
    practice = PracticeFactory(countries=[morocco, tunisia])

    assert countries_shown_with(practice) == {morocco.pk, tunisia.pk}
    assert countries_shown_with(PracticeSubmission()) == set()


def test_country_practices_tag_lists_the_published_ones_newest_first(morocco):
    PracticeFactory(title="Older", countries=[morocco], submitted_on=datetime.date(2019, 1, 1))
    PracticeFactory(title="Newer", countries=[morocco], submitted_on=datetime.date(2021, 1, 1))
    PracticeFactory(title="Pending", countries=[morocco], status=PracticeSubmission.Status.PENDING)
    html = Template("{% load practice_tags %}{% country_practices country %}").render(
        Context({"country": morocco})
    )

    assert "Pending" not in html
    assert html.index("Newer") < html.index("Older")


def test_country_practices_tag_picks_the_newest_as_the_database_orders_them(morocco):
    """The tag's SQL picks the newest in NEWEST_FIRST's order, dates equal or missing
    included, and counts every published one."""
    D = datetime.date
    for published_on in [None, D(2020, 5, 1), D(2021, 1, 1), D(2020, 5, 1), None, D(2019, 12, 31)]:
        PracticeFactory(countries=[morocco], published_on=published_on)
    PracticeFactory(countries=[CountryFactory()], published_on=D(2030, 1, 1))  # not Morocco's
    context = country_practices(morocco, limit=5)
    expected = PracticeSubmission.objects.published().for_country(morocco).newest_first()[:5]
    assert [practice.pk for practice in context["practices"]] == [p.pk for p in expected]
    assert context["total"] == 6
