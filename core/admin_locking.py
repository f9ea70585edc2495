"""Optimistic locking for admin change forms and inlines: no save overwrites a change made
by someone else since the page was opened.

Each form of a stored record (the change form and every existing inline row) carries a
hidden version: a short digest of each stored field's value (many-to-many included, the
automatic timestamps left out) as the record was when the page was built. A digest rather
than a version number: it needs no column, and it sees every writer (an import, a moderation
action, a queryset update, a data load), not only those that would remember to count.

On save the form is checked twice against the record as stored:
- while validating, without a lock: a change made meanwhile is refused with a form error that
  names each field that differs (label: their value, yours), the user's input kept and the
  version updated, so saving again is a deliberate choice to replace their values;
- just before writing, with the row locked (`select_for_update`, in the view's transaction),
  so two saves at the same moment cannot both pass: the loser's view is run once more, and its
  validation now shows the winner's change.

A field that both changed to the same value is no conflict. A save that collides with a
unique constraint at the same moment (two staff adding the same row) is run once more too:
validation then names the row that someone else added. Nothing here imports a project app.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.admin.utils import flatten_fieldsets
from django.db import IntegrityError, OperationalError, models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.text import capfirst
from django.utils.translation import gettext as _

VERSION_FIELD = "opened_version"
STATE = "_gfmd_locking_state"
DIGEST_LENGTH = 12


class EditConflict(Exception):
    """The record changed after validation, found with its row locked just before writing."""


@dataclass(frozen=True)
class Collision:
    """What a unique-constraint error names: the model and the fields of the constraint."""

    model: type[models.Model] | None
    fields: tuple[models.Field, ...]


@dataclass
class LockingState:
    """Per request: whether the form is a history revert, and why the view runs again."""

    reverting: bool = False
    collision: Collision | None = None


# The version of a stored record.


def tracked_fields(model: type[models.Model]) -> list[models.Field]:
    opts = model._meta
    concrete = [
        field
        for field in opts.concrete_fields
        if not field.primary_key
        and not getattr(field, "auto_now", False)
        and not getattr(field, "auto_now_add", False)
    ]
    return [*concrete, *opts.many_to_many]


def stored_value(obj: models.Model, field: models.Field) -> Any:
    """The field's value in a comparable form: a primary key for a relation, sorted keys for
    a many-to-many field."""
    if field.many_to_many:
        return sorted(related.pk for related in getattr(obj, field.name).all())
    return field.value_from_object(obj)


def _digest(value: Any) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:DIGEST_LENGTH]


def version_of(obj: models.Model) -> str:
    """The hidden form value: each tracked field's digest, by field name."""
    digests = {field.name: _digest(stored_value(obj, field)) for field in tracked_fields(type(obj))}
    return json.dumps(digests, separators=(",", ":"), sort_keys=True)


def _opened_digests(version: str) -> dict[str, str]:
    try:
        digests = json.loads(version)
    except ValueError:
        return {}
    return digests if isinstance(digests, dict) else {}


# What a user reads in the message.


def _shown(field: models.Field, value: Any) -> str:
    if field.many_to_many:
        return ", ".join(str(item) for item in value) or _("none")
    if value is None or value == "":
        return _("empty")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field.choices and not field.is_relation:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _comparable(field: models.Field, value: Any) -> Any:
    """A form's cleaned value in the form `stored_value` gives."""
    if field.many_to_many:
        return sorted(item.pk for item in value or ())
    if field.is_relation:
        return value.pk if isinstance(value, models.Model) else value
    return value


@dataclass(frozen=True)
class Change:
    field: models.Field
    theirs: str
    yours: str | None  # None: not on the user's form

    def __str__(self) -> str:
        label = capfirst(self.field.verbose_name)
        if self.yours is None:
            return _("%(field)s: now “%(theirs)s”") % {"field": label, "theirs": self.theirs}
        return _("%(field)s: theirs “%(theirs)s”, yours “%(yours)s”") % {
            "field": label,
            "theirs": self.theirs,
            "yours": self.yours,
        }


