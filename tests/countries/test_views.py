from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from countries.views import role_lists_html
from tests.factories import (
    AttendanceFactory,
    ContributionFactory,
    CountryFactory,
    CountryUpdateFactory,
    ForumYearFactory,
    PracticeFactory,
    RoundtableRoleFactory,
    ThematicMeetingFactory,
    ThematicMeetingParticipationFactory,
)

pytestmark = pytest.mark.django_db


def names_listed(response) -> list[str]:
    return [country.name for country in response.context["object_list"]]


class TestCountryList:
    @pytest.fixture(autouse=True)
    def countries(self, morocco):
        self.morocco = morocco
        self.france = CountryFactory(
            name="France", slug="france", iso2="FR", iso3="FRA", region="Europe"
        )
        self.chile = CountryFactory(
            name="Chile", slug="chile", iso2="CL", iso3="CHL", region="Americas"
        )
        AttendanceFactory(country=morocco)

    def test_lists_every_country_alphabetically(self, client):
        response = client.get(reverse("countries:list"))
        assert names_listed(response) == ["Chile", "France", "Morocco"]
        assert "3 countries" in response.content.decode()

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("q=moro", ["Morocco"]),
            ("q=kingdom", ["Morocco"]),
            ("q=fra", ["France"]),
            ("q=CHL", ["Chile"]),
            ("region=Europe", ["France"]),
            ("participating=true", ["Morocco"]),
            ("participating=false", ["Chile", "France"]),
            ("region=Africa&participating=true&q=mor", ["Morocco"]),
            ("region=Europe&participating=true", []),
        ],
    )
    def test_filters(self, client, query, expected):
        response = client.get(f"{reverse('countries:list')}?{query}")
        assert names_listed(response) == expected

    @pytest.mark.parametrize(("page", "shown"), [("2", 2), ("99", 2), ("abc", 1), ("-1", 2)])
    def test_a_page_number_out_of_range_shows_the_nearest_page(self, client, page, shown):
        CountryFactory.create_batch(60)  # 63 countries: two pages of 60
        response = client.get(f"{reverse('countries:list')}?page={page}")
        assert response.status_code == 200
        assert response.context["page_obj"].number == shown

    def test_unknown_region_is_a_form_error_not_a_crash(self, client):
        response = client.get(f"{reverse('countries:list')}?region=Atlantis")
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()


def section_text(html: str, label: str) -> str:
    match = re.search(rf'<section class="forum-year" id="year-{label}".*?</section>', html, re.S)
    assert match, f"no section for {label}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


