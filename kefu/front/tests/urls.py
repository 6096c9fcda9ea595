"""A URLconf for the front tests: the front URLs plus stand-ins for the pages the nav links to."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path


def page(request: HttpRequest) -> HttpResponse:
    return render(request, "front/base.html")


complaint_patterns = ([path("", page, name="list")], "complaints")

urlpatterns = [
    path("", page, name="home"),
    path("complaints/", include(complaint_patterns)),
    path("search/", page, name="search"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("kefu.front.urls")),
]
