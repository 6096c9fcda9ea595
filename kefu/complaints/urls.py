"""Complaint pages, included at ``/complaints/``; the workbench (``home``) is routed at ``/`` by kefu/urls.py."""

from __future__ import annotations

from django.urls import path

from kefu.complaints import views

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_new, name="new"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/follow-up-call/", views.followup_call, name="followup_call"),
    path("<int:pk>/<slug:action>/", views.complaint_act, name="act"),
]
