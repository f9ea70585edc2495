from __future__ import annotations

import pytest

from countries.models import Attendance, Country, CountryUpdate
from countries.resources import (
    AttendanceResource,
    ContributionResource,
    CountryResource,
    RoundtableResource,
    RoundtableRoleResource,
)
from tests.factories import AttendanceFactory, RoundtableFactory, RoundtableRoleFactory
from tests.importing import run_import

pytestmark = pytest.mark.django_db

CONTRIBUTIONS = "country,forum_year,amount,currency,earmarked,note\n"


def test_an_import_records_one_country_update_per_country_touched(world, staff):
    content = (
        CONTRIBUTIONS + "MAR,2011,50000,USD,non-earmarked,\n"
        "MAR,2012,,,,In kind: a venue\n"
        "TUN,2011,48342,USD,,Left-over\n"
    ).encode()

    preview, _confirmed = run_import(ContributionResource, content, user=staff)

    assert preview.counts()["new"] == 3
    summaries = {
        update.country.iso3: update.summary
        for update in CountryUpdate.objects.filter(source=CountryUpdate.Source.IMPORT)
    }
    assert summaries == {
        "MAR": "2011: added USD 50,000 non-earmarked\n2012: added In kind: a venue",
        "TUN": "2011: added USD 48,342 (Left-over)",
    }


def test_the_preview_records_no_country_update(world):
    content = (CONTRIBUTIONS + "MAR,2011,50000,USD,,\n").encode()

    run_import(ContributionResource, content, confirm=False)

    assert not CountryUpdate.objects.exists()


def test_an_unchanged_file_records_no_country_update(world):
    content = (CONTRIBUTIONS + "MAR,2011,50000,USD,,\n").encode()
    run_import(ContributionResource, content)
    CountryUpdate.objects.all().delete()

    _preview, confirmed = run_import(ContributionResource, content)

    assert confirmed.counts()["unchanged"] == 1
    assert not CountryUpdate.objects.exists()


def test_a_renamed_roundtable_updates_the_countries_with_a_role_in_it(world):
    roundtable = RoundtableFactory(forum_year=world["2011"], number="1.2", title="Old title")
    RoundtableRoleFactory(country=world["TUN"], roundtable=roundtable)

    _preview, confirmed = run_import(
        RoundtableResource, b"forum_year,number,title\n2011,1.2,New title\n"
    )

    assert confirmed.counts()["updated"] == 1
    update = CountryUpdate.objects.get()
    assert update.country == world["TUN"]
    assert 'added Team Member in RT 1.2 "New title"' in update.summary
    assert 'removed Team Member in RT 1.2 "Old title"' in update.summary


def test_an_unnumbered_session_is_found_by_its_title(world):
    session = RoundtableFactory(forum_year=world["2011"], number="", title="Platform")
    RoundtableFactory(forum_year=world["2011"], number="", title="Another session")

    preview, _confirmed = run_import(
        RoundtableResource, b"forum_year,number,title\n2011,,Platform\n2011,,Third session\n"
    )

    assert [row.status for row in preview.preview()] == ["unchanged", "new"]
    assert session.title == "Platform"


def test_a_roundtable_is_named_by_its_number_within_the_row_year(world):
    RoundtableFactory(forum_year=world["2012"], number="1.2")
    content = (
        b"country,forum_year,role,roundtable,session\nMAR,2011,Co-Chair,1.2,\nMAR,2012,Chair,1.2,\n"
    )

    preview, _confirmed = run_import(RoundtableRoleResource, content)

    assert preview.error_messages() == [
        "row 2: unknown roundtable '1.2' in forum year 2011",
        "row 3: unknown role 'Chair' (use one of: Co-Chair, Team Member, Coordinator, "
        "Coordinator and Co-Chair, Rapporteur, No Participation)",
    ]


