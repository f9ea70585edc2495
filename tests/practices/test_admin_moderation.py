"""Moderation in the admin: the queue, publish and reject actions (who may use what:
tests/gfmd/test_roles.py)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from countries.models import CountryUpdate
from practices.models import PracticeSubmission
from tests.admin_forms import form_data
from tests.concurrency import at_once, meet_before_saving, require_postgres, staff_client
from tests.factories import PracticeFactory

CHANGELIST = reverse("admin:practices_practicesubmission_changelist")
PENDING = PracticeSubmission.Status.PENDING


def change_url(practice: PracticeSubmission) -> str:
    return reverse("admin:practices_practicesubmission_change", args=[practice.pk])


def pending(**fields) -> PracticeSubmission:
    return PracticeFactory(status=PENDING, published_on=None, **fields)


def test_queue_lists_pending_practices_first(moderator_client):
    PracticeFactory(title="Old published", submitted_on=datetime.date(2024, 1, 1))
    pending(title="Pending older", submitted_on=datetime.date(2019, 1, 1))
    pending(title="Pending newer", submitted_on=datetime.date(2023, 1, 1))
    PracticeFactory(title="Rejected", status="rejected", published_on=None, rejection_reason="Spam")

    response = moderator_client.get(CHANGELIST)

    titles = [practice.title for practice in response.context["cl"].result_list]
    assert titles[:2] == ["Pending newer", "Pending older"]
    assert set(titles[2:]) == {"Old published", "Rejected"}


def test_publish_action_publishes_many_and_records_country_updates(moderator_client, morocco):
    first, second = pending(countries=[morocco]), pending(is_global=True)
    already = PracticeFactory()

    response = moderator_client.post(
        CHANGELIST,
        {"action": "publish_selected", "_selected_action": [first.pk, second.pk, already.pk]},
        follow=True,
    )

    messages = [str(message) for message in response.context["messages"]]
    assert "Published 2 practices." in messages
    assert f"“{already.title}” is already published." in messages
    for practice in (first, second):
        practice.refresh_from_db()
        assert practice.status == "published"
        assert practice.published_on == datetime.date.today()
    update = CountryUpdate.objects.get()
    assert (update.country, update.source) == (morocco, CountryUpdate.Source.PRACTICE)
    assert update.summary == f'Practices: added "{first.title}"'


def reject(client: Client, practices: list[PracticeSubmission]):
    selected = [practice.pk for practice in practices]
    data = {"action": "reject_selected", "_selected_action": selected, "apply": "1"}
    return client.post(CHANGELIST, {**data, "reason": "Withdrawn by its authors."})


def test_rejecting_a_published_practice_records_its_removal(moderator_client, morocco, france):
    published = PracticeFactory(title="Diaspora bonds", countries=[morocco, france])
    never_shown = pending(title="Spam", countries=[morocco])

    assert reject(moderator_client, [published, never_shown]).status_code == 302

    updates = CountryUpdate.objects.order_by("country__name")
    assert [(u.country, u.summary, u.source) for u in updates] == [
        (france, 'Practices: removed "Diaspora bonds"', CountryUpdate.Source.PRACTICE),
        (morocco, 'Practices: removed "Diaspora bonds"', CountryUpdate.Source.PRACTICE),
    ]


def test_reject_action_asks_for_a_reason_first(moderator_client):
    practices = [pending(title="Spam one"), pending(title="Spam two")]
    selected = [practice.pk for practice in practices]

    asked = moderator_client.post(
        CHANGELIST, {"action": "reject_selected", "_selected_action": selected}
    )
    assert asked.status_code == 200
    assert "You are rejecting these 2 practices" in asked.content.decode()
    assert PracticeSubmission.objects.filter(status=PENDING).count() == 2

    empty = moderator_client.post(
        CHANGELIST,
        {"action": "reject_selected", "_selected_action": selected, "apply": "1", "reason": " "},
    )
    assert empty.status_code == 200
    assert empty.context["form"].errors["reason"] == ["This field is required."]
    assert PracticeSubmission.objects.filter(status=PENDING).count() == 2

    done = moderator_client.post(
        CHANGELIST,
        {
            "action": "reject_selected",
            "_selected_action": selected,
            "apply": "1",
            "reason": "Advertising, not a practice.",
        },
        follow=True,
    )
    assert "Rejected 2 practices." in [str(m) for m in done.context["messages"]]
    assert set(PracticeSubmission.objects.values_list("status", "rejection_reason")) == {
        ("rejected", "Advertising, not a practice.")
    }


def test_editors_see_no_moderation_actions_and_cannot_use_them(editor_client):
    practice = pending()

    response = editor_client.get(CHANGELIST)
    actions = [name for name, _ in response.context["action_form"].fields["action"].choices]
    assert "publish_selected" not in actions
    assert "reject_selected" not in actions

    editor_client.post(
        CHANGELIST, {"action": "publish_selected", "_selected_action": [practice.pk]}
    )
    practice.refresh_from_db()
    assert practice.status == PENDING


def test_descriptions_are_sanitised_through_the_admin(editor_client):
    practice = pending()
    data = form_data(editor_client.get(change_url(practice)), "practicesubmission_form")
    data["description"] = [
        "<p>Kept</p><script>alert(1)</script><img src=x onerror=alert(2)>"
        '<a href="javascript:alert(3)">link</a><svg onload=alert(4)></svg>'
    ]

    assert editor_client.post(change_url(practice), data).status_code == 302

    practice.refresh_from_db()
    assert practice.description == '<p>Kept</p><a rel="nofollow noopener">link</a>'


def publish_with_the_action(client: Client, practice: PracticeSubmission):
    data = {"action": "publish_selected", "_selected_action": [practice.pk]}
    return client.post(CHANGELIST, data)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_moderators_publishing_at_once_record_one_update_per_country(
    morocco, france, monkeypatch
):
    require_postgres()
    practice = pending(title="Diaspora bonds", countries=[morocco, france])
    clients = [staff_client(f"moderator{index}") for index in range(2)]
    meet_before_saving(monkeypatch, PracticeSubmission, parties=2)

    responses = at_once(*[lambda c=c: publish_with_the_action(c, practice) for c in clients])

    assert [response.status_code for response in responses] == [302, 302]
    practice.refresh_from_db()
    assert practice.status == PracticeSubmission.Status.PUBLISHED
    assert sorted(CountryUpdate.objects.values_list("country__name", "summary")) == [
        ("France", 'Practices: added "Diaspora bonds"'),
        ("Morocco", 'Practices: added "Diaspora bonds"'),
    ]
