"""Errors raised by every app's services; views and the API turn them into 4xx answers.

Django-free, so any service module can raise them and one API handler serves every app.
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: ``message`` is shown to the user."""

    status = 400

    def __init__(self, message: str, *, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class InvalidInput(ServiceError):
    status = 422


class NotAllowed(ServiceError):
    status = 403


class Conflict(ServiceError):
    """Someone else changed the complaint first; reload and try again."""

    status = 409


class RateLimited(ServiceError):
    """Too many attempts in a short time; ``retry_after`` seconds until the next is accepted."""

    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
