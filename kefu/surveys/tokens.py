"""The customer's survey link: a signed, expiring token (django.core.signing) naming the survey.

The token carries the survey's id and its nonce; the signature proves Kefu made it and the
timestamp bounds its age. A survey's own ``expires_at`` (the rule's validity) is checked by the
page; ``MAX_AGE`` is the outer bound no link outlives whatever a rule says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing

SALT = "kefu.surveys.link"
MAX_AGE = timedelta(days=31)


class LinkError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "tampered" or "expired"


@dataclass(frozen=True)
class Link:
    survey_id: int
    nonce: str


def make(survey_id: int, nonce: str) -> str:
    return signing.dumps([survey_id, nonce], salt=SALT)


def read(token: str) -> Link:
    """The survey a token names; ``LinkError`` when it was altered or is too old."""
    if len(token) > 300:
        raise LinkError("tampered")
    try:
        value = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as exc:
        raise LinkError("expired") from exc
    except signing.BadSignature as exc:
        raise LinkError("tampered") from exc
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int)
            or not isinstance(value[1], str)):
        raise LinkError("tampered")
    return Link(value[0], value[1])
