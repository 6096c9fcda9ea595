"""Errors raised by knowledge services: the shared service errors (``kefu.lib.errors``)."""

from __future__ import annotations

from kefu.lib.errors import Conflict, InvalidInput, NotAllowed, ServiceError

__all__ = ["Conflict", "InvalidInput", "KnowledgeError", "NotAllowed"]

KnowledgeError = ServiceError
