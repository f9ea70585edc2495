"""The admin site as an Editor sees it: every registered model, walked from the registry."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import factory_for

EDITED_APPS = {"countries", "practices"}
REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
# Records the site writes and Editors only read.
READ_ONLY = {"countries.CountryUpdate"}
EDITED = [
    model
    for model in REGISTERED
    if model._meta.app_label in EDITED_APPS and model._meta.label not in READ_ONLY
]
# Each staff member's own background imports, whatever their group (tests/imports).
OWN_JOBS = {"imports.ImportJob"}
OTHERS = [
    model for model in REGISTERED if model not in EDITED and model._meta.label not in OWN_JOBS
]


def label(model: type[Model]) -> str:
    return model._meta.label


def admin_url(model: type[Model], view: str, *args: object) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def make_row(model: type[Model]) -> Model:
    """One object with a related object in each many-to-many field, so lists show them."""
    obj = factory_for(model)()
    for field in model._meta.many_to_many:
        getattr(obj, field.name).add(factory_for(field.related_model)())
    return obj


def test_every_profile_and_practice_model_is_registered():
    registered = {model._meta.label for model in EDITED}
    assert registered == {
        "countries.Country",
        "countries.ForumYear",
        "countries.Attendance",
        "countries.Roundtable",
        "countries.RoundtableRole",
        "countries.ThematicMeeting",
        "countries.ThematicMeetingParticipation",
        "countries.Contribution",
        "practices.PracticeSubmission",
        "practices.Theme",
    }


@pytest.mark.parametrize("model", EDITED, ids=label)
def test_editor_opens_every_page_of_the_models_it_edits(editor_client, model):
    obj = make_row(model)

    changelist = editor_client.get(admin_url(model, "changelist"))
    change = editor_client.get(admin_url(model, "change", obj.pk))
    add = editor_client.get(admin_url(model, "add"))

    assert changelist.status_code == 200
    assert admin_url(model, "change", obj.pk) in changelist.content.decode()
    assert change.status_code == 200
    assert change.context["original"] == obj
    assert add.status_code == 200
    assert add.context["add"] is True


@pytest.mark.parametrize("model", OTHERS, ids=label)
def test_editor_opens_other_models_only_as_far_as_the_group_allows(editor, editor_client, model):
    opts = model._meta
    may_view = editor.has_perm(f"{opts.app_label}.view_{opts.model_name}")
    may_add = editor.has_perm(f"{opts.app_label}.add_{opts.model_name}")

    changelist = editor_client.get(admin_url(model, "changelist"))
    add = editor_client.get(admin_url(model, "add"))

    assert changelist.status_code == (200 if may_view else 403)
    assert add.status_code == (200 if may_add else 403)


@pytest.mark.parametrize("view", ["changelist", "add"])
@pytest.mark.parametrize("model_name", ["user", "group"])
def test_editor_cannot_open_user_or_group_admin(editor_client, model_name, view):
    response = editor_client.get(reverse(f"admin:auth_{model_name}_{view}"))

    assert response.status_code == 403


def test_editor_sees_the_profiles_but_not_the_accounts_on_the_index(editor_client):
    response = editor_client.get(reverse("admin:index"))

    page = response.content.decode()
    assert reverse("admin:countries_country_changelist") in page
    assert reverse("admin:practices_practicesubmission_changelist") in page
    assert reverse("admin:auth_user_changelist") not in page
    assert reverse("admin:auth_group_changelist") not in page


def test_admin_site_is_titled_for_gfmd(editor_client):
    response = editor_client.get(reverse("admin:index"))

    assert response.context["site_header"] == "GFMD country profiles"
    assert "<title>Country profiles and practices | GFMD country profiles</title>" in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_editors_group_has_exactly_the_profile_and_practice_permissions():
    from django.apps import apps

    edited = [
        model
        for app_label in EDITED_APPS
        for model in apps.get_app_config(app_label).get_models()
        if not model.__name__.startswith("Historical") and model._meta.label not in READ_ONLY
    ]
    expected = {
        f"{model._meta.app_label}.{action}_{model._meta.model_name}"
        for model in edited
        for action in ("view", "add", "change", "delete")
    } | {"countries.view_countryupdate"}

    group = Group.objects.get(name="Editors")
    granted = {
        f"{permission.content_type.app_label}.{permission.codename}"
        for permission in group.permissions.select_related("content_type")
    }
    assert granted == expected


@pytest.mark.parametrize("model", EDITED, ids=label)
def test_changelist_queries_do_not_grow_with_the_rows(editor_client, model):
    url = admin_url(model, "changelist")
    for _ in range(3):
        make_row(model)
    editor_client.get(url)  # warm the per-process caches (content types, …)
    with CaptureQueriesContext(connection) as few:
        assert editor_client.get(url).status_code == 200
    for _ in range(27):
        make_row(model)

    with CaptureQueriesContext(connection) as many:
        response = editor_client.get(url)

    assert response.context["cl"].result_count >= 30
    assert len(many) == len(few), "\n".join(query["sql"] for query in many)
