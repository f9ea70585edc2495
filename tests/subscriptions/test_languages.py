"""Emails in the language the subscriber subscribed in (README, Languages)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import translation

from countries.models import ThematicMeeting, ThematicMeetingParticipation
from countries.services import country_updates_recorded
from subscriptions import sending
from subscriptions.models import Subscription
from tests.factories import (
    AttendanceFactory,
    ForumYearFactory,
    SubscriptionFactory,
    ThematicMeetingFactory,
)
from tests.subscriptions.test_emails import parts

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def subscribe(client, path: str, email: str):
    data = {"email": email, "frequency": "immediate", "website": ""}
    return client.post(path, data)


def test_the_language_of_the_page_is_stored_and_the_confirmation_is_in_it(
    client, morocco, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = subscribe(client, "/fr/countries/morocco/subscribe/", "lecteur@example.org")
    assert "Consultez votre boîte de réception" in response.text
    subscription = Subscription.objects.get(email="lecteur@example.org")
    assert subscription.language == "fr"

    [message] = mail.outbox
    assert message.subject == "Confirmez votre abonnement à Maroc (FMMD)"
    assert "Quelqu’un, probablement vous, a demandé" in message.body
    assert "https://gfmd.example.org/fr/subscriptions/confirm/" in message.body
    html = message.alternatives[0][0]
    assert 'href="https://gfmd.example.org/fr/subscriptions/confirm/' in html


def test_an_english_page_subscribes_in_english(client, morocco, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        subscribe(client, "/countries/morocco/subscribe/", "reader@example.org")
    assert Subscription.objects.get().language == "en"
    assert mail.outbox[0].subject == "Confirm your subscription to Morocco (GFMD)"


def test_a_notification_in_french_and_one_in_english_of_the_same_update(smtp_sink, morocco):
    SubscriptionFactory(country=morocco, email="lecteur@example.org", language="fr")
    SubscriptionFactory(country=morocco, email="reader@example.org", language="en")
    year = ForumYearFactory(label="2011", sort_year=2011)
    meeting = ThematicMeetingFactory(
        forum_year=year,
        kind=ThematicMeeting.Kind.THEMATIC_MEETING,
        title="Managing Migration for Development",
        start_date=datetime.date(2011, 6, 14),
        end_date=datetime.date(2011, 6, 15),
        city="Marseille",
    )
    with country_updates_recorded(source="admin", countries=[morocco.pk]) as recorder:
        AttendanceFactory(country=morocco, forum_year=year, attended_summit=True)
        ThematicMeetingParticipation.objects.create(
            meeting=meeting, country=morocco, role=ThematicMeetingParticipation.Role.CO_CHAIR
        )
    [update] = recorder.updates
    # Change detection and the stored summary are English whatever the request's language.
    assert update.summary.splitlines()[0] == "2011: added Attended Summit"

    assert sending.deliveries_send(update=update).sent == 2
    by_recipient = {message["To"]: message for message in smtp_sink.messages}
    french = by_recipient["lecteur@example.org"]
    # The subject is made one line, its no-break spaces plain ones.
    assert french["Subject"] == "Maroc : le profil pays du FMMD a changé"
    text, html = parts(french)
    assert f"2011 — ajouté{NBSP}: A assisté au sommet" in text
    assert (
        f"2011 — ajouté{NBSP}: Coprésident{NBSP}: réunion thématique sur "
        f"«{NBSP}Managing Migration for Development{NBSP}» le 14-15 juin 2011 à Marseille."
    ) in text
    assert "https://gfmd.example.org/fr/countries/morocco/" in text
    assert "https://gfmd.example.org/fr/subscriptions/manage/" in text
    assert "A assisté au sommet" in html

    english = by_recipient["reader@example.org"]
    assert english["Subject"] == "Morocco: the GFMD country profile has changed"
    text, _html = parts(english)
    assert (
        '2011: added Co-Chair in Thematic Meeting on "Managing Migration for Development" '
        "on 14-15 June 2011 in Marseille."
    ) in text
    assert "https://gfmd.example.org/countries/morocco/" in text


def test_a_digest_in_spanish(smtp_sink, morocco):
    SubscriptionFactory(
        country=morocco,
        email="lector@example.org",
        language="es",
        frequency=Subscription.Frequency.WEEKLY,
        confirmed_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
    )
    year = ForumYearFactory(label="2012", sort_year=2012)
    with country_updates_recorded(source="admin", countries=[morocco.pk]):
        AttendanceFactory(country=morocco, forum_year=year, attended_summit=True)

    report = sending.digests_send_due(
        now=datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=8)
    )
    assert report.sent == 1
    [message] = smtp_sink.messages
    # A long non-ASCII subject is folded into encoded words; unfolded, it reads as written.
    subject = " ".join(message["Subject"].split())
    assert subject == "Marruecos: los cambios de esta semana en el perfil de país del FMMD"
    text, _html = parts(message)
    assert "2012 — añadido: Asistió a la cumbre" in text


def test_an_edit_made_in_french_is_summarised_in_every_language(morocco):
    """The admin follows its user's language; what changed never depends on it."""
    year = ForumYearFactory(label="2013", sort_year=2013)
    with translation.override("fr"):
        with country_updates_recorded(source="admin", countries=[morocco.pk]) as recorder:
            AttendanceFactory(country=morocco, forum_year=year, attended_summit=True)
        with country_updates_recorded(source="admin", countries=[morocco.pk]) as unchanged:
            pass
    [update] = recorder.updates
    assert unchanged.updates == []
    assert update.summary == "2013: added Attended Summit"
    assert update.translated_summaries == {
        "fr": f"2013 — ajouté{NBSP}: A assisté au sommet",
        "es": "2013 — añadido: Asistió a la cumbre",
    }
    with translation.override("es"):
        assert update.headline == "2013 — añadido: Asistió a la cumbre"
