"""The harassment number list (骚扰号码): maintain it, route listed callers, report on sources.

Implements harass.queue (a listed number's contact goes to a separate queue with the automatic
message) and harass.prevent (watch → block, reasons and expiry, frequency by number, hour and pattern).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from kefu.insights.models import HarassEntry
from kefu.lib.masking import digits_only


def active_entries() -> Q:
    now = timezone.now()
    return Q(removed_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def normalise_number(digits: str) -> str:
    """A mobile written with the country code (+86, 0086) as the 11 digits stored."""
    if digits.startswith("0086"):
        digits = digits[2:]
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def listed_entry(phone: str) -> HarassEntry | None:
    """The current list entry for ``phone`` (any written form; compared by digits), or None."""
    digits = digits_only(phone or "")
    digits = normalise_number(digits)
    if not 5 <= len(digits) <= 20:
        return None
    return HarassEntry.objects.filter(active_entries(), number=digits).first()
