from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from countries.models import Attendance, Contribution, Country, CountryUpdate, ThematicMeeting
from countries.resources import (
    AttendanceResource,
    ContributionResource,
    CountryResource,
    ThematicMeetingResource,
)
from imports.formats import (
    CSV,
    JSON,
    XLSX,
    ImportFileError,
    escape_formula,
    unescape_formula,
)
from tests.concurrency import at_once, meet_before_saving, require_postgres
from tests.factories import AttendanceFactory
from tests.importing import DATA, run_import

ATTENDANCE_HEADER = "country,forum_year,attended_meeting,attended_prep_meetings,attended_summit\n"


def written_rows() -> dict[str, int]:
    """Everything an import could write, counted, to show that a refused file wrote nothing."""
    return {
        "attendance": Attendance.objects.count(),
        "attendance history": Attendance.history.count(),
        "contributions": Contribution.objects.count(),
        "meetings": ThematicMeeting.objects.count(),
        "country updates": CountryUpdate.objects.count(),
    }


@pytest.mark.parametrize(
    ("file_name", "resource_class", "messages"),
    [
        (
            "bad_country_code.csv",
            AttendanceResource,
            ["row 4: unknown country code 'MRC'"],
        ),
        (
            "missing_column.csv",
            AttendanceResource,
            [
                'The file has no column "forum_year". The first row must name the columns; '
                "these are needed: country, forum_year."
            ],
        ),
        (
            "duplicate_row.csv",
            AttendanceResource,
            ["row 4: repeats row 2 (same country, forum_year)"],
        ),
        (
            "negative_amount.csv",
            ContributionResource,
            ['row 3: column "amount": Ensure this value is greater than or equal to 0.'],
        ),
        (
            "not_a_date.csv",
            ThematicMeetingResource,
            [
                "row 3: column \"start_date\": '31/02/2011' is not a date; "
                "write dates like 2020-05-31"
            ],
        ),
    ],
)
def test_a_bad_file_gets_its_message_and_writes_nothing(world, file_name, resource_class, messages):
    before = written_rows()
    content = (DATA / file_name).read_bytes()

    preview, confirmed = run_import(resource_class, content)

    assert preview.error_messages() == messages
    assert confirmed is None
    assert written_rows() == before


@pytest.mark.parametrize(
    ("file_name", "message"),
    [
        ("empty.csv", "The file is empty."),
        ("binary_renamed.csv", "This file is not text in UTF-8"),
    ],
)
def test_a_file_that_is_not_csv_is_refused_before_parsing(world, file_name, message):
    with pytest.raises(ImportFileError, match=message):
        CSV(encoding="utf-8-sig").create_dataset((DATA / file_name).read_bytes())


def test_an_oversized_file_is_refused_before_parsing(world):
    content = (ATTENDANCE_HEADER + "MAR,2011,yes,no,yes\n" * 300_000).encode()
    assert len(content) > 5 * 1024 * 1024

    with pytest.raises(ImportFileError, match=r"The file is 5\.7.MB; the most .* is 5\.0.MB\."):
        CSV().create_dataset(content)


def test_too_many_rows_are_refused_before_the_rows_are_read(world, settings):
    settings.IMPORT_MAX_ROWS = 3
    content = (ATTENDANCE_HEADER + "MAR,2011,yes,no,yes\n" * 4).encode()

    with pytest.raises(ImportFileError, match="more than 3 rows"):
        CSV().create_dataset(content)
    assert len(CSV().create_dataset(content.rsplit(b"MAR", 1)[0])) == 3


def xlsx_bytes(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def test_an_xlsx_that_unpacks_too_big_is_refused(settings):
    settings.IMPORT_XLSX_MAX_UNPACKED_SIZE = 1_000_000
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 2_000_000)
    assert len(bomb.getvalue()) < 10_000

    with pytest.raises(ImportFileError, match=r"unpacks to more than 976\.6.KB"):
        XLSX().create_dataset(bomb.getvalue())


def test_an_xlsx_whose_archive_lies_about_its_size_is_still_refused(settings):
    settings.IMPORT_XLSX_MAX_UNPACKED_SIZE = 1_000_000
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 2_000_000)
    # Rewrite the uncompressed size in both headers to claim 1 KB.
    data = bytearray(bomb.getvalue())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = data.index(signature)
        data[start + offset : start + offset + 4] = (1000).to_bytes(4, "little")

    with pytest.raises(ImportFileError):
        XLSX().create_dataset(bytes(data))


@pytest.mark.parametrize(
    ("file_format", "content", "message"),
    [
        (XLSX, b"country,forum_year\nMAR,2011\n", "This file is not an XLSX workbook."),
        (CSV, xlsx_bytes([["country"], ["MAR"]]), "This file is an XLSX workbook; choose"),
        (JSON, b"{not json", r"This is not valid JSON \(line 1, column 2"),
        (JSON, b'{"country": "MAR"}', "The JSON file must hold a list of records"),
        (
            CSV,
            b"country,forum_year\nMAR,2011,extra\n",
            "row 2 has more cells than the header row names",
        ),
    ],
)
def test_the_wrong_format_gets_one_clear_message(file_format, content, message):
    with pytest.raises(ImportFileError, match=message):
        file_format(encoding="utf-8-sig").create_dataset(content)


