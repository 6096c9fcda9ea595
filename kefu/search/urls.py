"""/search/ — included at the root without a namespace, so the page is ``{% url 'search' %}``."""

from __future__ import annotations

from django.urls import path

from kefu.search import views

urlpatterns = [
    path("", views.search, name="search"),
]
