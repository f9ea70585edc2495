from __future__ import annotations

from django.views.generic import DetailView, ListView

from countries.models import Country, ForumYear


class CountryListView(ListView):
    model = Country
    template_name = "countries/country_list.html"


class CountryDetailView(DetailView):
    model = Country
    template_name = "countries/country_detail.html"


class ForumYearListView(ListView):
    model = ForumYear
    template_name = "countries/forumyear_list.html"


class ForumYearDetailView(DetailView):
    model = ForumYear
    slug_field = "label"
    slug_url_kwarg = "label"
    template_name = "countries/forumyear_detail.html"