def test_a_header_without_rows_is_refused(world):
    preview, _confirmed = run_import(AttendanceResource, ATTENDANCE_HEADER.encode())

    assert preview.error_messages() == ["The file names its columns but has no rows to import."]


class TestAllOrNothing:
    """Row 1 valid, row 3 invalid: not a single row may be written."""

    content = (
        ATTENDANCE_HEADER + "MAR,2011,yes,no,yes\nTUN,2011,no,no,yes\nMAR,2012,perhaps,no,no\n"
    ).encode()

    def test_the_preview_shows_the_error_and_writes_nothing(self, world):
        preview, confirmed = run_import(AttendanceResource, self.content)

        assert preview.error_messages() == [
            "row 4: column \"attended_meeting\": 'perhaps' is not yes or no"
        ]
        assert [row.status for row in preview.preview()] == ["new", "new", "error"]
        assert confirmed is None
        assert Attendance.objects.count() == 0

    def test_importing_without_preview_writes_nothing_either(self, world):
        """The admin's confirm step imports again; the data may have changed since the
        preview. Left to its defaults, django-import-export would commit rows 1 and 2."""
        dataset = CSV(encoding="utf-8-sig").create_dataset(self.content)

        result = AttendanceResource().import_data(dataset, dry_run=False)

        assert result.has_validation_errors()
        assert Attendance.objects.count() == 0
        assert Attendance.history.count() == 0

    def test_a_broken_constraint_on_a_later_row_undoes_the_earlier_rows(self, world):
        dataset = CSV().create_dataset(
            "iso3,iso2,name,slug,latitude,longitude\n"
            "ESP,ES,Spain,spain,40,-4\n"
            "PRT,PT,Portugal,portugal,999,-8\n"  # breaks country_latitude_range
        )

        result = CountryResource().import_data(dataset, dry_run=False)

        assert result.has_problems()
        assert not Country.objects.filter(iso3__in=["ESP", "PRT"]).exists()


def test_the_preview_shows_new_updated_unchanged_and_error_per_row(world):
    AttendanceFactory(country=world["MAR"], forum_year=world["2011"], attended_summit=True)
    AttendanceFactory(country=world["TUN"], forum_year=world["2011"], attended_summit=True)
    content = (
        (
            ATTENDANCE_HEADER + "MAR,2011,no,no,yes\n"  # as stored
            "TUN,2011,yes,no,yes\n"  # attended_meeting changes
            "MAR,2012,yes,yes,yes\n"  # new
            "XXX,2012,yes,yes,yes\n"  # unknown country
        ).encode()
    )

    preview, _confirmed = run_import(AttendanceResource, content)

    rows = [(row.label, row.status, row.messages) for row in preview.preview()]
    assert rows == [
        ("row 2", "unchanged", []),
        ("row 3", "updated", []),
        ("row 4", "new", []),
        ("row 5", "error", ["unknown country code 'XXX'"]),
    ]
    assert preview.counts() == {"new": 1, "updated": 1, "unchanged": 1, "error": 1}


def test_json_records_are_counted_from_one(world):
    content = (
        b'[{"country": "MAR", "forum_year": "2011"}, {"country": "MRC", "forum_year": "2011"}]'
    )

    preview, _confirmed = run_import(AttendanceResource, content, JSON)

    assert preview.error_messages() == ["record 2: unknown country code 'MRC'"]


def test_codes_are_read_as_people_type_them(world):
    content = xlsx_bytes(
        [
            ["country", "forum_year", "attended_meeting", "attended_summit"],
            [" mar ", 2011, "Yes", True],
        ]
    )

    _preview, confirmed = run_import(AttendanceResource, content, XLSX)

    assert confirmed.counts()["new"] == 1
    attendance = Attendance.objects.get()
    assert (attendance.country.iso3, attendance.forum_year.label) == ("MAR", "2011")
    assert attendance.attended_meeting and attendance.attended_summit


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=already quoted", "''=already quoted"),
        ("-5.5", "-5.5"),
        ("+33 1 23", "'+33 1 23"),
        ("Labour mobility", "Labour mobility"),
        ("it's fine", "it's fine"),
        (-5, -5),
    ],
)
def test_formula_escaping_and_its_inverse(value, escaped):
    assert escape_formula(value) == escaped
    assert unescape_formula(escaped) == value


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_staff_importing_the_same_change_at_once_record_one_update(world, staff, monkeypatch):
    require_postgres()
    content = (
        b"iso3,iso2,name,slug,latitude,longitude,official_name\n"
        b"MAR,MA,Morocco,morocco,32,-5,Kingdom of Morocco\n"
    )
    meet_before_saving(monkeypatch, Country, parties=2)

    results = at_once(*[lambda: run_import(CountryResource, content, user=staff)] * 2)

    # The import lock makes the second wait for the first, then find the change made.
    assert sorted(confirmed.counts()["updated"] for _preview, confirmed in results) == [0, 1]
    assert list(CountryUpdate.objects.values_list("summary", flat=True)) == [
        'Official name: "Republic of Morocco" changed to "Kingdom of Morocco"\n'
        'Coordinates: "10 00 N, 20 00 E" changed to "32 00 N, 5 00 W"'
    ]
