"""Every public page in French and Spanish: navigation, headings, the profile's phrases,
dates and figures in the language; staff's text as entered (README, Languages)."""

from __future__ import annotations

import html

import pytest
from django.core.management import call_command

from core.i18n import collation_key
from tests.factories import PracticeFactory

NBSP = "\u00a0"
PRACTICE = "accompanying-program-of-business-creation-by-moroccans-residing-in-france"

NAVIGATION = {
    "fr": [
        "Pays",
        "Années du forum",
        "Pratiques",
        "Forum mondial sur la migration et le développement",
    ],
    "es": ["Países", "Años del foro", "Prácticas", "Foro Mundial sobre Migración y Desarrollo"],
}
# Each page, with what it must say in each language.
PAGES = {
    "/": {"fr": ["Profils pays du FMMD", "Trouver un pays"], "es": ["Perfiles de país del FMMD"]},
    "/countries/": {"fr": ["Filtrer", "Allemagne"], "es": ["Filtrar", "Alemania"]},
    "/countries/morocco/": {
        "fr": [
            "<h1>Maroc</h1>",
            "Informations sur le pays",
            "FMMD 2011",
            "A assisté au sommet",
            "Coprésident de la table ronde 1.2 «" + NBSP,
            "Aucune contribution financière",
            f"Coprésident{NBSP}: réunion thématique sur «{NBSP}Managing Migration for Development",
            "le 14-15 juin 2011 à Marseille, France.",
            "Geneva, 29 novembre-2 décembre 2011",
            f"50{NBSP}000 USD non affectée",
            "Kingdom of Morocco",  # the official name, as staff entered it
        ],
        "es": [
            "<h1>Marruecos</h1>",
            "Datos del país",
            "Asistió a la cumbre",
            "Copresidente de la mesa redonda 1.2 “",
            "Ninguna contribución financiera",
            "Copresidente: reunión temática sobre “Managing Migration for Development",
            "el 14-15 de junio de 2011 en Marseille, Francia.",
            f"50{NBSP}000 USD no asignada",
        ],
    },
    "/forum/": {"fr": ["Années du forum du FMMD"], "es": ["Años del foro del FMMD"]},
    "/forum/2011/": {
        "fr": ["<h1>FMMD 2011</h1>", "Tables rondes", "Suisse"],
        "es": ["<h1>FMMD 2011</h1>", "Mesas redondas", "Suiza"],
    },
    "/practices/": {
        "fr": ["Base de données des politiques et pratiques", "Appliquer les filtres"],
        "es": ["Base de datos de políticas y prácticas", "Aplicar filtros"],
    },
    f"/practices/{PRACTICE}/": {
        # The practice's title and text stay as submitted.
        "fr": ["À propos de cette pratique", "Accompanying program of business creation"],
        "es": ["Sobre esta práctica", "Accompanying program of business creation"],
    },
    "/practices/submit/": {"fr": ["Soumettre une pratique"], "es": ["Enviar una práctica"]},
    "/countries/morocco/subscribe/": {
        "fr": ["S’abonner à Maroc"],
        "es": ["Suscribirse a Marruecos"],
    },
    "/countries/morocco/updates/": {
        "fr": ["Mises à jour de Maroc", "2007 — ajouté"],
        "es": ["Actualizaciones de Marruecos", "2007 — añadido"],
    },
}


def page_text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def reference_data(db):
    """Morocco's full profile and all 249 countries (a load takes seconds: few tests)."""
    call_command("load_gfmd_data", verbosity=0)


def test_every_public_page_in_french_and_spanish(client, reference_data):
    missing = {}
    for language in ("fr", "es"):
        for path, expected in PAGES.items():
            response = client.get(f"/{language}{path}")
            assert response.status_code == 200, path
            text = page_text(response)
            assert f'<html lang="{language}">' in text
            wanted = NAVIGATION[language] + expected[language]
            if absent := [phrase for phrase in wanted if phrase not in text]:
                missing[language, path] = absent
    assert missing == {}

    feed = page_text(client.get("/fr/countries/morocco/feed/"))
    assert "2007 — ajouté" in feed
    assert "http://testserver/fr/countries/morocco/" in feed


def test_english_as_before_and_countries_in_the_order_of_their_names(client, reference_data):
    text = page_text(client.get("/countries/morocco/"))
    assert '<html lang="en">' in text
    assert "No Financial Contribution" in text
    assert "USD 50,000 non-earmarked" in text
    assert "on 14-15 June 2011 in Marseille, France." in text

    in_order = {}
    for language, first in [("fr", "Afghanistan"), ("es", "Afganistán")]:
        response = client.get(f"/{language}/countries/")
        every = [country.local_name for country in response.context["paginator"].object_list]
        in_order[language] = every
        assert len(every) == 249
        assert every[0] == first
        assert every == sorted(every, key=collation_key)
        shown = [country.local_name for country in response.context["object_list"]]
        assert shown == every[: len(shown)]
    # Égypte among the E's, not after the Z's.
    french = in_order["fr"]
    assert french.index("Égypte") < french.index("Espagne") < french.index("Fidji")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("prefix", "submitted", "published"),
    [
        ("", "1 May 2020", "1 June 2020"),
        ("/fr", "1 mai 2020", "1 juin 2020"),
        ("/es", "1 de mayo de 2020", "1 de junio de 2020"),
    ],
)
def test_dates_on_pages_are_written_as_the_language_writes_them(
    client, prefix, submitted, published
):
    practice = PracticeFactory(title="Dated practice")

    text = page_text(client.get(f"{prefix}/practices/{practice.slug}/"))

    assert submitted in text
    assert published in text
