"""{% once_per_language %}: the site's header and footer rendered once a process per
language (core/templatetags/per_language.py)."""

from __future__ import annotations

from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

FRAGMENT = Template(
    "{% load i18n per_language %}"
    "{% once_per_language %}{% translate 'Countries' %} {% url 'home' %} [{{ name }}]"
    "{% endonce_per_language %}"
)


def render(language: str, name: str) -> str:
    with translation.override(language):
        return FRAGMENT.render(Context({"name": name}))


def test_each_language_has_its_own_rendering():
    assert render("en", "a") == "Countries / []"
    assert render("fr", "a") == "Pays /fr/ []"
    assert render("en", "b") == "Countries / []"


def test_the_pages_variables_are_not_seen_so_no_page_leaks_into_another():
    assert render("es", "Morocco") == render("es", "Peru")
    assert "Morocco" not in render("es", "Morocco")


def test_a_changed_setting_renders_again():
    static = Template(
        "{% load static per_language %}{% once_per_language %}{% static 'a.css' %}"
        "{% endonce_per_language %}"
    )
    before = static.render(Context())
    with override_settings(STATIC_URL="/elsewhere/"):
        assert static.render(Context()) == "/elsewhere/a.css"
    assert static.render(Context()) == before
