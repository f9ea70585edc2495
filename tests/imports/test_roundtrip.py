"""Export every resource in every format and import the file back: nothing may change."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.forms.models import model_to_dict

from countries.models import (
    Attendance,
    Contribution,
    Country,
    ForumYear,
    Roundtable,
    RoundtableRole,
    ThematicMeeting,
    ThematicMeetingParticipation,
)
from countries.resources import (
    AttendanceResource,
    ContributionResource,
    CountryResource,
    ForumYearResource,
    RoundtableResource,
    RoundtableRoleResource,
    ThematicMeetingParticipationResource,
    ThematicMeetingResource,
)
from imports.formats import CSV, FORMATS, JSON, XLSX
from practices.models import PracticeSubmission, Theme
from practices.resources import PracticeResource, ThemeResource
from tests import factories
from tests.importing import run_import

RESOURCES = [
    (CountryResource, Country),
    (ForumYearResource, ForumYear),
    (RoundtableResource, Roundtable),
    (RoundtableRoleResource, RoundtableRole),
    (AttendanceResource, Attendance),
    (ThematicMeetingResource, ThematicMeeting),
    (ThematicMeetingParticipationResource, ThematicMeetingParticipation),
    (ContributionResource, Contribution),
    (ThemeResource, Theme),
    (PracticeResource, PracticeSubmission),
]


@pytest.fixture
def profile_data(world):
    """At least one record of every kind, with the awkward values: empty cells, negative
    coordinates, text that looks like a formula, an unnumbered session, a note alone."""
    morocco, tunisia, year = world["MAR"], world["TUN"], world["2011"]
    Country.objects.filter(pk=morocco.pk).update(longitude=Decimal("-5.5"), latitude=32)
    year.chairs.set([morocco, tunisia])
    numbered = factories.RoundtableFactory(forum_year=year, number="1.2", title="=Labour")
    factories.RoundtableFactory(forum_year=year, number="", title="Platform for Partnerships")
    factories.RoundtableRoleFactory(country=morocco, roundtable=numbered)
    factories.RoundtableRoleFactory(
        country=tunisia,
        roundtable=None,
        forum_year=year,
        role=RoundtableRole.Role.COORDINATOR,
        session="the Roundtable Team Consultations",
    )
    factories.RoundtableRoleFactory(
        country=tunisia,
        roundtable=None,
        forum_year=world["2012"],
        role=RoundtableRole.Role.NO_PARTICIPATION,
    )
    factories.AttendanceFactory(country=morocco, forum_year=year, attended_meeting=True)
    factories.AttendanceFactory(country=tunisia, forum_year=year, contribution_recorded=False)
    meeting = factories.ThematicMeetingFactory(forum_year=year, host_country=morocco)
    factories.ThematicMeetingFactory(forum_year=year, start_date=None, end_date=None, city="")
    factories.ThematicMeetingParticipationFactory(meeting=meeting, country=tunisia)
    factories.ContributionFactory(country=morocco, forum_year=year, note="Left-over")
    factories.ContributionFactory(
        country=tunisia, forum_year=year, amount=None, currency="", note="In kind: a venue"
    )
    theme = factories.ThemeFactory(name="Labour migration", slug="labour-migration")
    factories.PracticeFactory(
        title="@home: returning migrants",
        description="<p>Two lines</p>\n<ul><li>one</li></ul>",
        partners="IOM\nILO",
        countries=[morocco, tunisia],
        themes=[theme],
        forum_year=year,
        start_year=2010,
        url="https://example.org/practice",
    )
    factories.PracticeFactory(
        status=PracticeSubmission.Status.PENDING, published_on=None, submitted_on=None
    )


def export(resource_class, file_format) -> bytes:
    """As the admin's export does: native values for a workbook, text for the rest."""
    file_format = file_format()
    native = file_format.is_binary()
    data = file_format.export_data(resource_class().export(force_native_type=native))
    return data if isinstance(data, bytes) else data.encode()


def stored(model) -> list[dict]:
    return [model_to_dict(obj) for obj in model.objects.order_by("pk")]


@pytest.mark.parametrize("file_format", FORMATS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(("resource_class", "model"), RESOURCES, ids=lambda r: r.__name__)
def test_an_export_imports_back_unchanged(profile_data, resource_class, model, file_format):
    before = stored(model)
    history_before = model.history.count()
    content = export(resource_class, file_format)

    preview, confirmed = run_import(resource_class, content, file_format)

    assert preview.error_messages() == []
    assert {row.status for row in preview.preview()} == {"unchanged"}
    assert len(preview.preview()) == model.objects.count() > 0
    assert confirmed.counts()["unchanged"] == model.objects.count()
    assert stored(model) == before
    assert model.history.count() == history_before


def test_every_format_escapes_formulas_and_keeps_numbers(profile_data):
    """The roundtable title "=Labour" and the practice title "@home: …" must reach a
    spreadsheet as text; the negative longitude stays a number."""
    csv_text = export(RoundtableResource, CSV).decode()
    assert "'=Labour" in csv_text

    rows = json.loads(export(PracticeResource, JSON))
    assert "'@home: returning migrants" in [row["title"] for row in rows]

    book = openpyxl.load_workbook(io.BytesIO(export(CountryResource, XLSX)))
    sheet = book.active
    headers = [cell.value for cell in sheet[1]]
    morocco = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "MAR")
    assert morocco[headers.index("longitude")] == -5.5
    assert morocco[headers.index("latitude")] == 32

    titles = [
        row[2]
        for row in openpyxl.load_workbook(
            io.BytesIO(export(RoundtableResource, XLSX))
        ).active.iter_rows(values_only=True)
    ]
    assert "'=Labour" in titles
    cells = openpyxl.load_workbook(io.BytesIO(export(RoundtableResource, XLSX))).active
    assert all(cell.data_type != "f" for row in cells.iter_rows() for cell in row)


def test_dates_leave_as_dates_in_xlsx(profile_data):
    sheet = openpyxl.load_workbook(io.BytesIO(export(ThematicMeetingResource, XLSX))).active
    headers = [cell.value for cell in sheet[1]]
    dates = [
        row[headers.index("start_date")] for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert datetime.datetime(2011, 6, 14) in dates
