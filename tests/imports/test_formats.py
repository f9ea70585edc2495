"""Files that used to lose data silently: each is refused with a message naming the cell,
sheet, column or row, and nothing is written. The files are made here, as people make them:
CSV text, workbooks written by openpyxl (formulas included), JSON."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from countries.models import Attendance, Contribution, CountryUpdate
from countries.resources import AttendanceResource
from imports.formats import CSV, XLSX, ImportFileError
from tests.importing import XLSX_FORMAT, run_import, upload

ATTENDANCE = [
    "country",
    "forum_year",
    "attended_meeting",
    "attended_prep_meetings",
    "attended_summit",
]


def workbook(*sheets: tuple[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def test_a_formula_without_a_computed_value_is_an_error_naming_its_cell(client, staff, world):
    content = workbook(
        (
            "contributions",
            [
                ["country", "forum_year", "amount", "currency", "note"],
                ["MAR", "2011", "=1+1", "USD", ""],
            ],
        )
    )

    with pytest.raises(ImportFileError) as error:
        XLSX().create_dataset(content)

    assert str(error.value) == (
        "Sheet 'contributions', cell C2: a formula without a computed value; save the file "
        "in a spreadsheet program or type the value."
    )
    client.force_login(staff)
    response = upload(client, "admin:countries_contribution_import", content, "c.xlsx", XLSX_FORMAT)
    assert "Sheet &#x27;contributions&#x27;, cell C2: a formula without" in response.text
    assert "confirm_form" not in response.context
    assert Contribution.objects.count() == 0


def test_a_formula_with_its_computed_value_is_read_as_that_value(world):
    """As a spreadsheet program saves it: the formula and the value it shows."""
    content = workbook(("contributions", [["amount"], ["=1+1"]]))
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.active["A2"].value == "=1+1"
    # openpyxl cannot save a cached value; a workbook saved by a spreadsheet program has
    # <v>2</v> beside <f>1+1</f>. Write one by hand.
    source = zipfile.ZipFile(io.BytesIO(content))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>1+1</f><v></v>", b"<f>1+1</f><v>2</v>").replace(
                    b"<f>1+1</f>", b"<f>1+1</f><v>2</v>"
                )
            target.writestr(item, data)

    dataset = XLSX().create_dataset(output.getvalue())

    assert list(dataset) == [(2,)]


def test_an_unknown_column_is_an_error_with_the_nearest_name(world):
    content = (",".join([*ATTENDANCE[:4], "attended_sumit"]) + "\nMAR,2011,yes,no,yes\n").encode()

    preview, confirmed = run_import(AttendanceResource, content)

    assert preview.error_messages() == [
        'The file has a column "attended_sumit" (did you mean "attended_summit"?) that is not '
        "imported here. Correct its name or remove it; the columns are: country, forum_year, "
        "attended_meeting, attended_prep_meetings, attended_summit, contribution_recorded."
    ]
    assert confirmed is None
    assert Attendance.objects.count() == 0


def test_csv_rows_are_numbered_as_the_spreadsheet_shows_them_blank_rows_included(world):
    content = (
        ",".join(ATTENDANCE) + "\nMAR,2011,yes,no,yes\n\n,,,,\nTUN,2011,perhaps,no,no\n"
    ).encode()

    preview, confirmed = run_import(AttendanceResource, content)

    assert preview.error_messages() == [
        "row 5: column \"attended_meeting\": 'perhaps' is not yes or no"
    ]
    assert [row.label for row in preview.preview()] == ["row 2", "row 5"]
    assert confirmed is None


def test_xlsx_rows_are_numbered_as_the_spreadsheet_shows_them_blank_rows_included(world):
    content = workbook(
        (
            "attendance",
            [ATTENDANCE, ["MAR", "2011", "yes", "no", "yes"], [], [None, None], ["XXX", "2011"]],
        )
    )

    preview, confirmed = run_import(AttendanceResource, content, XLSX)

    assert preview.error_messages() == ["row 5: unknown country code 'XXX'"]
    assert confirmed is None


def test_a_repeated_row_names_the_rows_as_the_spreadsheet_shows_them(world):
    content = (",".join(ATTENDANCE) + "\nMAR,2011,yes,no,yes\n\nMAR,2011,no,no,no\n").encode()

    preview, _confirmed = run_import(AttendanceResource, content)

    assert preview.error_messages() == ["row 4: repeats row 2 (same country, forum_year)"]


@pytest.mark.parametrize(
    ("separator", "name"), [(";", "semicolons"), ("\t", "tabs")], ids=["semicolon", "tab"]
)
def test_a_csv_separated_otherwise_says_so(world, separator, name):
    content = (separator.join(ATTENDANCE) + "\n" + separator.join(["MAR", "2011"]) + "\n").encode()

    with pytest.raises(ImportFileError) as error:
        CSV(encoding="utf-8-sig").create_dataset(content)

    assert str(error.value) == (
        f"This file seems to be separated by {name}; save it as comma-separated CSV "
        '("CSV UTF-8 (comma delimited)") and upload that.'
    )
    assert CountryUpdate.objects.count() == 0
