from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from kefu.accounts.throttle import client_address, token_block_remaining


class TokenThrottleMiddleware:
    """Answer 429 to Bearer-token requests from an address that sent too many unknown tokens.

    ``TokenAuth`` counts the failures (``token_failure_record``); this refuses the
    address before any token is looked up, with ``Retry-After`` in seconds. Other
    requests from the address (the browser session) are not affected.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.headers.get("Authorization", "")[:7].lower() == "bearer ":
            wait = token_block_remaining(address=client_address(request))
            if wait:
                response = JsonResponse(
                    {"detail": _("Too many invalid API tokens from this address. Try again later.")},
                    status=429,
                )
                response["Retry-After"] = str(wait)
                return response
        return self.get_response(request)
