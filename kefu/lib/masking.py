"""Masking of personal numbers (PIPL): phone and ID numbers shown by role."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\D")


def mask_phone(number: str) -> str:
    """138****5678 for mobiles; landlines keep area code and last 4 digits."""
    raw = number.strip()
    if len(raw) <= 4:
        return "*" * len(raw)
    if len(raw) == 11 and raw.isdigit():
        return f"{raw[:3]}****{raw[-4:]}"
    keep_head = min(4, max(0, len(raw) - 8))
    return raw[:keep_head] + "*" * (len(raw) - keep_head - 4) + raw[-4:]


def mask_id_number(number: str) -> str:
    """Resident ID: keep the 6-digit region code and the last 4 characters."""
    raw = number.strip()
    if len(raw) <= 8:
        return "*" * len(raw)
    return raw[:6] + "*" * (len(raw) - 10) + raw[-4:]


def digits_only(value: str) -> str:
    return _DIGITS.sub("", value)
