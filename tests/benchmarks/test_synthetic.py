"""The benchmarks' data generator at a small scale: what it makes, and the same every time."""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction

from benchmarks import synthetic
from countries.models import (
    Attendance,
    Contribution,
    Country,
    ForumYear,
    RoundtableRole,
    ThematicMeeting,
    ThematicMeetingParticipation,
)
from practices.models import PracticeSubmission
from subscriptions.models import Subscription

SMALL = synthetic.Scale(practices=40, subscribers=25)


class Rollback(Exception):
    pass


def snapshot() -> dict[str, list[tuple]]:
    """What was generated, by natural keys (no ids, no timestamps)."""
    rows = {
        "attendance": (
            Attendance.objects.values_list(
                "country__iso3",
                "forum_year__label",
                "attended_meeting",
                "attended_prep_meetings",
                "attended_summit",
            )
        ),
        "roles": (
            RoundtableRole.objects.values_list(
                "country__iso3", "forum_year__label", "role", "roundtable__number", "session"
            )
        ),
        "meetings": (
            ThematicMeeting.objects.values_list(
                "forum_year__label", "title", "kind", "start_date", "city", "host_country__iso3"
            )
        ),
        "participations": (
            ThematicMeetingParticipation.objects.values_list(
                "country__iso3", "meeting__title", "meeting__forum_year__label", "role"
            )
        ),
        "contributions": (
            Contribution.objects.values_list(
                "country__iso3", "forum_year__label", "amount", "currency", "earmarked", "note"
            )
        ),
        "practices": (
            (
                p.slug,
                p.title,
                p.description,
                p.status,
                p.forum_year_id and p.forum_year.label,
                sorted(c.iso3 for c in p.countries.all()),
                sorted(t.slug for t in p.themes.all()),
            )
            for p in PracticeSubmission.objects.prefetch_related("countries", "themes")
            .select_related("forum_year")
            .filter(slug__startswith=synthetic.SLUG_PREFIX)
        ),
        "subscriptions": (
            Subscription.objects.values_list("email", "country__iso3", "status", "frequency")
        ),
    }
    return {name: sorted(values, key=repr) for name, values in rows.items()}


def generated(scale: synthetic.Scale) -> dict[str, list[tuple]]:
    """A snapshot of one run on the empty test database, rolled back after."""
    try:
        with transaction.atomic():
            synthetic.generate(scale, progress=lambda line: None)
            result = snapshot()
            raise Rollback
    except Rollback:
        return result


@pytest.fixture
def small_run(db):
    lines = []
    synthetic.generate(SMALL, progress=lines.append)
    return lines


def pairs_without(records, path: str) -> set[tuple[str, str]]:
    """Country and forum-year pairs that have no record in `records`."""
    everything = set(
        itertools.product(
            Country.objects.values_list("iso3", flat=True),
            ForumYear.objects.values_list("label", flat=True),
        )
    )
    return everything - set(records.values_list("country__iso3", path))


def test_every_country_has_a_full_profile_for_every_forum_year(small_run):
    assert Country.objects.count() == 249
    assert ForumYear.objects.count() == 15
    assert pairs_without(Attendance.objects, "forum_year__label") == set()
    # Morocco keeps its real profile in the years the reference data records it.
    real = {"MAR"}
    for records, path in [
        (RoundtableRole.objects, "forum_year__label"),
        (ThematicMeetingParticipation.objects, "meeting__forum_year__label"),
        (Contribution.objects, "forum_year__label"),
    ]:
        missing = pairs_without(records, path)
        assert {iso3 for iso3, _year in missing} <= real, (records.model, missing)
    per_year = RoundtableRole.objects.filter(forum_year__label="2018").count()
    assert per_year >= 2 * 248  # every country but Morocco: two roundtable roles at least


def test_practices_and_subscribers_at_the_asked_scale(small_run):
    synthetic_practices = PracticeSubmission.objects.filter(slug__startswith=synthetic.SLUG_PREFIX)
    assert synthetic_practices.count() == SMALL.practices
    assert synthetic_practices.filter(description__contains=synthetic.RARE_TERM).count() == 1
    assert synthetic_practices.filter(countries=None).count() == 0
    assert synthetic_practices.filter(themes=None).count() == 0
    assert Subscription.objects.count() == SMALL.subscribers
    assert Subscription.objects.filter(status="active").exists()
    assert any(line.startswith("Practices:") for line in small_run)


def test_a_second_run_adds_practices_and_subscribers_only(small_run):
    attendance, roles = Attendance.objects.count(), RoundtableRole.objects.count()
    synthetic.generate(synthetic.Scale(practices=5, subscribers=3), progress=lambda line: None)
    assert (Attendance.objects.count(), RoundtableRole.objects.count()) == (attendance, roles)
    synthetic_practices = PracticeSubmission.objects.filter(slug__startswith=synthetic.SLUG_PREFIX)
    assert synthetic_practices.count() == SMALL.practices + 5
    assert Subscription.objects.count() == SMALL.subscribers + 3


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    first = generated(SMALL)
    assert first == generated(SMALL)
    other = generated(synthetic.Scale(practices=SMALL.practices, subscribers=25, seed=1))
    assert other["roles"] != first["roles"]
    assert other["practices"] != first["practices"]
