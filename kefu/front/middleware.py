from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ChineseFirstMiddleware:
    """Serve Simplified Chinese unless the user chose another language.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so an
    agent on an English-language browser would get English. Kefu's default is
    Chinese; the language switcher (a cookie) is how a user opts into English.
    API clients are different: they ask for a language on purpose, so
    ``/api/`` keeps Accept-Language. Must run before ``LocaleMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.KEFU_FOLLOW_BROWSER_LANGUAGE and not request.path_info.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class SlidingSessionMiddleware:
    """Keep an active session alive: it ends ``SESSION_COOKIE_AGE`` after the *last* request.

    Django sets a session's expiry when it saves it. Saving on every request
    (``SESSION_SAVE_EVERY_REQUEST``) would write the session row on every page and
    htmx poll; marking it modified at most once a minute gives the same idle timeout,
    to the minute, for one write a minute. Must come after ``AuthenticationMiddleware``
    (inside ``SessionMiddleware``, which saves on the way out).
    """

    SEEN_KEY = "_kefu_seen"
    REFRESH_SECONDS = 60

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:  # not after a sign-out in this request
            if time.time() - int(request.session.get(self.SEEN_KEY, 0)) >= self.REFRESH_SECONDS:
                self.mark_seen(request=request)
        return response

    @classmethod
    def mark_seen(cls, request: HttpRequest | None = None, **kwargs: object) -> None:
        """Note this request in the session, so it is saved (with a new expiry); also on ``user_logged_in``."""
        session = getattr(request, "session", None)
        if session is not None:
            session[cls.SEEN_KEY] = int(time.time())
