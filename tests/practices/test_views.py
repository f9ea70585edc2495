"""Detail page, and the public submission flow end to end through the client."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.test import Client

from practices.forms import DESCRIPTION_MAX_LENGTH
from practices.models import PracticeSubmission
from practices.services import SUBMISSIONS_PER_HOUR, practice_publish
from tests.factories import ForumYearFactory, PracticeFactory

SUBMIT = "/practices/submit/"
THANKS = "/practices/submit/thanks/"

XSS_DESCRIPTION = (
    "<p>Real text.</p><script>alert('script')</script>"
    "<img src=x onerror=\"alert('img')\">"
    "<a href=\"javascript:alert('link')\">click me</a>"
    '<svg onload="alert(\'svg\')"><circle r="1"></circle></svg>'
    '<p style="background:url(javascript:alert(1))" onmouseover="alert(2)">Hover</p>'
)


def assert_harmless(html: str) -> None:
    # The site's own scripts, from its static files, are no payload.
    html = re.sub(r'<script src="/static/js/[\w.-]+" defer></script>', "", html)
    for bad in (
        "<script",
        "onerror",
        "onload",
        "onmouseover",
        "javascript:",
        "<svg",
        "<img",
        "alert(",
    ):
        assert bad not in html, bad


def form_data(**overrides) -> dict:
    return {
        "title": "Diaspora bonds for development",
        "description": "We sold bonds to the diaspora.\n\nThey financed schools.",
        "is_global": "on",
        "partners": "Ministry of Finance\nCentral Bank",
        "submitted_by_name": "Amina Diallo",
        "submitter_organisation": "Ministry of Finance",
        "submitter_email": "amina@example.org",
        "homepage": "",
        **overrides,
    }


class TestDetail:
    def test_shows_the_whole_practice_with_country_links(self, client, morocco, france, diaspora):
        practice = PracticeFactory(
            title="Diaspora bonds",
            description="<p>Bonds <strong>for</strong> development.</p>",
            countries=[morocco, france],
            themes=[diaspora],
            partners="Ministry of Finance\n\nCentral Bank\n",
            forum_year=ForumYearFactory(label="2018", sort_year=2018),
            start_year=2015,
            end_year=2019,
            url="https://example.org/bonds",
            submitter_organisation="Ministry",
            submitter_email="secret-person@example.org",
            submitted_on=datetime.date(2018, 3, 1),
            published_on=datetime.date(2018, 4, 2),
        )

        response = client.get(practice.get_absolute_url())
        html = response.content.decode()

        assert response.status_code == 200
        assert "<h1>Diaspora bonds</h1>" in html
        assert "<p>Bonds <strong>for</strong> development.</p>" in html
        assert '<a href="/countries/morocco/">Morocco</a>' in html
        assert '<a href="/countries/france/">France</a>' in html
        assert '<a href="/practices/?theme=diaspora-engagement">Diaspora engagement</a>' in html
        assert "<li>Ministry of Finance</li><li>Central Bank</li>" in html
        assert '<a href="/forum/2018/">2018</a>' in html
        assert "2015\u20132019" in html
        assert 'href="https://example.org/bonds" rel="nofollow noopener"' in html
        assert "1 March 2018" in html and "2 April 2018" in html
        assert "secret-person@example.org" not in html

    def test_global_practice(self, client, db):
        practice = PracticeFactory(is_global=True, start_year=2020)

        html = client.get(practice.get_absolute_url()).content.decode()

        assert '<span class="tag">Global</span>' in html
        assert "Since 2020" in html

    @pytest.mark.parametrize("status", ["pending", "rejected"])
    def test_unpublished_practices_are_not_found(self, client, db, status):
        practice = PracticeFactory(status=status, published_on=None, rejection_reason="No")

        assert client.get(practice.get_absolute_url()).status_code == 404

    def test_xss_payloads_stored_raw_are_harmless_once_saved_through_a_form(self, client, db):
        """Even if a payload got past a form, the list and country page use the stored text:
        so the payload goes through the submission form here, and out through every page."""
        response = client.post(
            SUBMIT, form_data(description=XSS_DESCRIPTION, title="<script>x</script>T")
        )
        assert response.status_code == 302
        practice = PracticeSubmission.objects.get()
        practice_publish(practice=practice)

        detail = client.get(practice.get_absolute_url()).content.decode()
        listing = client.get("/practices/").content.decode()

        assert_harmless(practice.description)
        assert_harmless(detail)
        assert_harmless(listing)
        assert "<p>Real text.</p>" in detail
        assert "click me" in detail
        assert "&lt;script&gt;x&lt;/script&gt;T" in detail


class TestSubmissionForm:
    def test_form_has_labels_csrf_and_a_hidden_honeypot(self, client, morocco, diaspora):
        html = client.get(SUBMIT).content.decode()

        assert "csrfmiddlewaretoken" in html
        assert '<label for="id_title">Title' in html
        assert '<label for="id_submitter_email">Your email' in html
        assert 'value="diaspora-engagement"' not in html  # themes are chosen by id in the form
        assert "Diaspora engagement" in html and "Morocco" in html
        assert '<div class="hp-field" aria-hidden="true">' in html
        assert 'name="homepage"' in html and 'tabindex="-1"' in html

    def test_the_form_says_that_name_and_organisation_are_published(self, client, db):
        html = client.get(SUBMIT).content.decode()

        for field in ("submitted_by_name", "submitter_organisation"):
            [widget] = re.findall(rf'<input[^>]*name="{field}"[^>]*>', html)
            assert f'aria-describedby="id_{field}_helptext"' in widget
            [help_text] = re.findall(rf'<p class="help" id="id_{field}_helptext">([^<]*)</p>', html)
            assert "Published with the practice" in help_text
        [email_help] = re.findall(r'id="id_submitter_email_helptext">([^<]*)<', html)
        assert "never shown publicly" in email_help

    def test_end_to_end_submission_stores_pending_and_sends_emails(
        self, client, morocco, diaspora, moderator, django_capture_on_commit_callbacks
    ):
        data = form_data(countries=[morocco.pk], themes=[diaspora.pk], is_global="")

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(SUBMIT, data)

        assert response.status_code == 302
        assert response["Location"] == THANKS
        practice = PracticeSubmission.objects.get()
        assert practice.status == PracticeSubmission.Status.PENDING
        assert list(practice.countries.all()) == [morocco]
        assert practice.partner_list == ["Ministry of Finance", "Central Bank"]
        assert practice.description == (
            "<p>We sold bonds to the diaspora.</p>\n\n<p>They financed schools.</p>"
        )
        recipients = sorted(message.to[0] for message in mail.outbox)
        assert recipients == ["amina@example.org", "moderator@gfmd.example.org"]
        # Pending practices are not public yet.
        assert client.get(practice.get_absolute_url()).status_code == 404
        thanks = client.get(THANKS).content.decode()
        assert "Thank you for your submission" in thanks
        assert "an acknowledgement (one a day at most" in thanks

    def test_invalid_submission_keeps_the_input_and_stores_nothing(self, client, db):
        data = form_data(
            title="",
            is_global="",
            submitter_email="not-an-email",
            start_year="2020",
            end_year="2010",
            url="javascript:alert(1)",
        )

        response = client.post(SUBMIT, data)

        assert response.status_code == 200
        errors = response.context["form"].errors
        assert set(errors) == {"title", "countries", "submitter_email", "url", "__all__"}
        assert errors["countries"] == [
            "Choose at least one country, or mark the practice as global."
        ]
        assert "end year cannot come before the start year" in str(errors["__all__"])
        assert "We sold bonds to the diaspora." in response.content.decode()
        assert PracticeSubmission.objects.count() == 0

    @pytest.mark.parametrize(
        ("field", "size"),
        [
            ("title", 301),
            ("description", DESCRIPTION_MAX_LENGTH + 1),
            ("partners", 2001),
            ("submitted_by_name", 201),
            ("submitter_organisation", 201),
        ],
    )
    def test_every_field_has_a_size_limit(self, client, db, field, size):
        response = client.post(SUBMIT, form_data(**{field: "x" * size}))

        assert response.status_code == 200
        assert field in response.context["form"].errors
        assert PracticeSubmission.objects.count() == 0

    @pytest.mark.parametrize(("field", "value"), [("start_year", "abc"), ("end_year", "3000")])
    def test_years_must_be_plausible(self, client, db, field, value):
        response = client.post(SUBMIT, form_data(**{field: value}))

        assert field in response.context["form"].errors

    def test_csrf_is_enforced(self, db):
        client = Client(enforce_csrf_checks=True)

        assert client.post(SUBMIT, form_data()).status_code == 403
        assert PracticeSubmission.objects.count() == 0


class TestSpamAndAbuse:
    VICTIM = "victim1@example.net"

    @staticmethod
    def texts(message) -> str:
        """Subject, text and HTML of a message as its reader sees them."""
        parts = [message.get_body(("plain",)), message.get_body(("html",))]
        return "\n".join([message["Subject"], *(part.get_content() for part in parts)])

    def test_the_acknowledgement_carries_no_text_the_submitter_typed(
        self, client, db, smtp_sink, django_capture_on_commit_callbacks
    ):
        data = form_data(
            title="You won 1000 EUR: call +1 555 0100",
            submitted_by_name="Claim it at prize.example",
            submitter_organisation="Your bank",
            submitter_email=self.VICTIM,
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(SUBMIT, data).status_code == 302

        [acknowledgement] = smtp_sink.messages
        assert acknowledgement["To"] == self.VICTIM
        assert acknowledgement["Subject"] == "We received a practice submitted with this address"
        seen = self.texts(acknowledgement)
        for typed in ("You won", "+1 555", "prize.example", "Your bank"):
            assert typed not in seen
        assert "If you did not submit a practice" in seen

    def test_one_acknowledgement_per_inbox_a_day_whatever_the_spelling(
        self, db, moderator, smtp_sink, django_capture_on_commit_callbacks
    ):
        spellings = [self.VICTIM, "VICTIM1@Example.net", "victim1+a@example.net", self.VICTIM]
        with django_capture_on_commit_callbacks(execute=True):
            for number, spelling in enumerate(spellings):
                client = Client(REMOTE_ADDR=f"198.51.100.{number + 1}")
                data = form_data(title=f"Practice {number}", submitter_email=spelling)
                assert client.post(SUBMIT, data).status_code == 302

        assert PracticeSubmission.objects.count() == len(spellings)
        recipients = sorted(address for [address] in smtp_sink.recipients)
        assert recipients.count("moderator@gfmd.example.org") == len(spellings)
        assert len([address for address in recipients if "victim1" in address.lower()]) == 1

    def test_a_quoted_or_encoded_address_is_refused_with_a_message(self, client, db):
        response = client.post(SUBMIT, form_data(submitter_email='"victim1"@example.net'))

        assert response.status_code == 200
        [error] = response.context["form"].errors["submitter_email"]
        assert "quotation marks, backslashes" in error
        assert PracticeSubmission.objects.count() == 0

    def test_a_filled_honeypot_pretends_success_and_stores_nothing(
        self, client, moderator, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(SUBMIT, form_data(homepage="http://spam.example"))

        assert response.status_code == 302
        assert response["Location"] == THANKS
        assert PracticeSubmission.objects.count() == 0
        assert mail.outbox == []

    def test_the_sixth_submission_in_an_hour_is_refused_with_a_clear_message(self, client, db):
        for number in range(SUBMISSIONS_PER_HOUR):
            response = client.post(SUBMIT, form_data(title=f"Practice {number}"))
            assert response.status_code == 302

        response = client.post(SUBMIT, form_data(title="One too many"))

        assert response.status_code == 429
        html = response.content.decode()
        assert "You have sent 5 practices in the last hour" in html
        assert 'value="One too many"' in html  # nothing typed is lost
        assert PracticeSubmission.objects.count() == SUBMISSIONS_PER_HOUR

    def test_the_limit_is_per_address(self, client, db):
        for number in range(SUBMISSIONS_PER_HOUR):
            client.post(SUBMIT, form_data(title=f"Practice {number}"), REMOTE_ADDR="10.0.0.1")

        response = client.post(SUBMIT, form_data(title="Other office"), REMOTE_ADDR="10.0.0.2")

        assert response.status_code == 302
        assert PracticeSubmission.objects.filter(title="Other office").exists()

    def test_invalid_attempts_do_not_use_up_the_allowance(self, client, db):
        for _ in range(SUBMISSIONS_PER_HOUR + 2):
            client.post(SUBMIT, form_data(title=""))

        assert client.post(SUBMIT, form_data()).status_code == 302


def test_list_excerpt_keeps_paragraphs_apart(client, db):
    PracticeFactory(description="<p>First ends.</p><p>Second <em>starts</em> &amp; ends.</p>")

    html = client.get("/practices/").content.decode()

    assert '<p class="excerpt">First ends. Second starts &amp; ends.</p>' in html
