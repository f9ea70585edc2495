"""gfmd.services: the reference data load's file handling (the rows themselves are checked by
the admin's import resources; see test_load_gfmd_data.py and test_import_rules.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from countries.models import CountryUpdate
from countries.resources import ForumYearResource
from countries.services import CountryUpdateRecorder
from gfmd.services import (
    DEFAULT_DATA_DIR,
    DataFileError,
    data_file_import,
    display_path,
    record_lines,
)


def test_paths_inside_the_project_show_as_typed():
    path = DEFAULT_DATA_DIR / "forum_years.csv"
    assert display_path(path) == "countries/data/forum_years.csv"
    error = DataFileError(path, [(7, "unknown country code 'GRX'"), (None, "file not found")])
    assert str(error) == (
        "countries/data/forum_years.csv, line 7: unknown country code 'GRX'\n"
        "countries/data/forum_years.csv: file not found"
    )


def test_records_know_the_line_they_start_on():
    # BOM removed by the reader, CRLF, a cell over two lines, blank lines, a row of empty cells.
    text = 'a,b\r\n1,"two\r\nlines"\r\n\r\n,\r\n3,4\r\n'
    assert record_lines(text) == {1: 1, 2: 2, 3: 4, 4: 5, 5: 6}


def import_file(tmp_path: Path, content: bytes):
    path = tmp_path / "forum_years.csv"
    path.write_bytes(content)
    recorder = CountryUpdateRecorder(source=CountryUpdate.Source.DATA_LOAD)
    return data_file_import(path=path, resource=ForumYearResource(recorder=recorder))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "forum_years.csv: The file is empty."),
        (b"label,sort_year\n", "forum_years.csv, line 1: The file names its columns but has no"),
        (
            b'label,sort_year,notes\n2030,2030,"two\nlines"\n2031,x,\n',
            "forum_years.csv, line 4: column \"sort_year\": 'x' is not a whole number",
        ),
        (
            b"label,sort_year\n2030,2030\n\n2030,2031\n",
            "forum_years.csv, line 4: repeats line 2 (same label)",
        ),
    ],
    ids=["empty", "no rows", "line after a two-line cell", "repeated key"],
)
def test_problems_are_reported_by_file_and_line(tmp_path, content, message):
    with pytest.raises(DataFileError) as error:
        import_file(tmp_path, content)
    assert str(error.value).startswith(f"{tmp_path}/{message}")


@pytest.mark.django_db
def test_a_file_reports_what_it_changed(tmp_path):
    report = import_file(tmp_path, b"label,sort_year\n2030,2030\n\n2031,2031\n")
    assert str(report) == f"{tmp_path}/forum_years.csv: 2 rows, created 2, updated 0, unchanged 0"
    assert report.changes == ["line 2: created 2030", "line 4: created 2031"]
