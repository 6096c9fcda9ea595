"""The REST API root: ``/api/v1/`` with OpenAPI at ``/api/v1/openapi.json`` and docs at ``/api/v1/docs``.

Each app contributes a ``router`` from its ``api`` module. Endpoints only parse
input, call a service or selector and shape the answer; errors become JSON:

- service ``InvalidInput`` and schema validation → 422 ``{"detail", "errors": {field: message}}``
- ``NotAllowed`` / ``PermissionDenied`` → 403, ``Conflict`` → 409, not visible → 404,
  no or bad credentials → 401 — each ``{"detail": message}``.
"""

import functools
import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, ValidationError

from kefu.accounts.api import (
    MSG_AUTH_REQUIRED,
    MSG_CORRECT_ERRORS,
    MSG_FORBIDDEN,
    MSG_NOT_FOUND,
    MSG_NUL,
    SessionAuth,
    TokenAuth,
)
from kefu.accounts.api import router as accounts_router
from kefu.complaints.api import router as complaints_router
from kefu.customers.api import contacts_router, customers_router
from kefu.lib.errors import InvalidInput, RateLimited, ServiceError

api = NinjaAPI(
    title="Kefu API",
    version="1.0",
    description=(
        "Customers, contacts and the complaint-handling process of Kefu 客服. "
        "Authenticate with `Authorization: Bearer <key>` (create a key with `kefu token create USER`) "
        "or with the browser session plus the `X-CSRFToken` header for writes. "
        "Every complaint action takes the `expected_version` the caller last saw; "
        "a stale version gets 409."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    # Offline: Swagger UI from ninja's own static files ("ninja" is an installed app), and no
    # validator badge, which would call validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": True}),
)

api.add_router("", accounts_router)
api.add_router("/customers", customers_router)
api.add_router("/contacts", contacts_router)
api.add_router("/complaints", complaints_router)
api.add_router("/knowledge", "kefu.knowledge.api.router")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def reject_nul_characters(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse input containing NUL characters with a 422 before anything reads it.

    PostgreSQL cannot store or even compare text containing NUL; without this a
    search for ``"张\x00"`` would be a 500 there (and pass unnoticed on SQLite).
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        body: Any = None
        if request.content_type == "application/json" and request.body:
            try:
                body = json.loads(request.body)
            except ValueError:
                body = None  # ninja answers malformed JSON itself
        where = "query" if _has_nul(dict(request.GET.lists())) else "body" if _has_nul(body) else ""
        if where:
            errors = {where: str(MSG_NUL)}
            return api.create_response(request, {"detail": str(MSG_NUL), "errors": errors}, status=422)
        return view(request, *args, **kwargs)

    return wrapper


api.add_decorator(reject_nul_characters, mode="view")


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    """``["body", "payload", "amount"]`` → ``amount``; ``["query", "state"]`` → ``state``."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "header", "cookie", "payload")]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def schema_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, str] = {}
    for error in exc.errors:
        errors.setdefault(_field_name(error.get("loc", ())), str(error.get("msg", "")))
    summary = "; ".join(f"{field}: {msg}" for field, msg in errors.items())
    detail = str(MSG_CORRECT_ERRORS) + (f" ({summary})" if summary else "")
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    body: dict[str, Any] = {"detail": exc.message}
    if isinstance(exc, InvalidInput):
        body["errors"] = exc.errors
    response = api.create_response(request, body, status=exc.status)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(DjangoValidationError)
def model_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    errors = {k: "; ".join(v) for k, v in exc.message_dict.items()} if hasattr(exc, "error_dict") else {}
    detail = "; ".join(exc.messages) if not errors else str(MSG_CORRECT_ERRORS)
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(MSG_FORBIDDEN)}, status=403)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # The same answer for "does not exist" and "exists but not yours": no probing.
    return api.create_response(request, {"detail": str(MSG_NOT_FOUND)}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request,
        {"detail": str(MSG_AUTH_REQUIRED)},
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer realm="kefu"'
    return response
