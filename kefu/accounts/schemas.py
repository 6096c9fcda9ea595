"""API shapes shared by every app's router: references to people and departments, and errors."""

from typing import Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination


class UserRef(Schema):
    id: int
    username: str
    full_name: str


class DepartmentRef(Schema):
    id: int
    code: str
    name: str


class ErrorOut(Schema):
    """400, 401, 403, 404, 409, 413 and 429 answers: one message a person can read."""

    detail: str


class InvalidOut(Schema):
    """422 answers: a summary plus one message per offending field."""

    detail: str
    errors: dict[str, str] = {}


# Every authenticated operation can answer these; operations add their own 200/201.
# Every endpoint may answer: 400 (a body that is not usable JSON: malformed, nested too deep,
# invalid text), 413 (a body over the size limit), 429 (too many attempts: bad tokens, searches by number).
AUTH_ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 413: ErrorOut, 422: InvalidOut, 429: ErrorOut,
}
OBJECT_ERRORS: dict[int, type[Schema]] = {**AUTH_ERRORS, 404: ErrorOut}
ACTION_ERRORS: dict[int, type[Schema]] = {**OBJECT_ERRORS, 409: ErrorOut}


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    employee_no: str
    role: str
    role_label: str
    department: DepartmentRef | None
    caps: list[str]


# Ids fit a signed 64-bit column; bigger numbers would overflow the database driver (a 500).
MAX_ID = 2**63 - 1


class Page(LimitOffsetPagination):
    """``?limit=&offset=`` → ``{"items": [...], "count": n}``; bounded so no request can ask for everything."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=200)
        offset: int = Field(0, ge=0, le=1_000_000)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=200, **kwargs)
