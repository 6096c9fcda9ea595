"""The customer and contact URLs plus stand-ins for the complaint pages they link to."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def stand_in(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    return HttpResponse("stand-in")


complaint_patterns = (
    [path("new/", stand_in, name="new"), path("<int:pk>/", stand_in, name="detail")],
    "complaints",
)

urlpatterns = [
    path("", stand_in, name="home"),
    path("customers/", include("kefu.customers.urls")),
    path("contacts/", include("kefu.customers.contact_urls")),
    path("complaints/", include(complaint_patterns)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("kefu.front.urls")),
]
