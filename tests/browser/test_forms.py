"""The public forms without JavaScript (progressive enhancement: static/js/forms.js only adds
to them), and the type-to-filter list with it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from practices.models import PracticeSubmission
from tests.factories import CountryFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page_without_javascript(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_the_practice_form_without_javascript(page_without_javascript, morocco):
    page = page_without_javascript
    CountryFactory.create_batch(30)
    page.goto("/practices/submit/")
    # A plain list: every country a checkbox, no filter box.
    assert page.locator("#id_countries input[type=checkbox]:visible").count() == 31
    assert page.get_by_label("Find countries").count() == 0
    page.get_by_role("button", name="Send for review").click()
    expect(page.locator(".error-summary")).to_contain_text("Description: This field is required.")
    page.get_by_label("Title").fill("Diaspora investment desk")
    page.get_by_label("Description").fill("A one-stop desk.")
    page.get_by_label("Morocco").check()
    page.get_by_label("Your name").fill("Amina")
    # An inbox of its own: one acknowledgement a day per inbox, counted in the cache.
    page.get_by_label("Your email").fill("no.script@example.org")
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your submission")
    assert list(PracticeSubmission.objects.get().countries.all()) == [morocco]


def test_the_filter_list_shows_the_chosen_and_the_matching(page, morocco):
    CountryFactory(name="Mozambique", slug="mozambique", iso2="MZ", iso3="MOZ")
    CountryFactory(name="Côte d'Ivoire", slug="cote-d-ivoire", iso2="CI", iso3="CIV")
    page.goto("/practices/submit/")
    choices = page.locator("#id_countries label.choice")
    assert choices.filter(visible=True).count() == 0  # only the chosen ones: none yet
    page.get_by_label("Find countries").fill("mo")
    assert choices.filter(visible=True).all_inner_texts() == ["Morocco", "Mozambique"]
    expect(page.locator(".filter-status")).to_have_text("2 matches, 0 chosen.")
    page.get_by_label("Morocco").check()
    page.get_by_label("Find countries").fill("cote")  # accents aside
    assert choices.filter(visible=True).all_inner_texts() == ["Côte d'Ivoire"]
    page.get_by_label("Find countries").fill("")
    assert choices.filter(visible=True).all_inner_texts() == ["Morocco"]  # the chosen one
    page.get_by_role("button", name="Show all 3").click()
    assert choices.filter(visible=True).count() == 3
