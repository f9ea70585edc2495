"""Moderation in the admin: the queue, publish and reject actions (who may use what:
tests/gfmd/test_roles.py)."""

from __future__ import annotations

import datetime

from django.urls import reverse

from practices.models import PracticeSubmission
from subscriptions.models import CountryUpdate
from tests.admin_forms import form_data
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
    assert update.summary == f"Practice published: “{first.title}”"


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
