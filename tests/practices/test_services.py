from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from countries.models import CountryUpdate
from practices.models import PracticeSubmission
from practices.services import (
    practice_description_sanitise,
    practice_publish,
    practice_reject,
    practice_slug_make,
    practice_submit,
)
from tests.factories import PracticeFactory


class TestDescriptionSanitise:
    @pytest.mark.parametrize(
        "payload",
        [
            "<script>alert(1)</script><p>Text</p>",
            '<img src="x" onerror="alert(1)"><p>Text</p>',
            '<p onclick="alert(1)">Text</p>',
            '<svg onload="alert(1)"></svg><p>Text</p>',
            '<iframe src="https://evil.example"></iframe><p>Text</p>',
            "<style>body{display:none}</style><p>Text</p>",
        ],
    )
    def test_dangerous_markup_is_removed(self, payload):
        cleaned = practice_description_sanitise(payload)

        assert cleaned.endswith("<p>Text</p>")
        for bad in ("<script", "alert", "onerror", "onload", "onclick", "<svg", "<img", "<iframe"):
            assert bad not in cleaned

    @pytest.mark.parametrize(
        "href", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>"]
    )
    def test_links_to_unsafe_schemes_lose_their_href(self, href):
        cleaned = practice_description_sanitise(f'<p><a href="{href}">click</a></p>')

        assert "href" not in cleaned
        assert "click" in cleaned

    def test_allowed_markup_is_kept_and_links_get_rel(self):
        html = (
            "<p><strong>Bold</strong> <em>it</em> <b>b</b> <i>i</i><br></p>"
            "<ul><li>one</li></ul><ol><li>two</li></ol><blockquote>quote</blockquote>"
            '<p><a href="https://gfmd.org/x" title="GFMD">web</a> '
            '<a href="mailto:a@b.org">mail</a></p>'
        )

        cleaned = practice_description_sanitise(html)

        for kept in ("<strong>Bold</strong>", "<em>it</em>", "<ul><li>one</li></ul>", "<br>"):
            assert kept in cleaned
        assert "<blockquote>quote</blockquote>" in cleaned
        assert (
            '<a href="https://gfmd.org/x" title="GFMD" rel="nofollow noopener">web</a>' in cleaned
        )
        assert 'href="mailto:a@b.org"' in cleaned

    def test_other_tags_are_stripped_keeping_their_text(self):
        assert practice_description_sanitise("<h1>Title</h1><div>body</div>") == "Titlebody"

    def test_plain_text_becomes_escaped_paragraphs(self):
        cleaned = practice_description_sanitise("First line\nsecond & third\n\nNext paragraph")

        assert cleaned == "<p>First line<br>second &amp; third</p>\n\n<p>Next paragraph</p>"

    def test_sanitising_twice_changes_nothing(self):
        once = practice_description_sanitise('<p>a <a href="https://x.org">b</a></p>')

        assert practice_description_sanitise(once) == once


class TestSlugMake:
    def test_slug_from_title_then_numbered(self, db):
        PracticeFactory(title="Labour mobility", slug="labour-mobility")
        PracticeFactory(title="x", slug="labour-mobility-2")

        assert practice_slug_make(title="Labour Mobility!") == "labour-mobility-3"
        assert practice_slug_make(title="Diaspora bonds") == "diaspora-bonds"

    def test_reserved_and_empty_slugs(self, db):
        assert practice_slug_make(title="Submit") == "submit-2"
        assert practice_slug_make(title="هجرة") == "practice"

    def test_own_slug_is_free_when_editing(self, db):
        practice = PracticeFactory(title="Labour mobility", slug="labour-mobility")

        assert practice_slug_make(title="Labour mobility", exclude_pk=practice.pk) == (
            "labour-mobility"
        )


def submit(**overrides):
    data = {
        "title": "Diaspora bonds for development",
        "description": "Plain text\n\nin two paragraphs & more",
        "submitted_by_name": "Amina Diallo",
        "submitter_email": "amina@example.org",
        "is_global": True,
    }
    return practice_submit(**data | overrides)


