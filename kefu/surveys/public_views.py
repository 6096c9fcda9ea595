"""Pages a customer opens from the survey link on a phone, without login."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def answer(request: HttpRequest, token: str) -> HttpResponse:
    return HttpResponse(status=404)