class TestCountryDetail:
    def test_header_facts(self, client, morocco):
        html = client.get(morocco.get_absolute_url()).content.decode()
        for text in ["Kingdom of Morocco", ">MA<", ">MAR<", "32 00 N", "5 00 W", "POINT (-5 32)"]:
            assert text in html

    def test_year_sections_hold_their_own_lines(self, client, morocco):
        first = ForumYearFactory(label="2007", sort_year=2007, summit_city="Brussels")
        second = ForumYearFactory(label="2008", sort_year=2008, summit_city="Manila")
        first.chairs.add(CountryFactory(name="Belgium", slug="belgium", iso2="BE", iso3="BEL"))
        AttendanceFactory(country=morocco, forum_year=first, attended_meeting=True)
        ContributionFactory(country=morocco, forum_year=second)
        html = client.get(morocco.get_absolute_url()).content.decode()
        text_2007 = section_text(html, "2007")
        text_2008 = section_text(html, "2008")
        assert "Chair: Belgium" in text_2007
        assert "Summit: Brussels, 1-3 November 2007" in text_2007
        assert "Attended Meeting" in text_2007
        assert "No Financial Contribution" in text_2007
        assert "USD 50,000 non-earmarked" in text_2008
        assert "No Financial Contribution" not in text_2008
        assert html.index("year-2007") < html.index("year-2008")

    def test_a_record_changed_shows_on_the_next_request_in_each_language(self, client, morocco):
        """The profile's queries are compiled once a process (core.prepared), their rows
        read on every request."""
        year = ForumYearFactory(label="2012", sort_year=2012)
        role = RoundtableRoleFactory(
            country=morocco, forum_year=year, roundtable__forum_year=year, roundtable__title="Jobs"
        )
        pages = ["/countries/morocco/", "/fr/countries/morocco/", "/es/countries/morocco/"]
        for page in pages:
            assert "Jobs" in client.get(page).content.decode()
        role.roundtable.title = "Skills"
        role.roundtable.save()
        ContributionFactory(country=morocco, forum_year=year, note="Left-over")
        for page in pages:
            html = client.get(page).content.decode()
            assert "Skills" in html and "Jobs" not in html and "(Left-over)" in html

    def test_header_facts_label_the_wkt_for_people(self, client, morocco):
        html = client.get(morocco.get_absolute_url()).content.decode()
        assert "Point (WKT)" not in html
        assert re.search(r"<dt>Map point</dt><dd><code>POINT \(-5 32\)</code></dd>", html)
        assert "Longitude and latitude as mapping software reads them" in html

    def test_newest_practices_as_titles_and_dates_with_a_link_to_all(self, client, morocco):
        import datetime

        PracticeFactory(title="Older", countries=[morocco], published_on=datetime.date(2019, 1, 1))
        PracticeFactory(title="Newer", countries=[morocco], published_on=datetime.date(2021, 1, 1))
        PracticeFactory(
            title="Submitted only",
            countries=[morocco],
            published_on=None,
            submitted_on=datetime.date(2021, 3, 2),
        )
        PracticeFactory(title="Undated", countries=[morocco], published_on=None, submitted_on=None)
        PracticeFactory(title="Pending one", countries=[morocco], status="pending")
        PracticeFactory(title="Elsewhere")
        html = client.get(morocco.get_absolute_url()).content.decode()
        practices = html.split('id="practices-heading"', 1)[1]
        titles = re.findall(r'<li><a href="/practices/[\w-]+/">([^<]+)</a>', practices)
        assert titles == ["Newer", "Older", "Undated", "Submitted only"]
        assert "Pending one" not in html and "Elsewhere" not in html
        assert 'Older</a> <span class="muted">· published 1 January 2019' in practices
        assert 'Submitted only</a> <span class="muted">· submitted 2 March 2021' in practices
        assert "Undated</a></li>" in practices
        assert "A description of the practice" not in html
        assert '<a href="/practices/?country=MAR">See all 4 practices concerning Morocco' in html

    def test_only_the_newest_five_practices(self, client, morocco):
        import datetime

        for day in range(1, 8):
            PracticeFactory(
                title=f"Practice of day {day}",
                countries=[morocco],
                published_on=datetime.date(2020, 1, day),
            )
        html = client.get(morocco.get_absolute_url()).content.decode()
        shown = re.findall(r"Practice of day (\d)", html)
        assert shown == ["7", "6", "5", "4", "3"]
        assert "See all 7 practices concerning Morocco" in html

    def test_recent_updates_are_shown_near_the_top(self, client, morocco):
        CountryUpdateFactory(country=morocco, summary="2018: added Co-Chair in RT 2.1")
        AttendanceFactory(country=morocco)
        html = client.get(morocco.get_absolute_url()).content.decode()
        assert "2018: added Co-Chair in RT 2.1" in html
        # Under the header facts, above the year index and the years.
        assert html.index('id="facts"') < html.index('id="updates"')
        assert html.index('id="updates"') < html.index('class="year-index"')
        assert html.index('id="updates"') < html.index('class="forum-year"')
        assert 'href="/countries/morocco/updates/">All updates to Morocco' in html

    def test_the_page_stays_under_100_kb_whatever_the_data(self, client, morocco):
        """A few hundred practices per country is realistic (the page was 520 KB with them,
        each with its description), and any number of updates."""
        from countries.models import Country
        from practices.models import PracticeSubmission

        self.build_profile(morocco, years=20)
        description = "<p>" + "A realistic paragraph about the practice. " * 40 + "</p>"
        practices = PracticeSubmission.objects.bulk_create(
            PracticeFactory.build(
                title=f"A long practice title about diaspora engagement, number {n}",
                slug=f"practice-{n}",
                description=description * 3,
            )
            for n in range(400)
        )
        PracticeSubmission.countries.through.objects.bulk_create(
            PracticeSubmission.countries.through(practicesubmission=p, country=morocco)
            for p in practices
        )
        long_summary = "\n".join(
            f"2018: added Co-Chair in RT 2.{n} " + "x" * 150 for n in range(30)
        )
        for _ in range(50):
            CountryUpdateFactory(country=morocco, summary=long_summary)
        assert Country.objects.get(pk=morocco.pk).practices.count() == 420  # build_profile's too

        html = client.get(morocco.get_absolute_url()).content
        assert len(html) < 100_000
        assert b"See all 420 practices concerning Morocco" in html

    def test_unknown_country_is_404(self, client):
        assert client.get("/countries/atlantis/").status_code == 404

    @staticmethod
    def build_profile(country, years: int) -> None:
        for index in range(years):
            year = ForumYearFactory(label=str(2000 + index), sort_year=2000 + index)
            year.chairs.add(CountryFactory())
            AttendanceFactory(country=country, forum_year=year)
            for _ in range(3):
                RoundtableRoleFactory(country=country, roundtable__forum_year=year, forum_year=year)
                ThematicMeetingParticipationFactory(country=country, meeting__forum_year=year)
            ContributionFactory(country=country, forum_year=year)
            PracticeFactory(countries=[country])
            CountryUpdateFactory(country=country)

    def test_query_count_does_not_grow_with_the_profile(
        self, client, morocco, django_assert_num_queries
    ):
        small = CountryFactory()
        self.build_profile(small, years=1)
        self.build_profile(morocco, years=10)
        # 8, with the country's newest practices and their number in one (practice_tags),
        # and 1 for the locator map's neighbours (the contributions chart is the profile's).
        with django_assert_num_queries(9) as small_queries:
            small_html = client.get(small.get_absolute_url()).content.decode()
        with django_assert_num_queries(9):
            big_html = client.get(morocco.get_absolute_url()).content.decode()
        assert small_html.count('class="forum-year"') == 1
        assert big_html.count('class="forum-year"') == 10
        assert len(small_queries.captured_queries) == 9


