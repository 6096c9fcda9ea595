"""Errors raised by complaint services; views and the API turn them into 4xx answers."""

from __future__ import annotations


class ComplaintError(Exception):
    """Base class: ``message`` is shown to the user."""

    status = 400

    def __init__(self, message: str, *, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class InvalidInput(ComplaintError):
    status = 422


class NotAllowed(ComplaintError):
    status = 403


class Conflict(ComplaintError):
    """Someone else changed the complaint first; reload and try again."""

    status = 409
