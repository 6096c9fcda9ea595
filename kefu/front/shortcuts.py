"""Small view helpers every app shares: one refusal page, service errors onto forms, optional links."""

from __future__ import annotations

from typing import Any

from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django_htmx.http import trigger_client_event

from kefu.lib.errors import ServiceError


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    """The one 403 page (also Django's), saying what is not allowed; htmx also gets a toast."""
    response = render(request, "403.html", {"message": message}, status=403)
    if getattr(request, "htmx", False):
        trigger_client_event(response, "kefu:message", {"level": "error", "text": message})
    return response


def add_service_errors(form: Form, exc: ServiceError) -> None:
    """Put a service's field errors on the form's fields (unknown fields, or none, go to the top)."""
    if not exc.errors:
        form.add_error(None, exc.message)
    for field, message in exc.errors.items():
        form.add_error(field if field in form.fields else None, message)


def url_or_none(url_name: str, *args: Any) -> str | None:
    """``reverse()``, or None while no installed app routes ``url_name`` (the link is then not shown)."""
    try:
        return reverse(url_name, args=args or None)
    except NoReverseMatch:
        return None
