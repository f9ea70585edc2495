"""The facets' checkboxes, written in Python: the same markup as the template loop they
replaced, escaped and with counts grouped as `|intcomma` writes them in each language."""

from __future__ import annotations

import pytest
from django.template import engines
from django.utils import translation

from practices.filters import FacetChoice
from practices.templatetags.practice_tags import facet_checkboxes

# The loop that wrote them until the filter did, kept to compare with.
TEMPLATE_LOOP = """{% load humanize %}
    {% for choice in choices %}
      <li{% if not choice.count and not choice.selected %} class="empty"{% endif %}>
        <input type="checkbox" name="{{ name }}" value="{{ choice.value }}" id="id_{{ name }}_{{ choice.value }}"{% if choice.selected %} checked{% endif %}>
        <label for="id_{{ name }}_{{ choice.value }}">{{ choice.label }} <span class="count">{{ choice.count|intcomma }}</span></label>
      </li>
    {% empty %}
      <li class="muted">–</li>
    {% endfor %}
"""  # noqa: E501, RUF001

CHOICES = [
    FacetChoice(value="MAR", label="Morocco", count=12_345, selected=True),
    FacetChoice(value="CIV", label="Côte d'Ivoire", count=0, selected=False),
    FacetChoice(value="a&b", label='<b>"Trade" & aid</b>', count=7, selected=False),
    FacetChoice(value="FRA", label="France", count=0, selected=True),
    FacetChoice(value="IND", label="India", count=1_234_567, selected=False),
]


@pytest.mark.parametrize("language", ["en", "fr", "es"])
@pytest.mark.parametrize("choices", [CHOICES, []], ids=["choices", "none"])
def test_facet_checkboxes_write_what_the_template_loop_wrote(language, choices):
    loop = engines["django"].from_string(TEMPLATE_LOOP)
    with translation.override(language):
        expected = loop.render({"choices": choices, "name": "country"})
        written = facet_checkboxes(choices, "country")
    assert f"\n    {written}\n" == expected