def changes_since_opened(form: forms.ModelForm, stored: models.Model) -> list[Change]:
    """The fields of `stored` that differ from the version the form was opened with, except
    those the user set to the same value."""
    opened = _opened_digests(form.cleaned_data.get(VERSION_FIELD, ""))
    changes = []
    for field in tracked_fields(type(stored)):
        value = stored_value(stored, field)
        if opened.get(field.name) == _digest(value):
            continue
        theirs = getattr(stored, field.name) if field.is_relation else value
        if field.many_to_many:
            theirs = list(theirs.all())
        if field.name in form.fields and field.name in form.cleaned_data:
            yours = form.cleaned_data[field.name]
            if _comparable(field, yours) == value:
                continue  # both made the same change
            if field.many_to_many:
                yours = list(yours or ())
            changes.append(Change(field, _shown(field, theirs), _shown(field, yours)))
        else:
            changes.append(Change(field, _shown(field, theirs), None))
    return changes


# Forms and formsets.


class VersionField(forms.CharField):
    """The hidden version; never a change of its own (an unchanged inline row stays so)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def has_changed(self, initial: Any, data: Any) -> bool:
        return False


_NOT_SET = object()


class LockedFormMixin(forms.Form):
    """Carries the version of the record the form was opened on and refuses a save when the
    stored record has changed since (mixed into the admin's ModelForm by `locked_form`)."""

    opened_version = VersionField()

    locking_state: LockingState | None = None  # set per request by the admin
    locking_base: Any = _NOT_SET  # the record as stored, when the form's instance is not it
    is_inline_row = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version_conflict: str | None = None
        stored = self._stored()
        if not self.is_bound and stored is not None and stored.pk is not None:
            self.initial[VERSION_FIELD] = version_of(stored)

    def _stored(self) -> models.Model | None:
        """The record as stored when the view read it (a revert's form shows another)."""
        return self.instance if self.locking_base is _NOT_SET else self.locking_base

    def clean(self) -> dict[str, Any]:
        cleaned_data = super().clean()
        # Before the form's values are set on the instance: it is still the record as read.
        self._refuse_changes_since_opened()
        return cleaned_data

    def full_clean(self) -> None:
        super().full_clean()
        if self.is_bound and hasattr(self, "cleaned_data"):
            self._explain_collision()

    def _refuse_changes_since_opened(self) -> None:
        if not self.cleaned_data.get(VERSION_FIELD):
            return  # a new record, or a client that sent no version: nothing to compare
        stored = self._stored()
        if stored is None or stored.pk is None:
            self.version_conflict = _(
                "Someone else deleted this %(model)s since you opened this page; nothing was "
                "saved. Reload the page to see the records as they are now."
            ) % {"model": self._meta.model._meta.verbose_name}
            # The row's hidden id no longer matches a record: this message says why.
            self._errors.pop(self._meta.model._meta.pk.name, None)
            self.add_error(None, self.version_conflict)
            return
        changes = self.locked_changes(stored)
        if not changes:
            return
        self.version_conflict = _(
            "Someone else changed %(what)s since you opened this page: %(changes)s. Nothing was "
            "saved. Your input is kept below: save again to replace their values with yours, "
            "or reload the page to start from theirs."
        ) % {
            "what": _("this row") if self.is_inline_row else f"“{stored}”",
            "changes": "; ".join(map(str, changes)),
        }
        self.add_error(None, self.version_conflict)
        # Saving again is now a choice made knowing their change.
        data = self.data.copy()
        data[self.add_prefix(VERSION_FIELD)] = version_of(stored)
        self.data = data

    def locked_changes(self, stored: models.Model) -> list[Change]:
        return changes_since_opened(self, stored)

    def _explain_collision(self) -> None:
        """In the second run after a unique-constraint error: name the record that someone
        else saved at the same moment."""
        collision = self.locking_state and self.locking_state.collision
        if collision is None:
            return
        instance = self.instance
        mine = collision.model is not None and isinstance(instance, collision.model)
        if mine and collision.fields and (self.has_changed() or instance.pk is None):
            values = {field.attname: getattr(instance, field.attname) for field in collision.fields}
            others = type(instance)._default_manager.filter(**values).exclude(pk=instance.pk)
            if None not in values.values() and others.exists():
                self.add_error(None, _collision_message(instance, collision))
                return
        if not self.is_inline_row:
            self.add_error(
                None,
                _(
                    "Nothing was saved: someone else saved the same record at the same moment. "
                    "Check the rows marked below, or reload the page to see it."
                ),
            )


def _collision_message(instance: models.Model, collision: Collision) -> str:
    parts = []
    for field in collision.fields:
        value = getattr(instance, field.name)
        parts.append(f"{field.verbose_name} “{_shown(field, value)}”")
    return _(
        "%(model)s with %(values)s was saved by someone else meanwhile; reload the page to see it."
    ) % {"model": capfirst(instance._meta.verbose_name), "values": _(" and ").join(parts)}


class LockedFormSetMixin:
    """A row marked for deletion is not validated by Django; a change to it meanwhile still
    refuses the save."""

    def clean(self) -> None:
        super().clean()
        for form in self.deleted_forms:
            if getattr(form, "version_conflict", None):
                raise forms.ValidationError(form.version_conflict)


_locked_classes: dict[type, type] = {}


def _locked(base: type, mixin: type) -> type:
    if issubclass(base, mixin):
        return base
    if base not in _locked_classes:
        _locked_classes[base] = type(base.__name__, (mixin, base), {"__module__": base.__module__})
    return _locked_classes[base]


def locked_form(form: type[forms.ModelForm]) -> type[forms.ModelForm]:
    return _locked(form, LockedFormMixin)


def locked_formset(formset: type[forms.BaseModelFormSet]) -> type[forms.BaseModelFormSet]:
    return _locked(formset, LockedFormSetMixin)


def with_version_field(fieldsets: list) -> list:
    """The fieldsets with the hidden version in the first one (rendered as a hidden row)."""
    if not fieldsets or VERSION_FIELD in flatten_fieldsets(fieldsets):
        return fieldsets
    (name, options), *rest = fieldsets
    first = (name, {**options, "fields": [*options["fields"], VERSION_FIELD]})
    return [first, *rest]


def without_version_field(fieldsets: list) -> list:
    """The fieldsets of a page to look at: the version would show as a read-only field."""
    return [
        (name, {**options, "fields": [f for f in options["fields"] if f != VERSION_FIELD]})
        for name, options in fieldsets
    ]


# The check with the rows locked, just before writing.


def check_locked(forms_of_stored: Iterable[forms.ModelForm]) -> None:
    """Lock the stored rows of these forms and raise EditConflict if any has changed."""
    by_model: dict[type[models.Model], list[forms.ModelForm]] = {}
    for form in forms_of_stored:
        if isinstance(form, LockedFormMixin) and form.cleaned_data.get(VERSION_FIELD):
            by_model.setdefault(form._meta.model, []).append(form)
    for model, model_forms in by_model.items():
        pks = [form.instance.pk for form in model_forms]
        rows = model._base_manager.select_for_update().filter(pk__in=pks).order_by("pk")
        stored = {row.pk: row for row in rows}
        for form in model_forms:
            row = stored.get(form.instance.pk)
            if row is None or form.locked_changes(row):
                raise EditConflict(f"{model._meta.label} {form.instance.pk}")


def unique_violation(error: IntegrityError) -> Collision | None:
    """The model and fields of the unique constraint an IntegrityError reports; None for
    another integrity error."""
    cause = error.__cause__
    table, columns = None, []
    if getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None):
        if (getattr(cause, "pgcode", None) or cause.sqlstate) != "23505":
            return None
        table = cause.diag.table_name
        key = re.match(r"Key \((.*?)\)=", cause.diag.message_detail or "")
        columns = key.group(1).split(", ") if key else []
    else:
        failed = re.match(r"UNIQUE constraint failed: (.*)", str(error))
        if failed is None:
            return None
        pairs = [column.split(".", 1) for column in failed.group(1).split(", ")]
        if all(len(pair) == 2 for pair in pairs):
            table, columns = pairs[0][0], [column for _table, column in pairs]
    model = next((m for m in apps.get_models() if m._meta.db_table == table), None)
    if model is None:
        return Collision(None, ())
    by_column = {field.column: field for field in model._meta.concrete_fields}
    fields = tuple(by_column[column] for column in columns if column in by_column)
    return Collision(model, fields if len(fields) == len(columns) else ())


