"""Links and labels worked out once per language (countries.links) are those of the request's
language, never the first one asked for."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse, set_script_prefix
from django.utils import translation

from countries.links import choice_labels, country_url, forum_year_url
from countries.models import RoundtableRole


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_country_url_is_reverse_in_each_language(language):
    with translation.override(language):
        assert country_url("cote-d-ivoire") == reverse(
            "countries:detail", kwargs={"slug": "cote-d-ivoire"}
        )


def test_country_url_follows_the_script_prefix():
    set_script_prefix("/gfmd/")  # a site served under /gfmd/ (SCRIPT_NAME)
    try:
        assert country_url("morocco") == reverse("countries:detail", kwargs={"slug": "morocco"})
        assert country_url("morocco").startswith("/gfmd/")
    finally:
        set_script_prefix("/")
    assert country_url("morocco") == "/countries/morocco/"


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_choice_labels_are_get_display_in_each_language(language, morocco):
    role = RoundtableRole(country=morocco, role=RoundtableRole.Role.COORDINATOR)
    with translation.override(language):
        assert choice_labels(RoundtableRole.Role)["coordinator"] == role.get_role_display()


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
@pytest.mark.parametrize("label", ["2018", "2013-2014", "2019 bis", "é?&"])
def test_forum_year_url_is_reverse_in_each_language(language, label):
    with translation.override(language):
        assert forum_year_url(label) == reverse("countries:forum_year", kwargs={"label": label})
