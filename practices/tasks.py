from __future__ import annotations

from django_tasks import task

from practices.emails import practice_acknowledgement_send, practice_moderators_notify
from practices.models import PracticeSubmission


def _practice(practice_id: int) -> PracticeSubmission:
    return PracticeSubmission.objects.prefetch_related("countries", "themes").get(pk=practice_id)


@task()
def practice_acknowledgement_task(practice_id: int) -> int:
    return practice_acknowledgement_send(practice=_practice(practice_id))


@task()
def practice_moderators_notify_task(practice_id: int) -> int:
    return practice_moderators_notify(practice=_practice(practice_id))
