"""imports.validation: what a column can hold, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from countries.models import Contribution, Country, ForumYear
from imports.validation import column_errors


def messages(instance, **kwargs) -> dict[str, list[str]]:
    return {
        name: [message for error in errors for message in error.messages]
        for name, errors in column_errors(instance, **kwargs).items()
    }


def test_values_that_fit_pass():
    year = ForumYear(label="2007", sort_year=2007, summit_city="Brussels", notes="First.")
    assert messages(year) == {}


@pytest.mark.parametrize(
    ("instance", "expected"),
    [
        (
            ForumYear(label="2007", sort_year=99999),
            {"sort_year": ["Ensure this value is less than or equal to 32767."]},
        ),
        (
            ForumYear(label="2007", sort_year=-1),
            {"sort_year": ["Ensure this value is greater than or equal to 0."]},
        ),
        (
            Contribution(amount=Decimal("1e15"), currency="USD"),
            {"amount": ["Ensure that there are no more than 14 digits in total."]},
        ),
        (
            Contribution(amount=Decimal("50000.125"), currency="USD"),
            {"amount": ["Ensure that there are no more than 2 decimal places."]},
        ),
        (
            ForumYear(label="2007", sort_year=2007, summit_city="x" * 101),
            {"summit_city": ["Ensure this value has at most 100 characters (it has 101)."]},
        ),
        (
            ForumYear(label="2007", sort_year=2007, notes="a\x00b"),
            {"notes": ["Null characters are not allowed."]},
        ),
        (
            Country(iso3="MAR", latitude=Decimal("1234.5"), longitude=0),
            {"latitude": ["Ensure that there are no more than 3 digits before the decimal point."]},
        ),
    ],
    ids=["small integer", "positive", "max digits", "decimal places", "length", "NUL", "lat"],
)
def test_values_a_column_cannot_hold(instance, expected):
    assert messages(instance) == expected


def test_excluded_fields_are_left_alone():
    assert messages(ForumYear(label="2007", sort_year=99999), exclude={"sort_year"}) == {}


def test_the_module_imports_no_app_of_the_project():
    import ast
    from pathlib import Path

    import imports.validation

    tree = ast.parse(Path(imports.validation.__file__).read_text())
    modules = {
        node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert modules <= {"__future__", "collections", "django"}
