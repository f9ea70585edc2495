"""The downloads on /data/: they parse, carry the known data set exactly, import back through
the admin unchanged, hide what the public never sees, and are built once per data version."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from countries.models import Roundtable
from opendata import downloads
from opendata.datasets import RECORD_TYPES, data_version
from opendata.fields import FIELD_DESCRIPTIONS
from practices.models import Theme
from tests.importing import run_import

pytestmark = pytest.mark.django_db


def csv_files(content: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {
            name.removesuffix(".csv"): list(
                csv.DictReader(io.StringIO(archive.read(name).decode()))
            )
            for name in archive.namelist()
            if name.endswith(".csv")
        }


def test_the_zip_holds_one_csv_a_record_type_with_the_known_data(client, dataset):
    response = client.get("/data/gfmd-open-data-csv.zip")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert 'filename="gfmd-open-data-csv.zip"' in response["Content-Disposition"]
    files = csv_files(response.content)
    assert list(files) == [record_type.name for record_type in RECORD_TYPES]
    assert files["countries"] == [
        {
            "iso3": "MAR",
            "iso2": "MA",
            "name": "Morocco",
            "slug": "morocco",
            "official_name": "Kingdom of Morocco",
            "latitude": "32.000000",
            "longitude": "-5.000000",
            "region": "Africa",
            "subregion": "Northern Africa",
        },
        {
            "iso3": "TUN",
            "iso2": "TN",
            "name": "Tunisia",
            "slug": "tunisia",
            "official_name": "Republic of Tunisia",
            "latitude": "34.000000",
            "longitude": "9.000000",
            "region": "Africa",
            "subregion": "Northern Africa",
        },
    ]
    assert files["forum_years"] == [
        {
            "label": "2011",
            "sort_year": "2011",
            "chairs": "MAR",
            "summit_city": "Geneva",
            "summit_start": "2011-12-01",
            "summit_end": "2011-12-02",
            "notes": "",
        },
        {
            "label": "2012",
            "sort_year": "2012",
            "chairs": "",
            "summit_city": "Port Louis",
            "summit_start": "",
            "summit_end": "",
            "notes": "",
        },
    ]
    # A title a spreadsheet would run as a formula is escaped, as in the admin's export.
    assert files["roundtables"] == [
        {"forum_year": "2011", "number": "1.2", "title": "'=Labour mobility"}
    ]
    assert files["roundtable_roles"] == [
        {
            "country": "MAR",
            "forum_year": "2011",
            "role": "Co-Chair",
            "roundtable": "1.2",
            "session": "",
        },
        {
            "country": "TUN",
            "forum_year": "2011",
            "role": "Coordinator",
            "roundtable": "",
            "session": "the Roundtable Team Consultations",
        },
    ]
    assert files["attendance"] == [
        {
            "country": "MAR",
            "forum_year": "2011",
            "attended_meeting": "yes",
            "attended_prep_meetings": "no",
            "attended_summit": "yes",
            "contribution_recorded": "yes",
        },
        {
            "country": "TUN",
            "forum_year": "2012",
            "attended_meeting": "no",
            "attended_prep_meetings": "yes",
            "attended_summit": "no",
            "contribution_recorded": "no",
        },
    ]
    assert files["thematic_meetings"] == [
        {
            "forum_year": "2011",
            "title": "Skills",
            "kind": "Thematic Meeting",
            "start_date": "2011-06-14",
            "end_date": "2011-06-15",
            "city": "Rabat",
            "host_country": "MAR",
        }
    ]
    assert files["thematic_participations"] == [
        {"forum_year": "2011", "meeting": "Skills", "country": "MAR", "role": "Co-Chair"}
    ]
    assert files["contributions"] == [
        {
            "country": "MAR",
            "forum_year": "2011",
            "amount": "50000.00",
            "currency": "USD",
            "earmarked": "non-earmarked",
            "note": "",
        },
        {
            "country": "TUN",
            "forum_year": "2012",
            "amount": "",
            "currency": "",
            "earmarked": "non-earmarked",
            "note": "In kind: a venue",
        },
    ]
    # Themes: the editorial list of the migrations, and the one the data set adds.
    assert len(files["themes"]) == Theme.objects.count()
    assert {"slug": "labour-migration", "name": "Labour migration", "description": ""} in files[
        "themes"
    ]
    assert files["practices"] == [
        {
            "slug": "circular-migration",
            "title": "Circular migration",
            "description": "<p>A description of the practice.</p>",
            "countries": "MAR",
            "is_global": "no",
            "themes": "labour-migration",
            "partners": "IOM\nILO",
            "forum_year": "2011",
            "start_year": "2010",
            "end_year": "",
            "url": "https://example.org/circular",
            "submitted_by_name": "Ms. Laurence BRON",
            "submitter_organisation": "",
            "submitted_on": "2020-05-01",
            "published_on": "2020-06-01",
        }
    ]
    [update] = files["country_updates"]
    assert update["country"] == "MAR"
    assert update["summary"] == "2011: added Attended Summit"
    assert update["source"] == "Edited in the admin"


def test_nothing_private_or_unpublished_leaves_in_any_download(client, dataset):
    contents = [
        client.get("/data/gfmd-open-data-csv.zip").content,
        client.get("/data/gfmd-open-data.json").content,
        client.get("/data/countries/TUN.csv.zip").content,
        client.get("/data/countries/TUN.json").content,
    ]
    texts = [json.dumps(csv_files(contents[0])), contents[1].decode()]
    texts += [json.dumps(csv_files(contents[2])), contents[3].decode()]
    for text in texts:
        assert "secret@example.org" not in text
        assert "draft@example.org" not in text
        assert "Secret draft" not in text
        assert "submitter_email" not in text
        assert "rejection_reason" not in text


def test_the_json_document_carries_the_same_records_with_native_values(client, dataset):
    response = client.get("/data/gfmd-open-data.json")

    assert response["Content-Type"] == "application/json"
    document = response.json()
    assert document["licence"].startswith("The GFMD's terms of reuse are to be confirmed")
    assert document["version"] == data_version()
    assert list(document["records"]) == [record_type.name for record_type in RECORD_TYPES]
    assert document["records"]["roundtables"] == [
        {"forum_year": "2011", "number": "1.2", "title": "=Labour mobility"}
    ]
    assert document["records"]["countries"][0]["longitude"] == "-5.000000"
    assert [row["slug"] for row in document["records"]["practices"]] == ["circular-migration"]
    assert document["records"]["practices"][0]["start_year"] == 2010
    assert document["fields"]["contributions"]["amount"].startswith("Amount of")


@pytest.mark.parametrize("record_type", RECORD_TYPES, ids=lambda record_type: record_type.name)
def test_every_column_has_a_description(record_type):
    assert list(FIELD_DESCRIPTIONS[record_type.name]) == record_type.columns()
    assert all(FIELD_DESCRIPTIONS[record_type.name].values())


def test_the_data_page_describes_every_field_and_states_the_licence(client):
    response = client.get("/data/")

    html = response.content.decode()
    assert "The GFMD&#x27;s terms of reuse are to be confirmed" in html
    assert 'href="/data/gfmd-open-data-csv.zip"' in html
    assert 'href="/data/gfmd-open-data.json"' in html
    assert 'href="/api/schema/"' in html
    for record_type in RECORD_TYPES:
        assert f"{record_type.name}.csv" in html
        for column in record_type.columns():
            assert f"<code>{column}</code>" in html


IMPORTABLE = [record_type for record_type in RECORD_TYPES if record_type.name != "country_updates"]


@pytest.mark.parametrize("record_type", IMPORTABLE, ids=lambda record_type: record_type.name)
def test_a_downloaded_csv_imports_back_through_the_admin_unchanged(client, dataset, record_type):
    """The admin's import of the same resource reads the file as it reads its own export."""
    model = record_type.resource._meta.model
    before = [model_to_dict(obj) for obj in model.objects.order_by("pk")]
    with zipfile.ZipFile(io.BytesIO(client.get("/data/gfmd-open-data-csv.zip").content)) as zf:
        content = zf.read(f"{record_type.name}.csv")

    preview, confirmed = run_import(record_type.resource, content)

    assert preview.error_messages() == []
    rows = preview.preview()
    assert len(rows) == record_type.everything().count() > 0
    assert {row.status for row in rows} == {"unchanged"}
    assert confirmed.counts()["unchanged"] == len(rows)
    assert [model_to_dict(obj) for obj in model.objects.order_by("pk")] == before