DEADLOCK = "40P01"


def _lost_race(error: Exception) -> Collision | None:
    """The collision of a save that lost a race; any other database error is raised again.

    A deadlock counts as a lost race: PostgreSQL ends one of two saves that lock the same rows
    in opposite orders (a revert locks its record before the countries it shows on, a country
    page its country before its rows), and once its locks are released the other goes on."""
    if isinstance(error, EditConflict):
        return None
    if isinstance(error, OperationalError):
        if getattr(error.__cause__, "pgcode", None) == DEADLOCK:
            return None
        raise error
    collision = unique_violation(error)
    if collision is None:
        raise error
    return collision


# The admin classes.


class LockingAdminMixin:
    """ModelAdmin mixin: the change form and the revert form carry the record's version, and a
    save that would overwrite someone else's change is refused. Put it after the mixins whose
    save hooks lock other rows first (so every view locks rows in the same order)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.form = locked_form(type(self).form)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            return without_version_field(fieldsets)  # a page to look at, all read-only
        return with_version_field(fieldsets)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        state = request.__dict__.get(STATE)
        form.locking_state = state
        if state is not None and state.reverting and obj is not None:
            # The form shows the version reverted to; the check is against what is stored.
            form.locking_base = self.model._base_manager.filter(pk=obj.pk).first()
        return form

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        view = super().changeform_view
        return self._run_locked(request, lambda: view(request, *args, **kwargs), reverting=False)

    def history_form_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        view = super().history_form_view
        return self._run_locked(request, lambda: view(request, *args, **kwargs), reverting=True)

    def save_model(self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool):
        if change:
            check_locked([form])
        super().save_model(request, obj, form, change)

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool
    ) -> None:
        check_locked(inline_form for formset in formsets for inline_form in formset.initial_forms)
        super().save_related(request, form, formsets, change)

    def _run_locked(
        self, request: HttpRequest, view: Callable[[], HttpResponse], *, reverting: bool
    ) -> HttpResponse:
        """Run the view; when its save lost a race (a change or a unique row committed by
        someone else at the same moment), run it once more: the view's transaction is rolled
        back, and validation now sees what the other save wrote, so the form comes back with
        the user's input and a message."""
        try:
            request.__dict__[STATE] = LockingState(reverting=reverting)
            try:
                return view()
            except (EditConflict, IntegrityError, OperationalError) as error:
                collision = _lost_race(error)
            request.__dict__[STATE] = LockingState(reverting=reverting, collision=collision)
            try:
                return view()
            except (EditConflict, IntegrityError, OperationalError) as error:
                _lost_race(error)
            # A third save at the same moment: rare enough to ask for a reload.
            messages.error(
                request,
                _(
                    "Nothing was saved: others saved the same records at the same moment. "
                    "Check the page as it is now and make your change again."
                ),
            )
            return HttpResponseRedirect(request.get_full_path())
        finally:
            request.__dict__.pop(STATE, None)


class LockingInlineMixin:
    """InlineModelAdmin mixin: each existing row carries its version; a row changed or
    deleted by someone else since the page was opened refuses the whole save."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.form = locked_form(type(self).form)
        self.formset = locked_formset(type(self).formset)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        fieldsets = super().get_fieldsets(request, obj)
        if not self.has_change_permission(request, obj):
            return without_version_field(fieldsets)  # rows to look at, all read-only
        return with_version_field(fieldsets)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.locking_state = request.__dict__.get(STATE)
        formset.form.is_inline_row = True
        return formset
