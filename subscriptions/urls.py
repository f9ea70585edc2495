from __future__ import annotations

from django.urls import path

from subscriptions import views

app_name = "subscriptions"
urlpatterns = [
    path("countries/<slug:slug>/subscribe/", views.SubscribeView.as_view(), name="subscribe"),
    path("countries/<slug:slug>/feed/", views.CountryUpdatesFeed(), name="country_feed"),
    path(
        "countries/<slug:slug>/updates/", views.CountryUpdatesView.as_view(), name="country_updates"
    ),
    path("subscriptions/confirm/<str:token>/", views.ConfirmView.as_view(), name="confirm"),
    path("subscriptions/manage/<str:token>/", views.ManageView.as_view(), name="manage"),
    path(
        "subscriptions/unsubscribe/<str:token>/",
        views.UnsubscribeView.as_view(),
        name="unsubscribe",
    ),
]
