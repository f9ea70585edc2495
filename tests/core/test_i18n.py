from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import translation

from core.i18n import country_name, format_amount

pytestmark = pytest.mark.django_db

FRENCH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9,en;q=0.5"}


def alternates(response) -> dict[str, str]:
    return dict(
        re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', response.text)
    )


class TestFirstVisit:
    def test_a_french_browser_is_sent_to_the_french_page(self, client, morocco):
        response = client.get("/countries/morocco/?x=1", **FRENCH_BROWSER)
        assert response.status_code == 302
        assert response["Location"] == "/fr/countries/morocco/?x=1"
        assert {"Accept-Language", "Cookie"} <= set(re.split(r",\s*", response["Vary"]))

    def test_a_spanish_browser_to_the_spanish_home(self, client):
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9")
        assert response["Location"] == "/es/"

    def test_an_english_or_unknown_browser_stays(self, client, morocco):
        for header in ("en-GB,en;q=0.9", "de-DE", ""):
            response = client.get("/countries/morocco/", HTTP_ACCEPT_LANGUAGE=header)
            assert response.status_code == 200
            assert response["Content-Language"] == "en"
            assert "Cookie" in response["Vary"]

    def test_a_cached_english_page_is_not_resolved_again_on_each_hit(
        self, client, morocco, monkeypatch
    ):
        """A hit runs no view, so the middleware had no URL match and resolved the path
        once per language to decide on `Vary: Cookie`, which the stored page already
        carries: a third of a cached page's CPU."""
        first = client.get("/countries/morocco/")
        resolved = []
        monkeypatch.setattr("core.i18n.localised_url", lambda *args: resolved.append(args))
        hit = client.get("/countries/morocco/")
        assert hit.context is None  # from the page cache
        assert resolved == []
        assert hit.content == first.content
        assert "Cookie" in re.split(r",\s*", hit["Vary"])

    def test_english_chosen_in_the_switcher_wins_over_the_browser(self, client, morocco):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        response = client.get("/countries/morocco/", **FRENCH_BROWSER)
        assert response.status_code == 200
        assert '<html lang="en">' in response.text

    def test_a_prefixed_page_is_never_redirected(self, client, morocco):
        response = client.get("/es/countries/morocco/", **FRENCH_BROWSER)
        assert response.status_code == 200
        assert '<html lang="es">' in response.text
        assert response["Content-Language"] == "es"

    def test_the_api_and_downloads_stay_english_and_unprefixed(self, client, morocco):
        response = client.get("/api/countries/", **FRENCH_BROWSER)
        assert response.status_code == 200
        assert "Cookie" not in response.get("Vary", "")
        assert client.get("/data/", **FRENCH_BROWSER).status_code == 200
        assert client.get("/fr/api/countries/").status_code == 404

    def test_a_post_is_not_redirected(self, client, morocco):
        response = client.post("/countries/morocco/subscribe/", {}, **FRENCH_BROWSER)
        assert response.status_code != 302 or not response["Location"].startswith("/fr/")

    def test_the_admin_follows_the_readers_language(self, client):
        response = client.get("/admin/login/", **FRENCH_BROWSER)
        assert response["Content-Language"] == "fr"
        assert "Nom d’utilisateur" in response.text


class TestSwitcher:
    def test_every_page_offers_the_same_page_in_the_other_languages(self, client, morocco):
        response = client.get("/fr/countries/morocco/?tab=1")
        switcher = re.search(r'<nav class="languages".*?</nav>', response.text, re.S).group(0)
        assert 'href="/language/en/?next=%2Ffr%2Fcountries%2Fmorocco%2F%3Ftab%3D1"' in switcher
        assert 'lang="es"' in switcher
        assert '<span aria-current="page" lang="fr">Français</span>' in switcher

    def test_choosing_keeps_the_page_and_is_remembered(self, client, morocco):
        response = client.get("/language/en/", {"next": "/fr/countries/morocco/?tab=1"})
        assert response.status_code == 302
        assert response["Location"] == "/countries/morocco/?tab=1"
        assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
        response = client.get("/language/es/", {"next": "/countries/morocco/"})
        assert response["Location"] == "/es/countries/morocco/"
        response = client.get("/countries/morocco/", **FRENCH_BROWSER)
        assert response["Location"] == "/es/countries/morocco/"

    def test_never_leads_off_the_site(self, client):
        response = client.get("/language/fr/", {"next": "https://evil.example/"})
        assert response["Location"] == "/fr/"
        response = client.get("/language/xx/", {"next": "/countries/"})
        assert response["Location"] == "/countries/"
        assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"

    def test_hreflang_alternates_and_x_default(self, client, morocco):
        links = alternates(client.get("/es/countries/morocco/"))
        assert links == {
            "en": "http://testserver/countries/morocco/",
            "fr": "http://testserver/fr/countries/morocco/",
            "es": "http://testserver/es/countries/morocco/",
            "x-default": "http://testserver/countries/morocco/",
        }

    def test_a_page_in_one_language_has_neither(self, client):
        response = client.get("/data/")
        assert alternates(response) == {}
        assert 'class="languages"' not in response.text


class TestNamesAndFigures:
    def test_country_names_from_iso_3166(self):
        with translation.override("fr"):
            assert country_name("MA", "Morocco") == "Maroc"
            assert country_name("XK", "Kosovo") == "Kosovo"
        with translation.override("es"):
            assert country_name("MA", "Morocco") == "Marruecos"
        assert country_name("MA", "Morocco (stored)") == "Morocco (stored)"

    def test_amounts(self):
        assert format_amount(Decimal("50000.00"), "USD") == "USD 50,000"
        assert format_amount(Decimal("48342.50"), "USD") == "USD 48,342.50"
        with translation.override("fr"):
            assert format_amount(Decimal("50000.00"), "USD") == "50\xa0000 USD"
            assert format_amount(Decimal("48342.50"), "EUR") == "48\xa0342,50 EUR"
        with translation.override("es"):
            assert format_amount(Decimal("50000"), "USD") == "50\xa0000 USD"
