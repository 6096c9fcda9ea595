"""API authentication (token and session) and the caller's own account: ``/api/v1/me``."""

from typing import Annotated, Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Query, Router
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from kefu.accounts.models import Department, User
from kefu.accounts.roles import ROLE_CAPS, Cap, Role
from kefu.accounts.schemas import AUTH_ERRORS, MAX_ID, DepartmentRef, MeOut, UserRef
from kefu.accounts.services import token_authenticate
from kefu.accounts.throttle import client_address, token_failure_record

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# Messages of the API root (kefu/api.py), kept here so the accounts catalogue translates them.
MSG_AUTH_REQUIRED = gettext_lazy("Authentication required: send a Bearer token or log in.")
MSG_NOT_FOUND = gettext_lazy("Not found.")
MSG_FORBIDDEN = gettext_lazy("You are not allowed to do this.")
MSG_CORRECT_ERRORS = gettext_lazy("Please correct the errors below.")
MSG_NUL = gettext_lazy("The request contains a NUL character, which cannot be stored.")
MSG_BAD_TEXT = gettext_lazy("The request contains text that is not valid Unicode (a lone surrogate).")
MSG_TOO_DEEP = gettext_lazy("The request body is nested too deeply.")
MSG_TOO_BIG = gettext_lazy("The request body is too large.")


class TokenAuth(HttpBearer):
    """``Authorization: Bearer kf_…`` — keys from ``kefu token create USER``.

    Every unknown key counts against the caller's address; ``TokenThrottleMiddleware``
    refuses the address once it reaches ``KEFU_API_TOKEN_FAILURE_LIMIT``.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        token = token.strip()
        user = token_authenticate(key=token) if token else None
        if user is None:
            token_failure_record(address=client_address(request))
        return user


class SessionAuth(APIKeyCookie):
    """The browser's login session, for the UI's own scripts and the docs page.

    Unlike ninja's ``django_auth`` the CSRF check runs only once a session user
    is found, so an anonymous write gets 401 (log in) rather than 403 (CSRF).
    Writes with a session must send the ``X-CSRFToken`` header.
    """

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)  # ``csrf`` also tells the docs page to send the token

    def __call__(self, request: HttpRequest) -> User | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if request.method not in SAFE_METHODS and not exempt and check_csrf(request) is not None:
            raise HttpError(403, _("CSRF check failed. Send the X-CSRFToken header when using the session."))
        return user  # type: ignore[no-any-return]

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover - see __call__
        return None


def caller(request: HttpRequest) -> User:
    """The authenticated user of an API request (set by the auth classes above)."""
    return request.auth  # type: ignore[attr-defined,no-any-return]


router = Router(tags=["accounts"])


@router.get("/me", response={200: MeOut, **AUTH_ERRORS}, summary="The caller's account, role and capabilities")
def me(request: HttpRequest) -> dict[str, Any]:
    user = caller(request)
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "employee_no": user.employee_no,
        "role": user.role,
        "role_label": str(Role(user.role).label) if user.role in Role.values else user.role,
        "department": user.department,
        "caps": sorted(cap.value for cap in user.caps if user.is_active),
    }


@router.get(
    "/departments",
    response={200: list[DepartmentRef], **AUTH_ERRORS},
    summary="Active departments that handle complaints (for assignment)",
)
def departments(request: HttpRequest) -> QuerySet[Department]:
    return Department.objects.filter(handles_complaints=True, is_active=True).order_by("name")


@router.get(
    "/handlers",
    response={200: list[UserRef], **AUTH_ERRORS},
    summary="Active people who may handle complaints, optionally of one department",
)
def handlers(
    request: HttpRequest, department: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None
) -> QuerySet[User]:
    roles = [role for role, caps in ROLE_CAPS.items() if Cap.COMPLAINT_HANDLE in caps]
    qs = User.objects.filter(is_active=True, role__in=roles)
    if department is not None:
        qs = qs.filter(department_id=department)
    return qs.order_by("full_name", "username")
