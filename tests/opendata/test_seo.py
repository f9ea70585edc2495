"""What search engines and link previews read: sitemap.xml, robots.txt, canonical links,
titles, descriptions and Open Graph tags."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from countries.models import Country, ForumYear
from opendata import sitemaps
from practices.models import PracticeSubmission
from tests import factories

pytestmark = pytest.mark.django_db

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def xml_locations(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    return [loc.text for loc in root.iter(f"{SITEMAP_NS}loc")]


def sitemap_urls(client) -> list[str]:
    """Every page the sitemap lists: the index at /sitemap.xml, then each page of each
    section it names."""
    sections = xml_locations(client, "/sitemap.xml")
    assert all(url.startswith("http://testserver/sitemap-") for url in sections)
    return [url for section in sections for url in xml_locations(client, section)]


def test_a_large_section_comes_in_pages_that_together_list_it_all(client, dataset, monkeypatch):
    factories.PracticeFactory.create_batch(2)
    monkeypatch.setattr(sitemaps.PracticeSitemap, "limit", 2)
    published = PracticeSubmission.objects.published().count()
    pages = -(-published * 3 // 2)  # every practice in three languages, two a page

    sections = xml_locations(client, "/sitemap.xml")
    practice_pages = [url for url in sections if "/sitemap-practices.xml" in url]

    assert published >= 2
    assert len(practice_pages) == pages
    assert practice_pages[1] == "http://testserver/sitemap-practices.xml?p=2"
    listed = [url for page in practice_pages for url in xml_locations(client, page)]
    assert len(listed) == len(set(listed)) == published * 3


def test_the_sitemap_lists_every_public_object_and_no_unpublished_practice(client, dataset):
    factories.PracticeFactory(
        title="Rejected one",
        status=PracticeSubmission.Status.REJECTED,
        rejection_reason="Off topic",
        published_on=None,
    )
    urls = sitemap_urls(client)

    expected = [
        f"http://testserver{country.get_absolute_url()}" for country in Country.objects.all()
    ]
    expected += [f"http://testserver{year.get_absolute_url()}" for year in ForumYear.objects.all()]
    expected += [
        f"http://testserver{practice.get_absolute_url()}"
        for practice in PracticeSubmission.objects.published()
    ]
    # Each public page in every language (README, Languages).
    expected += [
        url.replace("http://testserver/", f"http://testserver/{code}/", 1)
        for url in list(expected)
        for code in ("fr", "es")
    ]
    assert set(expected) <= set(urls)
    assert "http://testserver/practices/circular-migration/" in urls
    assert "http://testserver/es/practices/circular-migration/" in urls
    assert not [url for url in urls if "secret-draft" in url or "rejected-one" in url]
    assert {"http://testserver/", "http://testserver/data/", "http://testserver/practices/"} <= set(
        urls
    )
    # and the four list pages in three languages, and the two open data pages in English
    assert len(urls) == len(set(urls)) == len(expected) + 4 * 3 + 2


def test_the_sitemap_gives_each_page_its_alternates(client, dataset):
    root = ET.fromstring(client.get("/sitemap-pages.xml").content)
    [entry] = [
        url
        for url in root.iter(f"{SITEMAP_NS}url")
        if url.find(f"{SITEMAP_NS}loc").text == "http://testserver/fr/forum/"
    ]
    alternates = {
        link.get("hreflang"): link.get("href")
        for link in entry.iter("{http://www.w3.org/1999/xhtml}link")
    }
    assert alternates == {
        "en": "http://testserver/forum/",
        "fr": "http://testserver/fr/forum/",
        "es": "http://testserver/es/forum/",
        "x-default": "http://testserver/forum/",
    }


def test_robots_txt_allows_the_site_and_points_at_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().splitlines() == [
        "User-agent: *",
        "Allow: /",
        "Disallow: /admin/",
        "Disallow: /subscriptions/",
        "Disallow: /countries/*/subscribe/",
        "Disallow: /fr/subscriptions/",
        "Disallow: /fr/countries/*/subscribe/",
        "Disallow: /es/subscriptions/",
        "Disallow: /es/countries/*/subscribe/",
        "Disallow: /language/",
        "Sitemap: http://testserver/sitemap.xml",
    ]


class Head(HTMLParser):
    """The <title>, the canonical link and the meta tags of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.canonical: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "meta":
            key = attributes.get("property") or attributes.get("name")
            if key:
                self.meta.setdefault(key, []).append(attributes.get("content") or "")
        elif tag == "link" and attributes.get("rel") == "canonical":
            self.canonical.append(attributes["href"])
        elif tag == "title" and not self.title:  # the page's, not an SVG's
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def head(client, path: str) -> Head:
    response = client.get(path)
    assert response.status_code == 200
    parser = Head()
    parser.feed(response.content.decode())
    return parser


@pytest.mark.parametrize(
    ("path", "title", "og_type", "description_start"),
    [
        ("/countries/morocco/", "Morocco", "website", "Morocco in the Global Forum"),
        ("/forum/2011/", "GFMD 2011", "website", "The GFMD 2011: its chairs and summit"),
        (
            "/practices/circular-migration/",
            "Circular migration",
            "article",
            "A description of the practice.",
        ),
    ],
)
def test_the_three_page_kinds_have_a_description_canonical_link_and_open_graph_tags(
    client, dataset, path, title, og_type, description_start
):
    page = head(client, f"{path}?utm_source=newsletter")
    url = f"http://testserver{path}"

    assert page.title == f"{title} · GFMD"
    assert page.canonical == [url]  # without the query string
    [description] = page.meta["description"]
    assert description.startswith(description_start)
    assert page.meta["og:title"] == [title]
    assert page.meta["og:description"] == [description]
    assert page.meta["og:url"] == [url]
    assert page.meta["og:type"] == [og_type]
    assert page.meta["og:site_name"] == ["GFMD country profiles"]


def test_every_other_page_has_one_description_and_a_canonical_link(client, dataset):
    for path in ["/", "/countries/", "/forum/", "/practices/", "/data/"]:
        page = head(client, path)
        assert len(page.meta["description"]) == 1
        assert page.meta["description"][0]
        assert page.canonical == [f"http://testserver{path}"]


def test_a_long_practice_description_is_cut_for_the_meta_tags(client, dataset):
    practice = dataset["published"]
    practice.description = "<p>" + "Word " * 100 + "</p>"
    practice.save()

    [description] = head(client, practice.get_absolute_url()).meta["description"]

    assert len(description) <= 200
    assert "<p>" not in description


def test_every_page_links_the_open_data(client, dataset):
    assert 'href="/data/"' in client.get("/").content.decode()
