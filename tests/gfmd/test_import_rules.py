"""Rules the admin import shares with load_gfmd_data (one pipeline, issue 11): values the
database columns cannot hold, currency decimals, NUL characters, stray quotes, columns named
twice or unknown, coordinates in degrees and minutes. The loader's side of each is in
tests/gfmd/test_load_gfmd_data.py (MALFORMED)."""

from __future__ import annotations

from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import ValidationError

from countries.models import Contribution, Country, ForumYear
from countries.resources import ContributionResource, CountryResource, ForumYearResource
from imports.formats import CSV, ImportFileError
from tests.importing import run_import, upload

CONTRIBUTION_HEADER = b"country,forum_year,amount,currency,earmarked,note\n"


def errors_of(resource_class, content: bytes) -> list[str]:
    preview, confirmed = run_import(resource_class, content)
    assert confirmed is None
    return preview.error_messages()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (b"MAR,2011,50000.125,USD,no,", "Ensure that there are no more than 2 decimal places."),
        (b"MAR,2011,100.5,JPY,no,", "An amount in JPY has at most 0 decimals."),
        (b"MAR,2011,1e15,USD,no,", "Ensure that there are no more than 14 digits in total."),
    ],
    ids=["column decimals", "currency decimals", "max digits"],
)
def test_amounts_the_column_or_currency_cannot_hold_are_refused(world, row, message):
    assert errors_of(ContributionResource, CONTRIBUTION_HEADER + row + b"\n") == [
        f'row 2: column "amount": {message}'
    ]
    assert Contribution.objects.count() == 0


def test_amounts_within_the_currency_decimals_import_once(world):
    content = CONTRIBUTION_HEADER + b"MAR,2011,50000.50,USD,no,\nMAR,2012,125000,JPY,no,\n"
    run_import(ContributionResource, content)
    preview, _confirmed = run_import(ContributionResource, content)
    assert preview.counts()["unchanged"] == 2
    assert sorted(Contribution.objects.values_list("amount", flat=True)) == [
        Decimal("50000.50"),
        Decimal("125000"),
    ]


def test_a_sort_year_beyond_a_small_integer_is_refused_on_every_database(world):
    content = b"label,sort_year\n2030,99999\n"
    assert errors_of(ForumYearResource, content) == [
        'row 2: column "sort_year": Ensure this value is less than or equal to 32767.'
    ]
    assert not ForumYear.objects.filter(label="2030").exists()


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        (b"label,notes\n2030,a\x00b\n", "This file is not text in UTF-8", 2),
        (
            b'label,notes\n2030,"a, b" c\n',
            "This CSV file cannot be read: ',' expected after '\"' (line 2).",
            2,
        ),
        (
            b'label,notes\n2030,"two\nlines"\n2031,a,b\n',
            "row 3 has more cells than the header row names.",
            4,
        ),
    ],
    ids=["NUL", "stray quote", "more cells"],
)
def test_file_errors_name_their_line(content, message, line):
    with pytest.raises(ImportFileError) as error:
        CSV(encoding="utf-8-sig").create_dataset(content)
    assert message in str(error.value)
    assert error.value.line == line


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (b"label,sort_year,sort_year", 'The column "sort_year" appears twice.'),
        (b"label,sort_year,summit", 'The file has a column "summit" (did you mean "summit_end"?)'),
    ],
)
def test_columns_named_twice_or_unknown_are_refused(db, header, message):
    errors = errors_of(ForumYearResource, header + b"\n2030,2030,x\n")
    assert len(errors) == 1
    assert errors[0].startswith(message)


def test_the_admin_import_page_names_the_column_problem(admin_client, world):
    response = upload(
        admin_client,
        "admin:countries_forumyear_import",
        b"label,sort_year,sumit_city\n2030,2030,Rabat\n",
        "years.csv",
    )
    assert 'column "sumit_city" (did you mean "summit_city"?)' in unescape(
        response.content.decode()
    )
    assert not ForumYear.objects.filter(label="2030").exists()


COUNTRY_HEADER = b"iso3,iso2,name,slug,latitude,longitude\n"


def test_coordinates_in_degrees_and_minutes_or_decimal(db):
    content = (
        COUNTRY_HEADER + b"MAR,MA,Morocco,morocco,32 30 N,5 00 W\nTUN,TN,Tunisia,tunisia,34,9\n"
    )
    preview, confirmed = run_import(CountryResource, content)
    assert confirmed is not None, preview.error_messages()
    assert Country.objects.values_list("iso3", "latitude", "longitude").order_by("iso3")[::1] == [
        ("MAR", Decimal("32.5"), Decimal("-5")),
        ("TUN", Decimal("34"), Decimal("9")),
    ]


def test_a_coordinate_in_the_wrong_hemisphere_is_refused(db):
    content = COUNTRY_HEADER + b"MAR,MA,Morocco,morocco,5 00 W,32 00 N\n"
    assert errors_of(CountryResource, content) == [
        "row 2: column \"latitude\": '5 00 W' must end in N or S",
        "row 2: column \"longitude\": '32 00 N' must end in E or W",
    ]


def test_unnamed_empty_columns_are_not_unknown_columns(db):
    """A spreadsheet saved with a trailing empty column has a header cell without a name."""
    preview, confirmed = run_import(ForumYearResource, b"label,sort_year,\n2030,2030,\n")
    assert preview.error_messages() == []
    assert confirmed is not None
    assert ForumYear.objects.get(label="2030").sort_year == 2030


def test_a_currency_without_an_amount_is_refused(world):
    content = CONTRIBUTION_HEADER + b"MAR,2011,,USD,no,In kind\n"
    assert errors_of(ContributionResource, content) == [
        'row 2: column "currency": A currency code goes with an amount; leave it empty without one.'
    ]


@pytest.mark.parametrize(
    ("amount", "currency", "errors"),
    [
        ("100.5", "JPY", {"amount": ["An amount in JPY has at most 0 decimals."]}),
        ("100.25", "KWD", {}),
        ("100.25", "EUR", {}),
        ("100", "KRW", {}),
    ],
)
def test_the_currency_decimals_hold_in_every_form(world, amount, currency, errors):
    """Contribution.clean, which the admin form and inline run as the import does."""
    contribution = Contribution(
        country=world["MAR"], forum_year=world["2011"], amount=Decimal(amount), currency=currency
    )
    try:
        contribution.full_clean()
    except ValidationError as error:
        assert error.message_dict == errors
    else:
        assert errors == {}


def test_a_long_file_name_fits_the_history(world):
    """The history's reason column holds 100 characters; PostgreSQL refused a longer one."""
    name = "contributions-" + "x" * 120 + ".csv"
    dataset = CSV(encoding="utf-8-sig").create_dataset(
        CONTRIBUTION_HEADER + b"MAR,2011,5,USD,no,\n"
    )
    result = ContributionResource().import_data(dataset, dry_run=False, file_name=name)
    assert result.error_messages() == []
    reason = Contribution.history.get().history_change_reason
    assert reason.startswith("Imported from contributions-xxx")
    assert len(reason) == 100
