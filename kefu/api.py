"""The REST API root: ``/api/v1/`` with OpenAPI at ``/api/v1/openapi.json`` and docs at ``/api/v1/docs``.

Each app contributes a ``router`` from its ``api`` module. Endpoints only parse
input, call a service or selector and shape the answer; errors become JSON:

- service ``InvalidInput`` and schema validation → 422 ``{"detail", "errors": {field: message}}``, each
  message in the user's language (pydantic's error types are translated, see ``SCHEMA_MESSAGES``);
- a body that is not JSON → 400;
- ``NotAllowed`` / ``PermissionDenied`` → 403, ``Conflict`` → 409, not visible → 404,
  no or bad credentials → 401 — each ``{"detail": message}``.
"""

import functools
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from kefu.accounts.api import (
    MSG_AUTH_REQUIRED,
    MSG_BAD_TEXT,
    MSG_CORRECT_ERRORS,
    MSG_FORBIDDEN,
    MSG_NOT_FOUND,
    MSG_NUL,
    MSG_TOO_BIG,
    MSG_TOO_DEEP,
    SessionAuth,
    TokenAuth,
)
from kefu.accounts.api import router as accounts_router
from kefu.complaints.api import router as complaints_router
from kefu.customers.api import contacts_router, customers_router
from kefu.lib.errors import InvalidInput, RateLimited, ServiceError


class KefuAPI(NinjaAPI):
    """The API whose OpenAPI document is built once per process and language: it changes only with the code.

    ninja builds it on every request for ``openapi.json`` (a quarter of a second); warmed at start-up
    by ``kefu.front.warmup``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[tuple[str, str | None], Any] = {}

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        key = (path_prefix, get_language())
        if key not in self._schemas:
            self._schemas[key] = super().get_openapi_schema(path_prefix=path_prefix)
        return self._schemas[key]


api = KefuAPI(
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
api.add_router("/quality", "kefu.quality.api.router")
api.add_router("/training", "kefu.training.api.router")
api.add_router("/onsite", "kefu.fieldservice.api.router")
api.add_router("/surveys", "kefu.surveys.api.router")
api.add_router("/insights", "kefu.insights.api.router")


MAX_JSON_DEPTH = 32  # no Kefu request nests deeper than a few levels


def _json_problem(value: Any) -> str:
    """What makes a parsed body unusable: "" when nothing; walks iteratively, so no depth can crash it."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return "depth"
        if isinstance(item, str):
            if "\x00" in item:
                return "nul"
            if _has_surrogate(item):
                return "surrogate"
        elif isinstance(item, dict):
            stack.extend((k, depth) for k in item)
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return ""


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _error(request: HttpRequest, status: int, message: str, where: str = "") -> HttpResponse:
    body: dict[str, Any] = {"detail": message}
    if status == 422:
        body["errors"] = {where or "body": message}
    return api.create_response(request, body, status=status)