def test_a_country_profile_downloads_as_csv_and_json(client, dataset):
    zipped = client.get("/data/countries/MAR.csv.zip")
    document = client.get("/data/countries/MAR.json")

    assert 'filename="gfmd-mar-profile.csv.zip"' in zipped["Content-Disposition"]
    files = csv_files(zipped.content)
    assert [row["iso3"] for row in files["countries"]] == ["MAR"]
    assert [row["forum_year"] for row in files["attendance"]] == ["2011"]
    assert [row["role"] for row in files["roundtable_roles"]] == ["Co-Chair"]
    assert [row["title"] for row in files["thematic_meetings"]] == ["Skills"]
    assert [row["amount"] for row in files["contributions"]] == ["50000.00"]
    assert [row["slug"] for row in files["practices"]] == ["circular-migration"]
    assert "forum_years" not in files  # shared by every country: in the whole download
    records = document.json()["records"]
    assert records["contributions"] == [
        {
            "country": "MAR",
            "forum_year": "2011",
            "amount": "50000.00",
            "currency": "USD",
            "earmarked": "non-earmarked",
            "note": "",
        }
    ]
    assert client.get("/data/countries/ZZZ.json").status_code == 404


def test_the_country_page_links_its_profile_files(client, dataset):
    html = client.get("/countries/morocco/").content.decode()

    assert 'href="/data/countries/MAR.csv.zip"' in html
    assert 'href="/data/countries/MAR.json"' in html


