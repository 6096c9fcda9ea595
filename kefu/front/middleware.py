from __future__ import annotations

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