def check_request_body(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse a request the API cannot read safely, with a JSON answer, before anything parses it.

    - a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` → 413;
    - a body (of any declared type: ninja reads every body as JSON) that is
      malformed is left to ninja (400, ``http_error``), but JSON nested deeper than
      ``MAX_JSON_DEPTH`` → 400 (deep nesting would exhaust Python's recursion);
    - text holding NUL (PostgreSQL cannot store or even compare it) or a lone
      UTF-16 surrogate (not encodable, in the query or the body) → 422.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            raw = request.body
        except RequestDataTooBig:
            return _error(request, 413, str(MSG_TOO_BIG))
        problem = _json_problem(dict(request.GET.lists()))
        where = "query"
        # Whatever the Content-Type says: ninja reads any body as JSON.
        if not problem and raw:
            where = "body"
            try:
                problem = _json_problem(json.loads(raw))
            except RecursionError:
                problem = "depth"
            except ValueError:
                problem = ""  # ninja answers malformed JSON itself
        if problem == "depth":
            return _error(request, 400, str(MSG_TOO_DEEP))
        if problem:
            return _error(request, 422, str(MSG_NUL if problem == "nul" else MSG_BAD_TEXT), where)
        return view(request, *args, **kwargs)

    return wrapper


api.add_decorator(check_request_body, mode="view")


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    """``["body", "payload", "amount"]`` → ``amount``; ``["query", "state"]`` → ``state``."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form", "header", "cookie", "payload")]
    return ".".join(parts) or "body"


# Pydantic's error types (https://docs.pydantic.dev/latest/errors/validation_errors/) in the
# user's language; ``%(name)s`` takes the error's context. Unlisted types get MSG_INVALID.
_MSG_NUMBER = _("Enter a number.")
_MSG_WHOLE_NUMBER = _("Enter a whole number.")
_MSG_DATE = _("Enter a date such as 2026-01-31.")
_MSG_DATETIME = _("Enter a date and time such as 2026-01-31T09:30:00+08:00.")
_MSG_OBJECT = _("Enter an object.")
SCHEMA_MESSAGES: dict[str, Promise] = {
    "missing": _("This field is required."),
    "extra_forbidden": _("This field is not accepted here."),
    "json_invalid": _("The request body is not valid JSON."),
    "string_type": _("Enter text."),
    "string_too_short": _("Enter at least %(min_length)s characters."),
    "string_too_long": _("Enter at most %(max_length)s characters."),
    "string_pattern_mismatch": _("The value does not have the expected format."),
    "int_type": _MSG_WHOLE_NUMBER,
    "int_parsing": _MSG_WHOLE_NUMBER,
    "int_from_float": _MSG_WHOLE_NUMBER,
    "int_parsing_size": _("The number is too large."),
    "float_type": _MSG_NUMBER,
    "float_parsing": _MSG_NUMBER,
    "decimal_type": _MSG_NUMBER,
    "decimal_parsing": _MSG_NUMBER,
    "finite_number": _MSG_NUMBER,
    "decimal_max_digits": _("Enter at most %(max_digits)s digits in total."),
    "decimal_max_places": _("Enter at most %(decimal_places)s decimal places."),
    "decimal_whole_digits": _("Enter at most %(whole_digits)s digits before the decimal point."),
    "greater_than": _("Enter a value greater than %(gt)s."),
    "greater_than_equal": _("Enter a value of at least %(ge)s."),
    "less_than": _("Enter a value less than %(lt)s."),
    "less_than_equal": _("Enter a value of at most %(le)s."),
    "multiple_of": _("Enter a multiple of %(multiple_of)s."),
    "bool_type": _("Enter true or false."),
    "bool_parsing": _("Enter true or false."),
    "date_type": _MSG_DATE,
    "date_parsing": _MSG_DATE,
    "date_from_datetime_parsing": _MSG_DATE,
    "date_from_datetime_inexact": _MSG_DATE,
    "datetime_type": _MSG_DATETIME,
    "datetime_parsing": _MSG_DATETIME,
    "datetime_from_date_parsing": _MSG_DATETIME,
    "datetime_object_invalid": _MSG_DATETIME,
    "time_type": _("Enter a time such as 09:30."),
    "time_parsing": _("Enter a time such as 09:30."),
    "timezone_aware": _("Enter a time with its UTC offset, such as +08:00."),
    "list_type": _("Enter a list."),
    "too_short": _("Enter at least %(min_length)s items."),
    "too_long": _("Enter at most %(max_length)s items."),
    "dict_type": _MSG_OBJECT,
    "model_type": _MSG_OBJECT,
    "model_attributes_type": _MSG_OBJECT,
    "uuid_type": _("Enter a valid UUID."),
    "uuid_parsing": _("Enter a valid UUID."),
    "url_parsing": _("Enter a valid URL."),
    "url_type": _("Enter a valid URL."),
}
MSG_INVALID = _("This value is not valid.")
MSG_ONE_OF = _("Choose one of: %(choices)s.")
MSG_MALFORMED = _("The request body could not be read: send valid JSON.")
_CJK = re.compile(r"[\u3400-\u9fff]")


def _schema_message(error: Mapping[str, Any]) -> str:
    """One pydantic error as a sentence in the user's language (never pydantic's English)."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in ("enum", "literal_error"):
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        if choices:
            return str(MSG_ONE_OF) % {"choices": "、".join(choices)}
    template = SCHEMA_MESSAGES.get(kind)
    if template is not None:
        try:
            return str(template) % {k: v for k, v in ctx.items()}
        except (KeyError, TypeError, ValueError):
            return str(MSG_INVALID)
    # Kefu's own validators (PydanticCustomError, ValueError) already speak the user's language.
    own = str(ctx.get("error", "")) if kind == "value_error" else str(error.get("msg", ""))
    return own if _CJK.search(own) else str(MSG_INVALID)


def _summary(errors: Mapping[str, str]) -> str:
    return "；".join(f"{field}：{message.rstrip('。.')}" for field, message in errors.items())


@api.exception_handler(ValidationError)
def schema_invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, str] = {}
    for error in exc.errors:
        errors.setdefault(_field_name(error.get("loc", ())), _schema_message(error))
    summary = _summary(errors)
    detail = str(MSG_CORRECT_ERRORS) + (f"（{summary}）" if summary else "")
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja's only 400 is a body it cannot parse, and it says so in English.
    message = str(MSG_MALFORMED) if exc.status_code == 400 else str(exc)
    return api.create_response(request, {"detail": message}, status=exc.status_code)


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
