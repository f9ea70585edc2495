from __future__ import annotations

from django.urls import path
from django.views.generic import TemplateView

from practices import views

app_name = "practices"
urlpatterns = [
    path("", views.PracticeListView.as_view(), name="list"),
    path("submit/", views.PracticeSubmitView.as_view(), name="submit"),
    path(
        "submit/thanks/",
        TemplateView.as_view(template_name="practices/practice_submit_thanks.html"),
        name="submit_thanks",
    ),
    # After submit/: a practice slugged "submit" must not hide the form.
    path("<slug:slug>/", views.PracticeDetailView.as_view(), name="detail"),
]
