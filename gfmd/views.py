from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView

from countries.models import Country, CountryUpdate
from practices.models import PracticeSubmission


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["latest_updates"] = CountryUpdate.objects.select_related("country")[:5]
        context["latest_practices"] = PracticeSubmission.objects.published().newest_first()[:5]
        context["all_countries"] = Country.objects.for_map()
        context["participating_countries"] = Country.objects.participating().only("pk")
        return context
