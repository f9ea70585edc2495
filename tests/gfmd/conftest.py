from __future__ import annotations

from pathlib import Path

import pytest

from gfmd.importexport import CSV, ImportResult
from tests.factories import CountryFactory, ForumYearFactory, UserFactory

DATA = Path(__file__).resolve().parent.parent / "data"


def run_import(
    resource_class, content: bytes, file_format=CSV, *, user=None, confirm: bool = True
) -> tuple[ImportResult, ImportResult | None]:
    """As the admin does: read the file, preview it (a dry run), then import it again on
    confirm when the preview shows no problem. Returns (preview, confirmed or None)."""

    def load_and_import(dry_run: bool) -> ImportResult:
        dataset = file_format(encoding="utf-8-sig").create_dataset(content)
        return resource_class().import_data(
            dataset, dry_run=dry_run, raise_errors=False, file_name="upload", user=user
        )

    preview = load_and_import(dry_run=True)
    if preview.has_problems() or not confirm:
        return preview, None
    return preview, load_and_import(dry_run=False)


@pytest.fixture
def world(db):
    """Two countries and two forum years, named as the files in tests/data name them."""
    return {
        "MAR": CountryFactory(name="Morocco", slug="morocco", iso2="MA", iso3="MAR"),
        "TUN": CountryFactory(name="Tunisia", slug="tunisia", iso2="TN", iso3="TUN"),
        "2011": ForumYearFactory(label="2011", sort_year=2011),
        "2012": ForumYearFactory(label="2012", sort_year=2012),
    }


@pytest.fixture
def staff(db):
    return UserFactory(username="ana", is_staff=True, is_superuser=True)
