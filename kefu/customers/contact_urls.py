"""Contacts and the fast logger: /contacts/…"""

from __future__ import annotations

from django.urls import path

from kefu.customers import views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="list"),
    path("new/", views.contact_new, name="new"),
    path("lookup/", views.contact_lookup, name="lookup"),
    path("<int:pk>/", views.contact_detail, name="detail"),
]
