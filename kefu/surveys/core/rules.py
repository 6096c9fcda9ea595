"""Who is asked after a finished service, and when (pure; no Django).

The decision is deterministic: the same service is always either sampled or not
(a hash of its kind and id, not a random draw), so a retried write, a second
listener call or a re-run of the back-fill reaches the same answer.

Implements the sampling, cooldown and harassment rules of the survey feature
(harass.prevent: a number on the harassment list is never contacted).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Skip(StrEnum):
    NO_RULE = "no_rule"
    DISABLED = "disabled"
    NOT_SAMPLED = "not_sampled"
    NO_NUMBER = "no_number"
    HARASSMENT = "harassment"
    COOLDOWN = "cooldown"


@dataclass(frozen=True)
class RuleSpec:
    enabled: bool
    sample_every: int
    cooldown_days: int
    delay_minutes: int
    servqual_every: int = 0


@dataclass(frozen=True)
class Decision:
    ask: bool
    skip: Skip | None = None
    send_after: datetime | None = None
    with_servqual: bool = False


def bucket(kind: str, pk: int, modulo: int) -> int:
    """A stable bucket 0…modulo-1 for a service record (the same on every machine and run)."""
    digest = hashlib.sha256(f"{kind}:{pk}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % max(1, modulo)


def sampled(kind: str, pk: int, every: int) -> bool:
    """1 in ``every`` services is asked; ``every`` ≤ 1 asks all."""
    return every <= 1 or bucket(kind, pk, every) == 0


def decide(
    *,
    rule: RuleSpec | None,
    kind: str,
    pk: int,
    phone_digits: str,
    finished_at: datetime,
    last_asked_at: datetime | None,
    listed: bool,
) -> Decision:
    """Whether to ask about service ``kind``/``pk`` and when to send the link.

    ``last_asked_at`` is the service time of this customer's (or number's) nearest survey, ``listed``
    whether the number is on the harassment list.
    """
    if rule is None:
        return Decision(False, Skip.NO_RULE)
    if not rule.enabled:
        return Decision(False, Skip.DISABLED)
    if len(phone_digits) < 7:
        return Decision(False, Skip.NO_NUMBER)
    if listed:
        return Decision(False, Skip.HARASSMENT)
    if not sampled(kind, pk, rule.sample_every):
        return Decision(False, Skip.NOT_SAMPLED)
    if last_asked_at is not None and abs(finished_at - last_asked_at) < timedelta(days=rule.cooldown_days):
        return Decision(False, Skip.COOLDOWN)
    # A separate bucket for SERVQUAL, so its sample is not simply "the sampled ones whose hash is also 0".
    with_servqual = rule.servqual_every > 0 and bucket(kind + "/servqual", pk, rule.servqual_every) == 0
    return Decision(True, None, finished_at + timedelta(minutes=rule.delay_minutes), with_servqual)


def reminder_due(*, sent_at: datetime | None, reminded_at: datetime | None, answered: bool, reminder_hours: int,
                 now: datetime) -> bool:
    """One reminder, ``reminder_hours`` after the invitation, only while unanswered."""
    if answered or sent_at is None or reminded_at is not None or reminder_hours <= 0:
        return False
    return now >= sent_at + timedelta(hours=reminder_hours)