def test_files_are_built_once_per_data_version(client, dataset, monkeypatch):
    builds = []
    real = downloads.BUILDERS["zip"]
    monkeypatch.setitem(
        downloads.BUILDERS, "zip", lambda **kwargs: builds.append(1) or real(**kwargs)
    )
    first = client.get("/data/gfmd-open-data-csv.zip")
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/data/gfmd-open-data-csv.zip")

    assert builds == [1]
    assert second.content == first.content
    assert len(queries) == 0  # the data version is in the cache
    Roundtable.objects.update(title="Labour mobility")  # no history, no updated_at change
    third = client.get("/data/gfmd-open-data-csv.zip")
    assert builds == [1, 1]
    assert third["ETag"] != first["ETag"]
    assert csv_files(third.content)["roundtables"][0]["title"] == "Labour mobility"


def test_the_data_version_moves_with_every_kind_of_change(dataset):
    versions = [data_version()]
    dataset["published"].themes.clear()
    versions.append(data_version())
    dataset["pending"].delete()
    versions.append(data_version())
    Roundtable.history.model.objects.create(  # what a bulk import leaves: a history row
        id=999,
        forum_year=dataset["2011"],
        number="9.9",
        title="x",
        history_type="~",
        history_date=dataset["2011"].updated_at,
        created_at=dataset["2011"].updated_at,
        updated_at=dataset["2011"].updated_at,
    )
    versions.append(data_version())
    assert len(set(versions)) == len(versions)


def test_a_download_answers_304_while_the_data_is_unchanged(client, dataset):
    first = client.get("/data/gfmd-open-data.json")

    again = client.get("/data/gfmd-open-data.json", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""
    dataset["MAR"].save()
    assert (
        client.get("/data/gfmd-open-data.json", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    )
