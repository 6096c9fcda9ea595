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


# The separate queue's automatic message, as the seed gives it (harass.queue, seed 001).
AUTO_MESSAGE = "您已进入来电自动分析系统……（特殊信号音）……分析完成，请挂断。"
# The polite, mechanical ending for the agent who still gets such a call (harass.terminate).
TERMINATE_PHRASE = "您好，您好，听得到吗？对不起线路故障，请稍后再拨。"
MAX_EXPIRY_DAYS = 3 * 366


def clean_number(value: str) -> str:
    """The digits of a number as stored, or InvalidInput: a mobile (11 digits from 1), a landline
    with its area code (10–12 digits from 0), or a service number (5–6 digits from 1 or 9)."""
    from django.utils.translation import gettext as _

    from kefu.lib.errors import InvalidInput

    raw = (value or "").strip()
    if not raw or not all(ch.isdecimal() or ch in " -+()" for ch in raw):
        raise InvalidInput(_("Enter a phone number: digits, spaces and dashes only."),
                           errors={"number": _("Enter a phone number: digits, spaces and dashes only.")})
    digits = normalise_number(digits_only(raw))
    ok = ((len(digits) == 11 and digits.startswith("1")) or (10 <= len(digits) <= 12 and digits.startswith("0"))
          or (5 <= len(digits) <= 6 and digits[0] in "19"))  # service numbers: 10086, 12315, 95588
    if not ok:
        raise InvalidInput(_("This is not a phone number (a mobile has 11 digits, a landline its area code)."),
                           errors={"number": _("This is not a phone number (a mobile has 11 digits, a landline its area code).")})
    return digits