def test_a_country_edit_is_summarised_for_its_readers(world, staff):
    content = (
        b"iso3,iso2,name,slug,official_name,latitude,longitude\n"
        b"MAR,MA,Morocco,morocco,Kingdom of Morocco,10,20\n"
    )

    _preview, confirmed = run_import(CountryResource, content, user=staff)

    assert confirmed.counts()["updated"] == 1
    assert CountryUpdate.objects.get().summary == (
        'Official name: "Republic of Morocco" changed to "Kingdom of Morocco"'
    )
    assert world["MAR"].history.latest().history_user == staff


ATTENDANCE = (
    "country,forum_year,attended_meeting,attended_prep_meetings,attended_summit,"
    "contribution_recorded\n"
)


def test_an_import_takes_a_years_contribution_off_the_record(world, staff):
    AttendanceFactory(country=world["MAR"], forum_year=world["2011"])
    content = (ATTENDANCE + "MAR,2011,no,no,yes,no\nTUN,2011,no,no,yes,\n").encode()

    _preview, confirmed = run_import(AttendanceResource, content, user=staff)

    assert (confirmed.counts()["new"], confirmed.counts()["updated"]) == (1, 1)
    recorded = dict(Attendance.objects.values_list("country__iso3", "contribution_recorded"))
    assert recorded == {"MAR": False, "TUN": True}  # an empty cell is the default: on record
    summaries = dict(CountryUpdate.objects.values_list("country__iso3", "summary"))
    assert summaries == {
        "MAR": "2011: removed No Financial Contribution",
        "TUN": "2011: added Attended Summit",
    }


def test_a_file_without_the_column_leaves_the_flag_alone(world):
    AttendanceFactory(country=world["MAR"], forum_year=world["2011"], contribution_recorded=False)
    content = b"country,forum_year,attended_summit\nMAR,2011,yes\nTUN,2011,yes\n"

    run_import(AttendanceResource, content)

    recorded = dict(Attendance.objects.values_list("country__iso3", "contribution_recorded"))
    assert recorded == {"MAR": False, "TUN": True}


def confirm_queries(countries: int, staff, *, rows: int = 100) -> tuple[int, int]:
    """Queries of a confirmed contribution import of `rows` rows touching `countries`
    countries (each with a subscriber and a practice on its page): half the rows change a
    stored contribution, half are new. Returns them and the country updates recorded."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from countries.models import Contribution
    from imports.formats import CSV
    from tests.factories import (
        ContributionFactory,
        CountryFactory,
        ForumYearFactory,
        PracticeFactory,
        SubscriptionFactory,
    )

    old, _new = ForumYearFactory(label="2011"), ForumYearFactory(label="2012")
    codes = []
    for _ in range(countries):
        country = CountryFactory()
        SubscriptionFactory(country=country)
        PracticeFactory(countries=[country])
        codes.append(country.iso3)
    lines = []
    for i in range(rows // 2):
        country = Country.objects.get(iso3=codes[i % countries])
        ContributionFactory(country=country, forum_year=old, amount=10 + i, currency="USD")
        lines.append(f"{country.iso3},2011,{10 + i},USD,earmarked,\n")
        lines.append(f"{country.iso3},2012,{10 + i},USD,,\n")
    dataset = CSV(encoding="utf-8-sig").create_dataset((CONTRIBUTIONS + "".join(lines)).encode())
    with CaptureQueriesContext(connection) as queries:
        result = ContributionResource().import_data(dataset, dry_run=False, user=staff)
    assert not result.has_problems(), result.error_messages()
    assert (result.totals["new"], result.totals["update"]) == (rows // 2, rows // 2)
    assert Contribution.objects.filter(earmarked=Contribution.Earmarked.YES).count() == rows // 2
    return len(queries), CountryUpdate.objects.count()


@pytest.mark.parametrize("countries", [5, 50])
def test_a_confirm_costs_as_many_queries_for_50_countries_as_for_5(countries, staff):
    """The speed guard of a 10,000-row import: what a confirm reads and writes for each
    country it touches (its page before and after, its country update, the deliveries to
    its subscribers, the country its rows name) is read and written for all at once."""
    from django.db import transaction

    with transaction.atomic():
        baseline, _updates = confirm_queries(5, staff)
        transaction.set_rollback(True)
    count, updates = confirm_queries(countries, staff)

    assert updates == countries
    assert count == baseline
