"""The request type of Kefu's views: signed in (``login_required``) and htmx-aware (django-htmx)."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from kefu.accounts.models import User


class HtmxHttpRequest(HttpRequest):
    """What a view behind ``login_required`` receives: ``user`` is a real user, ``htmx`` is always set.

    Django's stubs type ``request.user`` as ``User | AnonymousUser``; every Kefu page view is
    behind ``login_required`` (the navigation tests check it), so views take this type instead
    of casting the user in each one.
    """

    htmx: HtmxDetails
    user: User  # narrowed: login_required runs first
