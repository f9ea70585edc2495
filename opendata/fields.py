"""A short description of every column of the downloads, for /data/ and the files' README.

The columns themselves come from the resources (opendata/datasets.py); a test checks that
every column has a description here and that nothing here names a column that is gone.
"""

from __future__ import annotations

COUNTRY = "ISO 3166-1 alpha-3 code of the country (MAR), as in countries.csv."
FORUM_YEAR = "Label of the GFMD forum year (2007, 2013-2014), as in forum_years.csv."
CREATED = "When the record was made (ISO 8601, UTC)."

FIELD_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "countries": {
        "iso3": "ISO 3166-1 alpha-3 code (MAR): the key other files use.",
        "iso2": "ISO 3166-1 alpha-2 code (MA).",
        "name": "Short name, as in lists (Morocco).",
        "slug": "Last part of the country's page address (/countries/morocco/).",
        "official_name": "Official name (Kingdom of Morocco); may be empty.",
        "latitude": "Latitude of the country's point, decimal degrees, north positive.",
        "longitude": "Longitude of the country's point, decimal degrees, east positive.",
        "region": "UN region (Africa); may be empty.",
        "subregion": "UN subregion (Northern Africa); may be empty.",
    },
    "forum_years": {
        "label": "The year as the GFMD names it (2007, 2013-2014): the key other files use.",
        "sort_year": "A number that orders the years, usually the label's first year.",
        "chairs": "ISO3 codes of the chair countries, separated by ';'.",
        "summit_city": "City of the year's summit; may be empty.",
        "summit_start": "First day of the summit (YYYY-MM-DD); may be empty.",
        "summit_end": "Last day of the summit (YYYY-MM-DD); may be empty.",
        "notes": "Notes on the year; may be empty.",
    },
    "roundtables": {
        "forum_year": FORUM_YEAR,
        "number": "Roundtable number within its year (1.2); empty for an unnumbered session.",
        "title": "Title as the GFMD wrote it.",
    },
    "attendance": {
        "country": COUNTRY,
        "forum_year": FORUM_YEAR,
        "attended_meeting": "yes if the country attended the year's meeting.",
        "attended_prep_meetings": "yes if the country attended the preparatory meetings.",
        "attended_summit": "yes if the country attended the summit.",
        "contribution_recorded": (
            "yes if the year's financial contribution is on record (a year on record without "
            "contributions reads 'No Financial Contribution'); no if it is not on record."
        ),
    },
    "roundtable_roles": {
        "country": COUNTRY,
        "forum_year": FORUM_YEAR,
        "role": "Co-Chair, Team Member, Coordinator or No Participation.",
        "roundtable": "Number of the roundtable within the year (roundtables.csv); may be empty.",
        "session": "A session without number, where no roundtable is given; may be empty.",
    },
    "thematic_meetings": {
        "forum_year": FORUM_YEAR,
        "title": "Title as the GFMD wrote it; unique within its year.",
        "kind": "Thematic Meeting, Thematic Workshop or GFMD Thematic Workshop.",
        "start_date": "First day (YYYY-MM-DD); may be empty.",
        "end_date": "Last day (YYYY-MM-DD); empty for a one-day or undated meeting.",
        "city": "City where it took place; may be empty.",
        "host_country": "ISO3 code of the host country; may be empty.",
    },
    "thematic_participations": {
        "forum_year": "Label of the meeting's forum year (with the title, names the meeting).",
        "meeting": "Title of the thematic meeting within that year (thematic_meetings.csv).",
        "country": COUNTRY,
        "role": "Co-Chair, Attended or Participated.",
    },
    "contributions": {
        "country": COUNTRY,
        "forum_year": FORUM_YEAR,
        "amount": "Amount of the financial contribution; empty for one described by its note.",
        "currency": "ISO 4217 currency code of the amount (USD); empty without an amount.",
        "earmarked": "earmarked, non-earmarked or not stated.",
        "note": "Shown in brackets after the amount (Left-over), or alone without one.",
    },
    "themes": {
        "slug": "Short name of the theme in addresses and in practices.csv.",
        "name": "Name of the theme.",
        "description": "What the theme covers; may be empty.",
    },
    "practices": {
        "slug": "Last part of the practice's page address (/practices/<slug>/).",
        "title": "Title of the practice.",
        "description": "Description in HTML (paragraphs, lists, links, emphasis).",
        "countries": "ISO3 codes of the countries it concerns, separated by ';'.",
        "is_global": "yes if it concerns no country in particular.",
        "themes": "Slugs of its themes (themes.csv), separated by ';'.",
        "partners": "Implementing partners, one a line.",
        "forum_year": "Label of the GFMD year it relates to; may be empty.",
        "start_year": "Year it started; may be empty.",
        "end_year": "Year it ended; may be empty.",
        "url": "A web page about the practice; may be empty.",
        "submitted_by_name": "Name of the person who submitted it.",
        "submitter_organisation": "Their organisation; may be empty.",
        "submitted_on": "Date of submission (YYYY-MM-DD); may be empty when unknown.",
        "published_on": "Date of publication (YYYY-MM-DD); may be empty for older records.",
    },
    "country_updates": {
        "country": COUNTRY,
        "created_at": CREATED,
        "source": "How the change came: Edited in the admin, Practice moderated, Imported, "
        "or Reference data loaded.",
        "summary": "What changed on the country's page, one line a change.",
    },
}
