"""Staff roles hold on every path that reads out or changes a record.

Each group (Editors, Moderators, a staff member with no group) is tried on every way the
admin offers to change or take out a practice: the form, the actions, the import (preview
and confirm), the history revert and the export, plus the subscriber counts. A refusal is a
403 or a row the import refuses with a message; nothing is written either way.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from practices.models import PracticeSubmission
from practices.resources import PracticeResource
from tests.admin_forms import form_data, form_values
from tests.concurrency import require_postgres, second_waits_for_first, staff_client
from tests.factories import PracticeFactory, SubscriptionFactory
from tests.importing import CSV_FORMAT, confirm, upload

PUBLISHED, PENDING, REJECTED = (
    PracticeSubmission.Status.PUBLISHED,
    PracticeSubmission.Status.PENDING,
    PracticeSubmission.Status.REJECTED,
)
IMPORT = "admin:practices_practicesubmission_import"
PROCESS_IMPORT = "admin:practices_practicesubmission_process_import"
EXPORT = "admin:practices_practicesubmission_export"
CHANGELIST = "admin:practices_practicesubmission_changelist"
COUNTS = "admin:subscriptions_subscription_counts"
HEADER = "slug,title,description,submitted_by_name,status,rejection_reason,published_on\n"


def staff_with(username: str, *codenames: str):
    """A staff member with these permissions and no group."""
    user = get_user_model().objects.create_user(username, password="pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def plain_staff(db):
    """Staff status and no group: may log in to the admin and do nothing there."""
    return staff_with("plain")


@pytest.fixture
def updater(db):
    """May view and change practices but not add them (a custom set of permissions)."""
    return staff_with("updater", "view_practicesubmission", "change_practicesubmission")


def pending(**fields) -> PracticeSubmission:
    return PracticeFactory(status=PENDING, published_on=None, **fields)


def rejected(**fields) -> PracticeSubmission:
    return PracticeFactory(status=REJECTED, published_on=None, rejection_reason="Spam", **fields)


def logged_in(client, user):
    client.force_login(user)
    return client


def change_url(practice: PracticeSubmission) -> str:
    return reverse("admin:practices_practicesubmission_change", args=[practice.pk])


def revert_url(practice: PracticeSubmission, record) -> str:
    return reverse(
        "admin:practices_practicesubmission_simple_history",
        args=[practice.pk, record.history_id],
    )


def rejected_after_being_published() -> tuple[PracticeSubmission, object]:
    """A practice published, then edited, then rejected; and its published version."""
    practice = PracticeFactory(title="Once published", status=PUBLISHED)
    published_version = practice.history.latest()
    practice.title = "Retitled"
    practice.save()
    practice.status, practice.rejection_reason, practice.published_on = REJECTED, "Spam", None
    practice.save()
    return practice, published_version


def csv_rows(*rows: str) -> bytes:
    return (HEADER + "".join(f"{row}\n" for row in rows)).encode()


def preview_messages(response) -> list[str]:
    return response.context["result"].error_messages()


# Editors: content yes, moderation no -------------------------------------------------------


def test_editors_cannot_publish_a_new_practice_by_import(editor_client):
    content = csv_rows("new-one,New one,<p>Text</p>,Ana,Published,,2024-01-01")
    [(_resource, columns)] = editor_client.get(reverse(IMPORT)).context["fields_list"]
    assert "title" in columns
    assert not {"status", "rejection_reason", "published_on"} & set(columns)

    preview = upload(editor_client, IMPORT, content, "new.csv")

    assert preview_messages(preview) == [
        'row 2: column "status": you may not change this column; leave it empty or as it is',
        'row 2: column "published_on": you may not change this column; leave it empty or as it is',
    ]
    assert "confirm_form" not in preview.context
    assert not PracticeSubmission.objects.exists()


def test_editors_cannot_publish_or_unreject_a_stored_practice_by_import(editor_client):
    waiting = pending(slug="waiting")
    refused = rejected(slug="refused")
    content = csv_rows(
        "waiting,Waiting,<p>Text</p>,Ana,published,,",
        "refused,Refused,<p>Text</p>,Ana,Rejected,Not spam after all,",
    )

    preview = upload(editor_client, IMPORT, content, "publish.csv")

    assert preview_messages(preview) == [
        'row 2: column "status": you may not change this column; leave it empty or as it is',
        'row 3: column "rejection_reason": you may not change this column; leave it empty or '
        "as it is",
    ]
    assert set(PracticeSubmission.objects.values_list("slug", "status", "rejection_reason")) == {
        (waiting.slug, PENDING, ""),
        (refused.slug, REJECTED, "Spam"),
    }


def test_editors_import_content_with_the_moderation_columns_as_they_are(editor, editor_client):
    stored = rejected(slug="refused")
    content = csv_rows(
        "refused,Retitled,<p>Text</p>,Ana,Rejected,Spam,", "brand-new,Brand new,<p>Text</p>,Ana,,,"
    )

    preview = upload(editor_client, IMPORT, content, "content.csv")
    assert preview_messages(preview) == []
    confirm(editor_client, PROCESS_IMPORT, preview)

    stored.refresh_from_db()
    assert (stored.title, stored.status, stored.rejection_reason) == ("Retitled", REJECTED, "Spam")
    new = PracticeSubmission.objects.get(slug="brand-new")
    assert (new.status, new.published_on) == (PENDING, None)
    assert new.history.get().history_user == editor


def test_editors_cannot_republish_a_rejected_practice_by_reverting_it(editor_client):
    practice, published_version = rejected_after_being_published()
    url = revert_url(practice, published_version)
    page = editor_client.get(url)
    assert page.context["adminform"].form.instance.status == REJECTED  # shown as it is now

    response = editor_client.post(url, form_data(page, "historicalpracticesubmission_form"))

    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.title == "Once published"  # the content is restored
    assert (practice.status, practice.rejection_reason, practice.published_on) == (
        REJECTED,
        "Spam",
        None,
    )


def test_a_deleted_practice_comes_back_from_its_history_as_pending(client, editor, updater):
    """Deleting a rejected practice and restoring its published version does not publish it;
    restoring a deleted record needs the add permission."""
    practice, published_version = rejected_after_being_published()
    url = revert_url(practice, published_version)
    pk = practice.pk
    practice.delete()
    logged_in(client, updater)
    assert client.post(url, {"title": "Once published"}).status_code == 403
    logged_in(client, editor)

    response = client.post(url, form_data(client.get(url), "historicalpracticesubmission_form"))

    assert response.status_code == 302
    restored = PracticeSubmission.objects.get(pk=pk)
    assert (restored.title, restored.status, restored.published_on) == (
        "Once published",
        PENDING,
        None,
    )


def test_an_import_keeps_a_publication_made_while_it_runs(editor_client, monkeypatch):
    """The import writes the columns it may change and no other: a moderator's publication
    between the import reading the practice and writing it stays."""
    practice = pending(slug="waiting")
    write = PracticeResource.before_save_instance

    def published_meanwhile(self, instance, row, **kwargs):
        PracticeSubmission.objects.filter(pk=practice.pk).update(
            status=PUBLISHED, published_on=datetime.date(2024, 1, 2)
        )
        write(self, instance, row, **kwargs)

    content = csv_rows("waiting,Retitled,<p>Text</p>,Ana,,,")
    preview = upload(editor_client, IMPORT, content, "retitle.csv")
    monkeypatch.setattr(PracticeResource, "before_save_instance", published_meanwhile)
    confirm(editor_client, PROCESS_IMPORT, preview)

    practice.refresh_from_db()
    assert (practice.title, practice.status, practice.published_on) == (
        "Retitled",
        PUBLISHED,
        datetime.date(2024, 1, 2),
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_publication_during_a_revert_is_kept(monkeypatch):
    """The revert locks the practice from reading it to writing it: a moderator publishing
    at that moment waits, and the revert does not write back the status it read."""
    require_postgres()
    practice = pending(title="Original")
    original = practice.history.latest()
    practice.title = "Edited"
    practice.save()
    url = revert_url(practice, original)
    reverter, moderator = staff_client("reverter"), staff_client("moderator")
    data = form_data(reverter.get(url), "historicalpracticesubmission_form")
    publish = {"action": "publish_selected", "_selected_action": [practice.pk]}

    responses = second_waits_for_first(
        monkeypatch,
        PracticeSubmission,
        lambda: reverter.post(url, data),
        lambda: moderator.post(reverse(CHANGELIST), publish),
    )

    assert [response.status_code for response in responses] == [302, 302]
    practice.refresh_from_db()
    assert (practice.title, practice.status) == ("Original", PUBLISHED)


def test_editors_see_no_moderation_field_to_change_in_the_form(editor_client):
    practice = pending()
    data = form_data(editor_client.get(change_url(practice)), "practicesubmission_form")
    data |= {"status": ["published"], "published_on": ["2024-01-01"]}

    assert editor_client.post(change_url(practice), data).status_code == 302

    practice.refresh_from_db()
    assert (practice.status, practice.published_on) == (PENDING, None)


def test_editors_export_practices(editor_client):
    PracticeFactory(title="Exported", submitter_email="ana@example.org")

    page = editor_client.get(reverse(EXPORT))
    values = form_values(page.context["form"]) | {"format": CSV_FORMAT}

    response = editor_client.post(reverse(EXPORT), values)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert b"Exported" in response.content


# Moderators: publish or reject, and nothing else -------------------------------------------


def test_moderators_group_may_view_and_moderate_practices_only(db):
    group = Group.objects.get(name="Moderators")

    assert sorted(group.permissions.values_list("content_type__app_label", "codename")) == [
        ("practices", "moderate_practicesubmission"),
        ("practices", "view_practicesubmission"),
    ]


def test_moderators_cannot_import_practices(moderator_client):
    content = csv_rows("new-one,New one,<p>Text</p>,Ana,,,")

    assert moderator_client.get(reverse(IMPORT)).status_code == 403
    assert upload(moderator_client, IMPORT, content, "new.csv").status_code == 403
    assert moderator_client.post(reverse(PROCESS_IMPORT), {}).status_code == 403
    assert not PracticeSubmission.objects.exists()


def test_moderators_cannot_export_practices_and_the_submitters_addresses(moderator_client):
    PracticeFactory(submitter_email="private@example.org")

    assert moderator_client.get(reverse(EXPORT)).status_code == 403
    response = moderator_client.post(reverse(EXPORT), {"format": "0", "resource": "0"})
    assert response.status_code == 403
    changelist = moderator_client.get(reverse(CHANGELIST))
    actions = [name for name, _ in changelist.context["action_form"].fields["action"].choices]
    assert actions == ["", "publish_selected", "reject_selected"]


def test_moderators_read_a_practice_but_cannot_change_its_content(moderator_client):
    practice = pending(title="As submitted")
    page = moderator_client.get(change_url(practice))
    assert "practicesubmission_form" in page.content.decode()
    assert page.context["has_change_permission"] is False

    response = moderator_client.post(
        change_url(practice), {"title": "Edited by a moderator", "description": "<p>x</p>"}
    )
    delete_url = reverse("admin:practices_practicesubmission_delete", args=[practice.pk])

    assert response.status_code == 403
    assert moderator_client.post(delete_url, {"post": "yes"}).status_code == 403
    practice.refresh_from_db()
    assert practice.title == "As submitted"


def test_moderators_cannot_revert_a_practice(moderator_client):
    practice, published_version = rejected_after_being_published()
    url = revert_url(practice, published_version)

    response = moderator_client.post(url, {"title": "Once published", "_save": "Save"})

    assert response.status_code == 403
    practice.refresh_from_db()
    assert (practice.title, practice.status) == ("Retitled", REJECTED)


def test_moderators_still_publish_and_reject(moderator_client):
    to_publish = pending()
    to_reject = pending()

    moderator_client.post(
        reverse(CHANGELIST), {"action": "publish_selected", "_selected_action": [to_publish.pk]}
    )
    moderator_client.post(
        reverse(CHANGELIST),
        {
            "action": "reject_selected",
            "_selected_action": [to_reject.pk],
            "apply": "1",
            "reason": "Not a practice.",
        },
    )

    to_publish.refresh_from_db()
    to_reject.refresh_from_db()
    assert (to_publish.status, to_publish.published_on) == (PUBLISHED, datetime.date.today())
    assert (to_reject.status, to_reject.rejection_reason) == (REJECTED, "Not a practice.")


def test_moderators_publish_or_reject_from_the_practice_page(moderator_client):
    practice = pending()
    page = moderator_client.get(change_url(practice))

    response = moderator_client.post(reverse(CHANGELIST), form_data(page, "publish-form"))

    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.status == PUBLISHED
    page = moderator_client.get(change_url(practice))
    assert 'id="publish-form"' not in page.content.decode()
    asked = moderator_client.post(reverse(CHANGELIST), form_data(page, "reject-form"))
    assert "You are rejecting this practice" in asked.content.decode()


def test_nobody_changes_the_moderation_fields_in_the_form(client, staff, editor_client):
    """Not even a superuser: publishing and rejecting are the actions' job, which record the
    country updates and keep the dates and the reason consistent."""
    practice = pending()
    assert 'id="publish-form"' not in editor_client.get(change_url(practice)).content.decode()
    logged_in(client, staff)
    data = form_data(client.get(change_url(practice)), "practicesubmission_form")
    data |= {"status": ["published"], "published_on": ["2024-01-01"], "title": ["Edited"]}

    assert client.post(change_url(practice), data).status_code == 302

    practice.refresh_from_db()
    assert (practice.title, practice.status, practice.published_on) == ("Edited", PENDING, None)


# Nobody: staff without a group, and partial permissions -----------------------------------


def test_staff_without_a_group_can_do_nothing_with_practices(client, plain_staff, morocco):
    logged_in(client, plain_staff)
    practice, published_version = rejected_after_being_published()
    content = csv_rows("new-one,New one,<p>Text</p>,Ana,,,")

    responses = {
        "list": client.get(reverse(CHANGELIST)),
        "add": client.get(reverse("admin:practices_practicesubmission_add")),
        "change": client.post(change_url(practice), {"title": "Changed"}),
        "delete": client.post(
            reverse("admin:practices_practicesubmission_delete", args=[practice.pk]),
            {"post": "yes"},
        ),
        "country with its inlines": client.post(
            reverse("admin:countries_country_change", args=[morocco.pk]),
            {"name": "Changed", "attendances-TOTAL_FORMS": "1"},
        ),
        "publish": client.post(
            reverse(CHANGELIST), {"action": "publish_selected", "_selected_action": [practice.pk]}
        ),
        "import": upload(client, IMPORT, content, "new.csv"),
        "confirm import": client.post(reverse(PROCESS_IMPORT), {}),
        "export": client.post(reverse(EXPORT), {"format": "0", "resource": "0"}),
        "revert": client.post(revert_url(practice, published_version), {"title": "Reverted"}),
        "subscriber counts": client.get(reverse(COUNTS)),
    }

    assert {path: response.status_code for path, response in responses.items()} == dict.fromkeys(
        responses, 403
    )
    practice.refresh_from_db()
    assert (practice.title, practice.status) == ("Retitled", REJECTED)
    assert PracticeSubmission.objects.count() == 1


def test_an_import_creates_nothing_for_staff_who_may_not_add(client, updater):
    logged_in(client, updater)
    stored = pending(slug="stored", title="Stored")
    updated = "stored,Stored and updated,<p>Text</p>,Ana,,,"
    content = csv_rows(updated, "new-one,New one,<p>Text</p>,Ana,,,")

    preview = upload(client, IMPORT, content, "new.csv")

    assert preview_messages(preview) == [
        "row 3: names no practice that exists, and you may not add practices"
    ]
    assert list(PracticeSubmission.objects.values_list("slug", flat=True)) == [stored.slug]

    update_only = upload(client, IMPORT, csv_rows(updated), "update.csv")
    confirm(client, PROCESS_IMPORT, update_only)
    stored.refresh_from_db()
    assert stored.title == "Stored and updated"


def test_a_view_only_user_cannot_revert(client, db):
    viewer = staff_with("viewer", "view_practicesubmission")
    practice, published_version = rejected_after_being_published()
    logged_in(client, viewer)

    response = client.post(revert_url(practice, published_version), {"title": "Reverted"})

    assert response.status_code == 403
    practice.refresh_from_db()
    assert practice.title == "Retitled"


# Subscriber counts: as private as the subscription list -----------------------------------


@pytest.mark.parametrize("role", ["editor", "moderator", "plain_staff"])
def test_subscriber_counts_need_the_subscription_list_permission(client, db, request, role):
    SubscriptionFactory()
    logged_in(client, request.getfixturevalue(role))

    assert client.get(reverse("admin:subscriptions_subscription_changelist")).status_code == 403
    assert client.get(reverse(COUNTS)).status_code == 403


def test_staff_allowed_to_see_subscriptions_see_the_counts_but_export_no_address(client, db):
    viewer = staff_with("viewer", "view_subscription")
    subscription = SubscriptionFactory()
    logged_in(client, viewer)

    response = client.get(reverse(COUNTS))

    assert response.status_code == 200
    assert [country.name for country in response.context["countries"]] == [
        subscription.country.name
    ]
    assert client.get(reverse("admin:subscriptions_subscription_export")).status_code == 403
