"""{{ field|choice_labels }}: a field's checkboxes or radio buttons, each in its label, as
includes/_form_field.html wrote them with a template loop (`<label class="choice">{{
choice.tag }} {{ choice.choice_label }}</label>`), written in Python instead.

Django renders each option through three templates (the option, the input, its attributes):
the practice form's 249 countries took two thirds of the page's rendering. The markup is
Django's own (django/forms/widgets/input.html and attrs.html), made from the same option data;
a test compares it with the template loop's.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def _attributes(attrs: dict[str, Any]) -> str:
    """attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    return "".join(
        f" {conditional_escape(name)}"
        + ("" if value is True else f'="{conditional_escape(str(value))}"')
        for name, value in attrs.items()
        if value is not False
    )


def _input(option: dict[str, Any]) -> str:
    """input.html, for one option's data (ChoiceWidget.create_option)."""
    value = option["value"]
    shown_value = "" if value is None else f' value="{conditional_escape(str(value))}"'
    return (
        f'<input type="{conditional_escape(option["type"])}"'
        f' name="{conditional_escape(option["name"])}"{shown_value}'
        f"{_attributes(option['attrs'])}>"
    )


@register.filter
def choice_labels(field: BoundField) -> SafeString:
    return mark_safe(
        "".join(
            f'<label class="choice">{_input(choice.data)} '
            f"{conditional_escape(choice.choice_label)}</label>"
            for choice in field
        )
    )
