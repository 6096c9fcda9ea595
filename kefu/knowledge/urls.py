"""Phrasebook pages, included at ``/knowledge/``."""

from __future__ import annotations

from django.urls import path

from kefu.knowledge import views

app_name = "knowledge"

ENTRY = "e/<str:entry_id>/"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("import/", views.import_yaml, name="import"),
    path(ENTRY, views.detail, name="detail"),
    path(ENTRY + "edit/", views.edit, name="edit"),
    path(ENTRY + "archive/", views.set_active, {"active": False}, name="archive"),
    path(ENTRY + "restore/", views.set_active, {"active": True}, name="restore"),
    path("assist/", views.assist_sessions, name="assist"),
    path("assist/<int:pk>/", views.assist_panel, name="assist_panel"),
    path("assist/<int:pk>/links/", views.assist_links, name="assist_links"),
]
