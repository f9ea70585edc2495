from __future__ import annotations

import pytest

from countries.datafiles import (
    DEFAULT_DATA_DIR,
    DataFileError,
    display_path,
    paragraphs_html,
    read_rows,
)


def test_paths_inside_the_project_show_as_typed():
    assert display_path(DEFAULT_DATA_DIR / "forum_years.csv") == "countries/data/forum_years.csv"
    error = DataFileError(DEFAULT_DATA_DIR / "forum_years.csv", 7, "unknown chair country code")
    assert str(error) == "countries/data/forum_years.csv, line 7: unknown chair country code"


def test_paragraphs_are_escaped_and_wrapped():
    text = "Costs < benefits & more\n\n  <b>Second</b> “quoted”  \n"
    assert paragraphs_html(text) == (
        "<p>Costs &lt; benefits &amp; more</p>\n<p>&lt;b&gt;Second&lt;/b&gt; “quoted”</p>"
    )


def test_rows_know_the_line_they_start_on(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(
        '\ufeffa,b\r\n1,"two\r\nlines"\r\n\r\n,\r\n3,4\r\n'.encode()  # BOM, CRLF, blank rows
    )
    rows = list(read_rows(path, ("a", "b")))
    assert [(row.line, row.cells) for row in rows] == [
        (2, {"a": "1", "b": "two\r\nlines"}),
        (6, {"a": "3", "b": "4"}),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "x.csv, line 1: no header line (expected: a,b)"),
        ("a,a,b\n", "x.csv, line 1: column 'a' appears twice"),
        ("a,b,c\n", "x.csv, line 1: unexpected column 'c' (expected: a,b)"),
        ("a,b\n1,2\n3\n", "x.csv, line 3: expected 2 cells as in the header, found 1"),
    ],
)
def test_malformed_headers_and_rows(tmp_path, content, message):
    path = tmp_path / "x.csv"
    path.write_text(content)
    with pytest.raises(DataFileError) as error:
        list(read_rows(path, ("a", "b")))
    assert str(error.value) == f"{tmp_path}/{message}"
