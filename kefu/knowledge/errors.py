"""Errors raised by knowledge services.

They subclass the complaint errors because ``kefu.api`` already turns those
into JSON 403/409/422 answers; one handler serves every app.
"""

from __future__ import annotations

from kefu.complaints.errors import ComplaintError, Conflict, InvalidInput, NotAllowed

__all__ = ["Conflict", "InvalidInput", "KnowledgeError", "NotAllowed"]

KnowledgeError = ComplaintError