class TestYearSectionsBuiltInPython:
    """The parts of a year's section that the country page builds in Python (the year's
    chairs and summit, its lines) escape what the records hold, as the template would."""

    @pytest.fixture
    def year(self, morocco):
        year = ForumYearFactory(
            label="2018",
            sort_year=2018,
            summit_city="Rabat <&> Salé",
            summit_start=None,
            summit_end=None,
        )
        year.chairs.add(
            CountryFactory(name="Chair <b>&</b> One", slug="chair-one"),
            CountryFactory(name="Another Chair", slug="another-chair"),
        )
        AttendanceFactory(country=morocco, forum_year=year)
        RoundtableRoleFactory(
            country=morocco, roundtable__forum_year=year, roundtable__title="<i>Jobs</i> & skills"
        )
        ContributionFactory(country=morocco, forum_year=year, amount=None, note="<kind> & cash")
        return year

    def test_chairs_summit_and_lines_are_escaped(self, client, morocco, year):
        html = client.get(morocco.get_absolute_url()).content.decode()
        assert (
            '<p class="year-meta"><span>Co-chairs: <a href="/countries/another-chair/">Another '
            'Chair</a>, <a href="/countries/chair-one/">Chair &lt;b&gt;&amp;&lt;/b&gt; One</a>'
            "</span> <span>Summit: Rabat &lt;&amp;&gt; Salé</span></p>"
        ) in html
        assert "&quot;&lt;i&gt;Jobs&lt;/i&gt; &amp; skills&quot;</li>" in html
        assert "<ul><li>&lt;kind&gt; &amp; cash</li></ul>" in html
        assert "<b>" not in html and "<i>" not in html and "<kind>" not in html

    def test_the_forum_year_page_shows_the_same_chairs_and_summit(self, client, morocco, year):
        year.summit_start, year.summit_end = datetime.date(2018, 12, 5), None
        year.save()
        page = client.get(year.get_absolute_url()).content.decode()
        profile = client.get(morocco.get_absolute_url()).content.decode()
        meta = re.findall(r'<p class="year-meta">.*?</p>', page)
        assert meta == re.findall(r'<p class="year-meta">.*?</p>', profile)
        assert meta[0].endswith(
            "<span>Summit: Rabat &lt;&amp;&gt; Salé, 5 December 2018</span></p>"
        )

    def test_each_year_s_section_and_index_link_as_the_template_wrote_them(
        self, client, morocco, year
    ):
        unrecorded = ForumYearFactory(label="2019", sort_year=2019, summit_city="")
        AttendanceFactory(
            country=morocco,
            forum_year=unrecorded,
            attended_meeting=False,
            attended_prep_meetings=False,
            attended_summit=False,
            contribution_recorded=False,
        )
        html = client.get(morocco.get_absolute_url()).content.decode()
        assert (
            '<ul><li><a href="#year-2018">2018</a></li><li><a href="#year-2019">2019</a></li></ul>'
        ) in html
        assert (
            '\n  <section class="forum-year" id="year-2019" aria-labelledby="year-2019-heading">'
            '\n    <h2 id="year-2019-heading"><a href="/forum/2019/">GFMD 2019</a></h2>'
            '\n    <p class="year-meta"></p>\n\n    \n    \n    \n    \n  </section>\n  '
        ) in html
        section_2018 = html[html.index('id="year-2018"') : html.index('id="year-2019"')]
        assert (
            "\n      <h3>Financial Contribution</h3>\n      "
            "\n        <ul><li>&lt;kind&gt; &amp; cash</li></ul>\n      \n    "
        ) in section_2018

    def test_in_french_the_sections_words_are_translated(self, client, morocco, year):
        html = client.get(f"/fr{morocco.get_absolute_url()}").content.decode()
        assert '<a href="/fr/forum/2018/">FMMD 2018</a></h2>' in html
        assert "<h3>Participation aux tables rondes</h3>" in html

    def test_a_country_without_records_says_so(self, client):
        country = CountryFactory(name="Nowhere <land>", slug="nowhere")
        html = client.get(country.get_absolute_url()).content.decode()
        assert "year-index" not in html and 'class="forum-year"' not in html
        assert "The GFMD record of Nowhere &lt;land&gt; has not been entered yet." in html


