from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from countries.models import RoundtableRole, ThematicMeetingParticipation
from practices.models import PracticeSubmission
from tests import factories


@pytest.fixture(autouse=True)
def empty_cache():
    """Throttle counters and built downloads live in the cache: each test starts without."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dataset(db):
    """A known small data set: two countries, two forum years, one record of every kind,
    a published practice and a pending one (which no download or answer may show)."""
    morocco = factories.CountryFactory(
        name="Morocco",
        slug="morocco",
        official_name="Kingdom of Morocco",
        iso2="MA",
        iso3="MAR",
        latitude=Decimal("32"),
        longitude=Decimal("-5"),
        region="Africa",
        subregion="Northern Africa",
    )
    tunisia = factories.CountryFactory(
        name="Tunisia",
        slug="tunisia",
        official_name="Republic of Tunisia",
        iso2="TN",
        iso3="TUN",
        latitude=Decimal("34"),
        longitude=Decimal("9"),
        region="Africa",
        subregion="Northern Africa",
    )
    y2011 = factories.ForumYearFactory(
        label="2011",
        sort_year=2011,
        summit_city="Geneva",
        summit_start=datetime.date(2011, 12, 1),
        summit_end=datetime.date(2011, 12, 2),
    )
    y2011.chairs.set([morocco])
    y2012 = factories.ForumYearFactory(
        label="2012", sort_year=2012, summit_city="Port Louis", summit_start=None, summit_end=None
    )
    labour = factories.RoundtableFactory(forum_year=y2011, number="1.2", title="=Labour mobility")
    factories.RoundtableRoleFactory(
        country=morocco, roundtable=labour, role=RoundtableRole.Role.CO_CHAIR
    )
    factories.RoundtableRoleFactory(
        country=tunisia,
        roundtable=None,
        forum_year=y2011,
        role=RoundtableRole.Role.COORDINATOR,
        session="the Roundtable Team Consultations",
    )
    factories.AttendanceFactory(
        country=morocco, forum_year=y2011, attended_meeting=True, attended_summit=True
    )
    factories.AttendanceFactory(
        country=tunisia,
        forum_year=y2012,
        attended_summit=False,
        attended_prep_meetings=True,
        contribution_recorded=False,
    )
    skills = factories.ThematicMeetingFactory(
        forum_year=y2011, title="Skills", city="Rabat", host_country=morocco
    )
    factories.ThematicMeetingParticipationFactory(
        meeting=skills, country=morocco, role=ThematicMeetingParticipation.Role.CO_CHAIR
    )
    factories.ContributionFactory(country=morocco, forum_year=y2011, amount=Decimal("50000"))
    factories.ContributionFactory(
        country=tunisia, forum_year=y2012, amount=None, currency="", note="In kind: a venue"
    )
    theme = factories.ThemeFactory(name="Labour migration", slug="labour-migration")
    published = factories.PracticeFactory(
        title="Circular migration",
        slug="circular-migration",
        partners="IOM\nILO",
        countries=[morocco],
        themes=[theme],
        forum_year=y2011,
        start_year=2010,
        url="https://example.org/circular",
        submitter_email="secret@example.org",
    )
    pending = factories.PracticeFactory(
        title="Secret draft",
        slug="secret-draft",
        countries=[tunisia],
        status=PracticeSubmission.Status.PENDING,
        published_on=None,
        submitter_email="draft@example.org",
    )
    update = factories.CountryUpdateFactory(country=morocco, summary="2011: added Attended Summit")
    return {
        "MAR": morocco,
        "TUN": tunisia,
        "2011": y2011,
        "2012": y2012,
        "published": published,
        "pending": pending,
        "update": update,
    }
