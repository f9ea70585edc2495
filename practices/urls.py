from __future__ import annotations

from django.urls import path

from practices import views

app_name = "practices"
urlpatterns = [
    path("<slug:slug>/", views.PracticeDetailView.as_view(), name="detail"),
]