class TestForumYears:
    def test_list_shows_years_chairs_and_summit_counts(self, client, morocco):
        year = ForumYearFactory(label="2018", sort_year=2018, summit_city="Marrakesh")
        year.chairs.add(morocco)
        AttendanceFactory(country=morocco, forum_year=year)
        ForumYearFactory(label="2019", sort_year=2019, summit_city="Quito")
        response = client.get(reverse("countries:forum_years"))
        html = response.content.decode()
        assert [y.label for y in response.context["forum_years"]] == ["2018", "2019"]
        assert [y.participating_countries for y in response.context["forum_years"]] == [1, 0]
        assert "Marrakesh" in html and "<svg" in html
        assert "<title>2018: 1</title>" in html

    def test_detail_lists_countries_roundtables_and_meetings(self, client, morocco):
        role = RoundtableRoleFactory(country=morocco, roundtable__title="Skills matching")
        year = role.forum_year
        AttendanceFactory(country=morocco, forum_year=year)
        ThematicMeetingParticipationFactory(
            country=morocco, meeting__forum_year=year, meeting__title="Diaspora and business"
        )
        html = client.get(year.get_absolute_url()).content.decode()
        assert "Skills matching" in html and "Diaspora and business" in html
        assert f"14-15 June {year.sort_year}" in html  # the meeting's dates
        assert f'href="/countries/morocco/#year-{year.label}"' in html
        assert '<path class="c4" d="M' in html and "<title>Morocco: attended" in html  # mapped

    def test_a_change_shows_on_the_next_request_in_each_language(self, client, morocco):
        """The page's queries are compiled once a process (core.prepared), their rows read
        on every request."""
        role = RoundtableRoleFactory(country=morocco, roundtable__title="Skills matching")
        year = role.forum_year
        pages = [f"{prefix}/forum/{year.label}/" for prefix in ("", "/fr", "/es")]
        for page in pages:
            assert "Skills matching" in client.get(page).content.decode()
        role.roundtable.title = "Jobs"
        role.roundtable.save()
        ThematicMeetingParticipationFactory(
            country=morocco, meeting__forum_year=year, meeting__title="Diaspora and business"
        )
        for page in pages:
            html = client.get(page).content.decode()
            assert "Jobs" in html and "Skills matching" not in html
            assert "Diaspora and business" in html

    def test_detail_escapes_country_names_in_its_lists_and_map(self, client):
        """The page's lists and map are written in Python (countries.views, countries.maps):
        a name with markup in it is escaped in each, as the template would have."""
        year = ForumYearFactory(label="2018", sort_year=2018)
        # No outline (an unknown ISO3): drawn as a marker, titled with its name.
        odd = CountryFactory(name='Tom & Jerry <"Land">', slug="tom-and-jerry", iso3="QQQ")
        AttendanceFactory(country=odd, forum_year=year)
        RoundtableRoleFactory(country=odd, roundtable__forum_year=year, forum_year=year)
        ThematicMeetingParticipationFactory(country=odd, meeting__forum_year=year)
        html = client.get(year.get_absolute_url()).content.decode()
        escaped = "Tom &amp; Jerry &lt;&quot;Land&quot;&gt;"
        assert "Tom & Jerry" not in html and '<"Land">' not in html
        link = f'<li><a href="/countries/tom-and-jerry/">{escaped}</a>'
        assert html.count(f"{link} (Team Member)</li>") == 1  # the roundtable
        assert html.count(f"{link} (Attended)</li>") == 1  # the thematic meeting
        assert f'<li><a href="/countries/tom-and-jerry/#year-2018">{escaped}</a></li>' in html
        assert re.search(rf'<circle class="c4 marked" [^>]*><title>{escaped}: attended 2018<', html)

    def test_each_meeting_s_kind_dates_and_place_under_its_title(self, client, morocco):
        """Written in Python (countries.views.thematic_meetings_with_countries), escaped by
        the template, in the page's language."""
        year = ForumYearFactory(label="2018", sort_year=2018)
        ThematicMeetingFactory(
            forum_year=year,
            title="Dated",
            kind="gfmd_thematic_workshop",
            city="Rabat & <Salé>",
            host_country=morocco,
        )
        ThematicMeetingFactory(
            forum_year=year, title="Undated", start_date=None, end_date=None, city=""
        )
        html = client.get(year.get_absolute_url()).content.decode()
        assert (
            '<h3>Dated</h3>\n      <p class="muted">GFMD Thematic Workshop · 14-15 June 2018 · '
            "Rabat &amp; &lt;Salé&gt;, Morocco</p>"
        ) in html
        assert '<h3>Undated</h3>\n      <p class="muted">Thematic Meeting</p>' in html
        french = client.get(f"/fr{year.get_absolute_url()}").content.decode()
        assert '<p class="muted">Atelier thématique du FMMD · 14-15 juin 2018 · ' in french
        assert "Rabat &amp; &lt;Salé&gt;, Maroc</p>" in french


def test_forum_year_lists_leave_out_a_country_added_during_the_render():
    """A role read for a country the page's country list had not (a write between the two
    reads) is left out rather than failing the page."""
    links = {1: '<a href="/countries/a/">A</a>'}
    rows = [(7, 1, "attended"), (7, 2, "attended")]
    lists = role_lists_html(rows, links, {"attended": "Attended & more"})
    assert lists == {7: '<li><a href="/countries/a/">A</a> (Attended &amp; more)</li>'}


def test_home_page_maps_participating_countries(client, morocco):
    CountryFactory(name="Nowhere Land", slug="nowhere-land")
    AttendanceFactory(country=morocco)
    html = client.get("/").content.decode()
    assert re.search(r'<path class="c1" d="M[^"]+"><title>Morocco: 1 forum year</title>', html)
    assert re.search(r'<circle class="c0" [^>]*><title>Nowhere Land</title>', html)
    assert "1 country has taken part" in html
    assert 'action="/countries/"' in html
