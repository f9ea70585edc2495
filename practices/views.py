from __future__ import annotations

from django.views.generic import DetailView

from practices.models import PracticeSubmission


class PracticeDetailView(DetailView):
    template_name = "practices/practice_detail.html"
    context_object_name = "practice"

    def get_queryset(self):
        return PracticeSubmission.objects.published().prefetch_related("countries", "themes")