class TestSubmit:
    def test_stores_a_pending_sanitised_practice_dated_today(
        self, db, morocco, diaspora, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            practice = submit(countries=[morocco], themes=[diaspora], is_global=False)

        practice.refresh_from_db()
        assert practice.status == PracticeSubmission.Status.PENDING
        assert practice.slug == "diaspora-bonds-for-development"
        assert practice.submitted_on == datetime.date.today()
        assert practice.published_on is None
        assert practice.description == "<p>Plain text</p>\n\n<p>in two paragraphs &amp; more</p>"
        assert list(practice.countries.all()) == [morocco]
        assert list(practice.themes.all()) == [diaspora]

    def test_emails_the_submitter_and_the_moderators_after_commit(
        self, db, moderator, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            submit()
        assert mail.outbox == []

        for callback in callbacks:
            callback()

        assert sorted(message.to[0] for message in mail.outbox) == [
            "amina@example.org",
            "moderator@gfmd.example.org",
        ]

    def test_kill_switch_stops_emails(
        self, db, moderator, settings, django_capture_on_commit_callbacks
    ):
        settings.EMAIL_SENDING_ENABLED = False

        with django_capture_on_commit_callbacks(execute=True):
            submit()

        assert mail.outbox == []
        assert PracticeSubmission.objects.count() == 1


class TestPublish:
    def test_publishes_and_records_an_update_per_country(self, db, morocco, france):
        practice = PracticeFactory(
            title="Diaspora bonds",
            status=PracticeSubmission.Status.PENDING,
            published_on=None,
            countries=[morocco, france],
        )

        practice_publish(practice=practice)

        practice.refresh_from_db()
        assert practice.status == PracticeSubmission.Status.PUBLISHED
        assert practice.published_on == datetime.date.today()
        updates = CountryUpdate.objects.order_by("country__name")
        assert [(u.country, u.summary, u.source) for u in updates] == [
            (france, 'Practices: added "Diaspora bonds"', CountryUpdate.Source.PRACTICE),
            (morocco, 'Practices: added "Diaspora bonds"', CountryUpdate.Source.PRACTICE),
        ]
        # Each links to the practices of its country's page.
        assert [u.get_absolute_url() for u in updates] == [
            f"{france.get_absolute_url()}#practices",
            "/countries/morocco/#practices",
        ]

    def test_publishing_a_rejected_practice_clears_the_reason(self, db):
        practice = PracticeFactory(
            status=PracticeSubmission.Status.REJECTED, published_on=None, rejection_reason="Spam"
        )

        practice_publish(practice=practice, published_on=datetime.date(2024, 1, 2))

        practice.refresh_from_db()
        assert (practice.status, practice.rejection_reason) == ("published", "")
        assert practice.published_on == datetime.date(2024, 1, 2)

    def test_publishing_twice_is_refused_and_records_nothing(self, db, morocco):
        practice = PracticeFactory(countries=[morocco])

        with pytest.raises(ValidationError, match="already published"):
            practice_publish(practice=practice)

        assert CountryUpdate.objects.count() == 0


class TestReject:
    def test_rejects_with_a_reason_and_takes_offline(self, db, morocco):
        practice = PracticeFactory(title="Diaspora bonds", countries=[morocco])

        practice_reject(practice=practice, reason="  Not a practice, an advertisement. ")

        practice.refresh_from_db()
        assert practice.status == PracticeSubmission.Status.REJECTED
        assert practice.rejection_reason == "Not a practice, an advertisement."
        assert practice.published_on is None
        update = CountryUpdate.objects.get()
        assert (update.country, update.summary) == (morocco, 'Practices: removed "Diaspora bonds"')

    def test_rejecting_a_pending_practice_records_nothing(self, db, morocco):
        practice = PracticeFactory(
            status=PracticeSubmission.Status.PENDING, published_on=None, countries=[morocco]
        )

        practice_reject(practice=practice, reason="Spam")

        assert CountryUpdate.objects.count() == 0

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_a_reason_is_required(self, db, reason):
        practice = PracticeFactory(status=PracticeSubmission.Status.PENDING, published_on=None)

        with pytest.raises(ValidationError, match="reason"):
            practice_reject(practice=practice, reason=reason)

        practice.refresh_from_db()
        assert practice.status == PracticeSubmission.Status.PENDING
