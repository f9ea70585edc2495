"""Staff edits never overwrite each other: every admin change form and inline of the site's
apps carries the version it was opened on, walked from the admin registry."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import DatabaseError, models, transaction
from django.forms.models import _get_foreign_key
from django.urls import reverse

from core.admin_locking import (
    VERSION_FIELD,
    LockingAdminMixin,
    LockingInlineMixin,
    tracked_fields,
)
from countries.models import Attendance, Country, CountryUpdate
from tests.admin_forms import FormData, add_inline_row, form_data, form_values
from tests.concurrency import at_once, meet_before_saving, require_postgres, staff_client
from tests.factories import AttendanceFactory, ForumYearFactory, factory_for

NON_FIELD = "__all__"
MEANWHILE = " was saved by someone else meanwhile; reload the page to see it."
SITE_APPS = {"countries", "practices", "subscriptions"}
ADMINS = sorted(
    (
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in SITE_APPS
    ),
    key=lambda pair: pair[0]._meta.label,
)
INLINES = [
    (model, inline)
    for model, model_admin in ADMINS
    for inline in model_admin.inlines
    if inline.model._meta.app_label in SITE_APPS
]


def label(value) -> str:
    if isinstance(value, type) and issubclass(value, models.Model):
        return value._meta.label
    return getattr(value, "__name__", type(value).__name__)


def change_url(obj: models.Model) -> str:
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def form_id(model: type[models.Model]) -> str:
    return f"{model._meta.model_name}_form"


def page_form(client, obj: models.Model) -> FormData:
    return form_data(client.get(change_url(obj)), form_id(type(obj)))


def formset_of(response, model: type[models.Model]):
    (formset,) = [
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is model
    ]
    return formset


def other_value(field: models.Field, value):
    """A different value that the database accepts, or None."""
    if isinstance(field, models.BooleanField):
        return not value
    if field.choices:
        return next((choice for choice, _ in field.flatchoices if choice not in ("", value)), None)
    if isinstance(field, models.CharField | models.TextField):
        value = value or ""
        last = "y" if value.endswith("x") else "x"
        return f"{value[: field.max_length - 1] if field.max_length else value}{last}"
    if isinstance(field, models.DecimalField | models.IntegerField):
        return value + 1 if value is not None else None
    if isinstance(field, models.DateField):
        return value and value + datetime.timedelta(days=1)
    return None


def someone_else_changes(obj: models.Model, names: list[str]) -> tuple[models.Field, object]:
    """Change a field of `obj` behind the form's back, as an import or a second admin would:
    a text field of the form by preference, else one the database accepts. Its new value."""
    fields = tracked_fields(type(obj))
    preferred = [f for f in fields if f.name in names] + [f for f in fields if f.name not in names]
    text = [f for f in preferred if isinstance(f, models.CharField | models.TextField)]
    for field in [*[f for f in text if not f.choices], *preferred]:
        if field.many_to_many or field.is_relation:
            continue
        value = other_value(field, field.value_from_object(obj))
        if value is None:
            continue
        try:
            with transaction.atomic():
                type(obj)._base_manager.filter(pk=obj.pk).update(**{field.attname: value})
        except DatabaseError:  # a check constraint ties it to another field, or too long
            continue
        return field, value
    raise AssertionError(f"no field of {obj._meta.label} to change")


def shown(field: models.Field, value) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field.choices:
        return str(dict(field.flatchoices)[value])
    return str(value)


def test_every_admin_and_inline_of_the_site_is_locked():
    assert {model._meta.label for model, _ in ADMINS} >= {
        "countries.Country",
        "practices.PracticeSubmission",
        "subscriptions.Subscription",
    }
    for model, model_admin in ADMINS:
        assert isinstance(model_admin, LockingAdminMixin), model._meta.label
        assert all(issubclass(inline, LockingInlineMixin) for inline in model_admin.inlines)
    assert len(INLINES) >= 6


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=label)
def test_the_version_is_hidden_and_absent_from_pages_only_to_look_at(
    editor_client, model, model_admin
):
    obj = factory_for(model)()
    response = editor_client.get(change_url(obj))
    if response.status_code == 403:
        pytest.skip("editors cannot open it")

    page = response.content.decode()
    may_change = model_admin.has_change_permission(response.wsgi_request, obj)
    if may_change:
        assert f'<input type="hidden" name="{VERSION_FIELD}"' in page
        assert f'class="form-row hidden field-{VERSION_FIELD}"' in page  # its label too
    else:
        assert VERSION_FIELD not in page


# The defect as reported: two admins, one country.


def test_second_admin_saving_is_refused_with_what_the_first_changed(db, morocco):
    admin_a, admin_b = staff_client("a"), staff_client("b")
    form_a, form_b = page_form(admin_a, morocco), page_form(admin_b, morocco)
    form_a["official_name"] = ["Kingdom of Morocco (the)"]
    form_b["subregion"] = ["Maghreb"]

    saved = admin_a.post(change_url(morocco), form_a)
    refused = admin_b.post(change_url(morocco), form_b)

    assert saved.status_code == 302
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors[NON_FIELD]
    assert errors == [
        "Someone else changed “Morocco” since you opened this page: Official name: theirs "
        "“Kingdom of Morocco (the)”, yours “Kingdom of Morocco”. Nothing was saved. Your input "
        "is kept below: save again to replace their values with yours, or reload the page to "
        "start from theirs."
    ]
    page = refused.content.decode()
    assert errors[0] in page
    kept = form_data(refused, "country_form")
    assert kept["subregion"] == ["Maghreb"]  # B's input is still in the form
    morocco.refresh_from_db()
    assert (morocco.official_name, morocco.subregion) == (
        "Kingdom of Morocco (the)",
        "Northern Africa",
    )

    # Saving again is B's informed choice: the form now carries the version B has seen.
    kept["official_name"] = ["Kingdom of Morocco (the)"]
    assert admin_b.post(change_url(morocco), kept).status_code == 302
    morocco.refresh_from_db()
    assert (morocco.official_name, morocco.subregion) == ("Kingdom of Morocco (the)", "Maghreb")


def test_the_same_change_made_by_both_is_no_conflict(db, morocco):
    admin_a, admin_b = staff_client("a"), staff_client("b")
    forms = [page_form(admin_a, morocco), page_form(admin_b, morocco)]
    for data in forms:
        data["official_name"] = ["Kingdom of Morocco (the)"]

    responses = [
        admin_a.post(change_url(morocco), forms[0]),
        admin_b.post(change_url(morocco), forms[1]),
    ]

    assert [response.status_code for response in responses] == [302, 302]


# Every change form and every inline, from the registry.


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=label)
def test_every_change_form_refuses_a_save_over_a_change_made_meanwhile(
    admin_client, model, model_admin
):
    obj = factory_for(model)()
    response = admin_client.get(change_url(obj))
    if not model_admin.has_change_permission(response.wsgi_request, obj):
        pytest.skip("read only: nobody saves this form")
    data = form_data(response, form_id(model))
    assert data[VERSION_FIELD][0]
    field, theirs = someone_else_changes(obj, list(response.context["adminform"].form.fields))

    refused = admin_client.post(change_url(obj), data)

    assert refused.status_code == 200
    (error,) = refused.context["adminform"].form.errors[NON_FIELD]
    assert error.startswith("Someone else changed “")
    assert f"{field.verbose_name[:1].upper()}{field.verbose_name[1:]}: " in error
    assert f"“{shown(field, theirs)}”" in error
    obj.refresh_from_db()
    assert field.value_from_object(obj) == theirs  # not overwritten with the value opened


@pytest.mark.parametrize(("parent_model", "inline"), INLINES, ids=label)
def test_every_inline_refuses_a_save_over_a_row_changed_meanwhile(
    admin_client, parent_model, inline
):
    parent = factory_for(parent_model)()
    fk = _get_foreign_key(parent_model, inline.model, fk_name=inline.fk_name)
    row = factory_for(inline.model)(**{fk.name: parent})
    response = admin_client.get(change_url(parent))
    data = form_data(response, form_id(parent_model))
    formset = formset_of(response, inline.model)
    assert data[f"{formset.prefix}-0-{VERSION_FIELD}"][0]
    field, theirs = someone_else_changes(row, list(formset.forms[0].fields))

    refused = admin_client.post(change_url(parent), data)

    assert refused.status_code == 200
    refused_formset = formset_of(refused, formset.model)
    (error,) = refused_formset.errors[0][NON_FIELD]
    assert error.startswith("Someone else changed this row since you opened this page: ")
    assert f"“{shown(field, theirs)}”" in error
    row.refresh_from_db()
    assert field.value_from_object(row) == theirs


def attendance_form(client, country: Country) -> FormData:
    return page_form(client, country)


def test_a_row_deleted_meanwhile_refuses_the_save(admin_client, morocco):
    attendance = AttendanceFactory(country=morocco, forum_year=ForumYearFactory(label="2012"))
    data = page_form(admin_client, morocco)
    data["official_name"] = ["Kingdom of Morocco (the)"]
    attendance.delete()

    refused = admin_client.post(change_url(morocco), data)

    assert refused.status_code == 200
    formset = formset_of(refused, Attendance)
    assert formset.errors[0] == {
        NON_FIELD: [
            "Someone else deleted this attendance since you opened this page; nothing was "
            "saved. Reload the page to see the records as they are now."
        ]
    }
    morocco.refresh_from_db()
    assert morocco.official_name == "Kingdom of Morocco"


def test_deleting_a_row_changed_meanwhile_is_refused(admin_client, morocco):
    attendance = AttendanceFactory(country=morocco, attended_summit=False)
    data = page_form(admin_client, morocco)
    data["attendances-0-DELETE"] = ["on"]
    Attendance.objects.filter(pk=attendance.pk).update(attended_summit=True)

    refused = admin_client.post(change_url(morocco), data)

    assert refused.status_code == 200
    formset = formset_of(refused, Attendance)
    (error,) = formset.non_form_errors()
    assert "Attended summit: theirs “Yes”, yours “No”" in error
    assert Attendance.objects.filter(pk=attendance.pk).exists()


def test_an_unchanged_page_saves_without_touching_its_rows(admin_client, morocco):
    attendance = AttendanceFactory(country=morocco)
    data = page_form(admin_client, morocco)

    assert admin_client.post(change_url(morocco), data).status_code == 302
    assert attendance.history.count() == 1  # the inline row was not written again


def test_a_revert_over_a_change_made_meanwhile_is_refused(admin_client, morocco):
    morocco.official_name = "Kingdom of Morocco (the)"
    morocco.save()
    first = morocco.history.order_by("history_date").first()
    url = reverse("admin:countries_country_simple_history", args=[morocco.pk, first.history_id])
    data = form_data(admin_client.get(url), "historicalcountry_form")
    Country.objects.filter(pk=morocco.pk).update(subregion="Maghreb")

    refused = admin_client.post(url, data)

    assert refused.status_code == 200
    (error,) = refused.context["adminform"].form.errors[NON_FIELD]
    # The form shows the version reverted to; what changed is compared with what is stored.
    assert "Subregion: theirs “Maghreb”, yours “Northern Africa”" in error
    morocco.refresh_from_db()
    assert (morocco.official_name, morocco.subregion) == ("Kingdom of Morocco (the)", "Maghreb")


def test_amounts_equal_in_value_are_no_change(admin_client, morocco):
    from tests.factories import ContributionFactory

    contribution = ContributionFactory(country=morocco, amount=Decimal("50000.00"))
    data = page_form(admin_client, contribution)
    data["amount"] = ["50000"]

    assert admin_client.post(change_url(contribution), data).status_code == 302


# Saves at the same moment (PostgreSQL: concurrent transactions and row locks).


def add_url(model: type[models.Model]) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")


def has_unique(model: type[models.Model]) -> bool:
    opts = model._meta
    return any(field.unique and not field.primary_key for field in opts.concrete_fields) or any(
        isinstance(constraint, models.UniqueConstraint) for constraint in opts.constraints
    )


ADDABLE_UNIQUE = [(model, model_admin) for model, model_admin in ADMINS if has_unique(model)]
INLINE_UNIQUE = [(parent, inline) for parent, inline in INLINES if has_unique(inline.model)]


def posted_at_once(url: str, data: FormData, monkeypatch, model, usernames=("ana", "ben")):
    """The same form posted by two staff at the same moment, both validated before either
    writes `model`."""
    clients = [staff_client(username) for username in usernames]
    meet_before_saving(monkeypatch, model, parties=2)
    return at_once(*(lambda client=client: client.post(url, data) for client in clients))


def one_saved_one_refused(responses) -> object:
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 302], [r.context and r.context["errors"] for r in responses]
    (refused,) = [response for response in responses if response.status_code == 200]
    page = refused.content.decode()
    assert "duplicate key" not in page and "IntegrityError" not in page
    return refused


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_admins_saving_the_same_country_at_once_cannot_both_pass(morocco, monkeypatch):
    require_postgres()
    clients = [staff_client("ana"), staff_client("ben")]
    forms = [page_form(client, morocco) for client in clients]
    forms[0]["official_name"] = ["Kingdom of Morocco (the)"]
    forms[1]["subregion"] = ["Maghreb"]
    meet_before_saving(monkeypatch, Country, parties=2)

    responses = at_once(
        *(
            lambda client=client, data=data: client.post(change_url(morocco), data)
            for client, data in zip(clients, forms, strict=True)
        )
    )

    refused = one_saved_one_refused(responses)
    (error,) = refused.context["adminform"].form.errors[NON_FIELD]
    assert error.startswith("Someone else changed “Morocco” since you opened this page: ")
    morocco.refresh_from_db()
    stored = (morocco.official_name, morocco.subregion)
    assert stored in {
        ("Kingdom of Morocco (the)", "Northern Africa"),  # Ana won: Ben's change not written
        ("Kingdom of Morocco", "Maghreb"),  # Ben won
    }
    winner = "official name" if stored[1] == "Northern Africa" else "subregion"
    assert (winner == "official name") == ("Subregion:" not in error and "Official name:" in error)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_inline_adds_of_the_same_attendance_at_once_give_a_form_error(morocco, monkeypatch):
    require_postgres()
    year = ForumYearFactory(label="2012", sort_year=2012)
    data = page_form(staff_client("reader"), morocco)
    add_inline_row(data, "attendances", forum_year=year.pk, attended_summit="on")

    responses = posted_at_once(change_url(morocco), data, monkeypatch, Attendance)

    refused = one_saved_one_refused(responses)
    formset = formset_of(refused, Attendance)
    assert (
        "Attendance with country “Morocco” and forum year “2012” was saved by someone else "
        "meanwhile; reload the page to see it."
    ) in formset.errors[0][NON_FIELD]
    assert Attendance.objects.filter(country=morocco, forum_year=year).count() == 1
    assert CountryUpdate.objects.filter(country=morocco).count() == 1  # one change, one update


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("model", "model_admin"), ADDABLE_UNIQUE, ids=label)
def test_every_unique_record_added_twice_at_once_gives_a_form_error(
    monkeypatch, model, model_admin
):
    require_postgres()
    obj = factory_for(model)()
    reader = staff_client("reader")
    if not model_admin.has_add_permission(reader.get(add_url(model)).wsgi_request):
        pytest.skip("staff cannot add these")
    data = page_form(reader, obj)
    data.pop(VERSION_FIELD)  # the same values, as a new record
    obj.delete()

    responses = posted_at_once(add_url(model), data, monkeypatch, model)

    refused = one_saved_one_refused(responses)
    errors = refused.context["adminform"].form.errors[NON_FIELD]
    verbose = model._meta.verbose_name
    assert any(
        error.startswith(f"{verbose[:1].upper()}{verbose[1:]} with ") and error.endswith(MEANWHILE)
        for error in errors
    ), errors
    assert model.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("parent_model", "inline"), INLINE_UNIQUE, ids=label)
def test_every_unique_inline_row_added_twice_at_once_gives_a_form_error(
    monkeypatch, parent_model, inline
):
    require_postgres()
    parent = factory_for(parent_model)()
    fk = _get_foreign_key(parent_model, inline.model, fk_name=inline.fk_name)
    reader = staff_client("reader")
    data = page_form(reader, parent)
    row = factory_for(inline.model)(**{fk.name: parent})
    response = reader.get(change_url(parent))
    formset = formset_of(response, inline.model)
    values = form_values(formset.forms[0])
    for name in (VERSION_FIELD, inline.model._meta.pk.name, fk.name, "DELETE"):
        values.pop(name, None)  # the same values, as a new row
    row.delete()
    add_inline_row(data, formset.prefix, **values)

    responses = posted_at_once(change_url(parent), data, monkeypatch, inline.model)

    refused = one_saved_one_refused(responses)
    refused_formset = formset_of(refused, formset.model)
    assert any(error.endswith(MEANWHILE) for error in refused_formset.errors[0][NON_FIELD]), (
        refused_formset.errors
    )
    assert inline.model.objects.count() == 1
