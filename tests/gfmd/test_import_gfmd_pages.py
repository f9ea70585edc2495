"""`manage.py import_gfmd_pages DIR`: many country pages at once, all or nothing."""

from __future__ import annotations

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from countries.models import Attendance, Contribution, Country, CountryUpdate, RoundtableRole
from tests.countries.test_pagetext import FLAGS, table_years

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"


@pytest.fixture
def pages(tmp_path, db) -> Path:
    """Morocco's copy, named by its slug; the reference data without Morocco's profile."""
    call_command("load_gfmd_data", verbosity=0)
    for model in (Attendance, RoundtableRole, Contribution):
        model.objects.filter(country__iso3="MAR").delete()
    CountryUpdate.objects.all().delete()
    folder = tmp_path / "pages"
    folder.mkdir()
    shutil.copy(REFERENCE / "morocco-profile.txt", folder / "morocco.txt")
    return folder


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_gfmd_pages", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_json_for_morocco_gives_each_year_its_lines(pages):
    out, err = run(str(pages), "--json", "--dry-run", "--year", "morocco.txt:106=2019")
    (record,) = [json.loads(line) for line in out.splitlines()]
    assert record["country"] == "MAR"
    assert record["unread"] == []
    assert len(record["practices"]) == 6
    years = record["years"]
    expected = table_years()
    assert list(years) == list(expected)
    for label, year in years.items():
        assert set(year) == {"attendance", "roundtable_roles", "thematic_meetings", "contributions"}
        assert sorted(FLAGS[line] for line in year["attendance"]) == expected[label]["attendance"]
        assert len(year["roundtable_roles"]) == len(expected[label]["roles"])
    assert years["2018"]["thematic_meetings"] == [
        'Participated in the Thematic Workshops on "Migration for Development: a roadmap to '
        'achieving the SDGs", "Labour Migration and Skills", and "Children and Youth on the '
        'Move: Implementing Sustainable Solutions"'
    ]  # shown in the 2019 block, of 2018
    assert years["2016"]["contributions"] == ["USD 50,000 non-earnmarked"]  # as the page has it
    assert years["2014-2015"]["contributions"] == ["No Financial Contribution"]
    assert "morocco.txt: MAR, 12 years" in err
    assert "nothing written (dry run)" in err


def test_dry_run_writes_nothing(pages):
    out, _err = run(str(pages), "--dry-run", "--year", "morocco.txt:106=2019")
    assert "morocco.txt: MAR, 12 years; lines 47 new, 0 changed, 37 unchanged" in out
    assert Attendance.objects.filter(country__iso3="MAR").count() == 0
    assert CountryUpdate.objects.count() == 0


def test_a_run_imports_and_a_second_changes_nothing(pages):
    run(str(pages), "--year", "morocco.txt:106=2019")
    assert Attendance.objects.filter(country__iso3="MAR").count() == 12
    assert CountryUpdate.objects.count() == 1
    out, _err = run(str(pages), "--year", "morocco.txt:106=2019")
    assert "0 new, 0 changed, 84 unchanged, 0 error" in out
    assert CountryUpdate.objects.count() == 1


def test_problems_name_file_and_line_and_nothing_is_written(pages):
    # Morocco's page is fine with its year chosen; a second page (ISO3 as its name) is not.
    text = (REFERENCE / "morocco-profile.txt").read_text()
    (pages / "TUN.txt").write_text(text.replace("Kingdom of Morocco", "Republic of Tunisia"))
    (pages / "nowhere.txt").write_text("Official Name\nRepublic of Nowhere\nSubscribe to Nowhere")
    with pytest.raises(CommandError, match="nothing was written"):
        run(str(pages), "--year", "morocco.txt:106=2019")
    assert Attendance.objects.count() == 0
    _out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("import_gfmd_pages", str(pages), "--year", "morocco.txt:106=2019", stderr=err)
    problems = err.getvalue()
    assert "TUN.txt:1: The page is for Republic of Tunisia / Morocco" in problems
    assert "nowhere.txt:1: no country matches the file name or the page" in problems


def test_an_open_year_is_a_problem_until_chosen(pages):
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_gfmd_pages", str(pages), stdout=StringIO(), stderr=err)
    assert "morocco.txt:106: the block's year is open" in err.getvalue()
    assert "2019, 2020, 2022-2023, 2024-2025" in err.getvalue()
    assert Country.objects.get(iso3="MAR").attendances.count() == 0
