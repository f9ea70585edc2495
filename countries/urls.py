from __future__ import annotations

from django.urls import path

from countries import views

app_name = "countries"
urlpatterns = [
    path("countries/", views.CountryListView.as_view(), name="list"),
    path("countries/<slug:slug>/", views.CountryDetailView.as_view(), name="detail"),
    path("forum/", views.ForumYearListView.as_view(), name="forum_years"),
    path("forum/<str:label>/", views.ForumYearDetailView.as_view(), name="forum_year"),
]
