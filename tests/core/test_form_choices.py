"""{{ field|choice_labels }} writes a field's choices exactly as the template loop it replaced."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from practices.forms import PracticeSubmissionForm
from subscriptions.forms import SubscribeForm
from tests.factories import CountryFactory, ThemeFactory

TEMPLATE_LOOP = Template(
    '{% for choice in field %}<label class="choice">{{ choice.tag }} '
    "{{ choice.choice_label }}</label>{% endfor %}"
)
FILTER = Template("{% load form_choices %}{{ field|choice_labels }}")


def assert_same_markup(field) -> str:
    written = FILTER.render(Context({"field": field}))
    assert written == TEMPLATE_LOOP.render(Context({"field": field}))
    return written


@pytest.fixture
def choices(db):
    CountryFactory(name='Trinidad & "Tobago" <T>', iso3="TTO", iso2="TT")
    CountryFactory(name="Morocco", iso3="MAR", iso2="MA")
    return ThemeFactory(name="Labour & <skills>")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_empty_form_s_checkboxes_and_radio_buttons(choices, language):
    with translation.override(language):
        practice_form, subscribe_form = PracticeSubmissionForm(), SubscribeForm()
        countries = assert_same_markup(practice_form["countries"])
        assert_same_markup(practice_form["themes"])
        frequency = assert_same_markup(subscribe_form["frequency"])
    assert "Trinidad &amp; &quot;Tobago&quot; &lt;T&gt;</label>" in countries
    assert 'type="radio"' in frequency


def test_chosen_values_and_errors_show_on_the_choices(choices):
    # A country that does not exist: the list is in error; the theme chosen stays checked.
    form = PracticeSubmissionForm({"countries": ["999999"], "themes": [str(choices.pk)]})
    assert not form.is_valid()
    themes = assert_same_markup(form["themes"])
    assert " checked" in themes
    countries = assert_same_markup(form["countries"])
    assert 'aria-invalid="true"' in countries
