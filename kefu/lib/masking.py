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


# A phone or ID number as people and URLs write it: a run of 7+ digits (an ID number may end in X),
# a mobile in 3-4-4 groups or a landline with its area code, split by a space, dash, plus or %20.
# Never part of a word (a complaint number such as ts20261122000001 stays readable), and never two
# numbers that a log line puts side by side ("200 4004": status and size).
_SEP = r"(?:%20|[\s\-+.])"
_NUMBER_RUN = re.compile(
    rf"(?<![0-9A-Za-z])(?:(?:(?:\+|%2[Bb]|00)?86{_SEP}?)?1\d{{2}}{_SEP}\d{{4}}{_SEP}\d{{4}}"
    rf"|0\d{{2,3}}{_SEP}\d{{3,4}}{_SEP}?\d{{4}}|\d{{7,}}(?:[Xx](?![0-9A-Za-z]))?)(?![0-9A-Za-z])"
)
# Numbers as stored (digits only, space-separated in a list): each run on its own.
_STORED_RUN = re.compile(r"(?<![0-9A-Za-z])\d{5,}(?![0-9A-Za-z])")


def _compact(value: str) -> str:
    """The digits of a written number (and an ID number's final X), separators and %20 dropped."""
    value = value.replace("%20", "")
    check = "X" if value[-1:] in ("X", "x") else ""
    return _DIGITS.sub("", value) + check


def _is_id_number(compact: str) -> bool:
    """Whether a compacted number (``_compact``) is a resident ID number (15 or 18 characters, or ending in X)."""
    return compact[-1:] == "X" or len(compact) in (15, 18)


def mask_number(value: str) -> str:
    """Any personal number by its kind: an 18/15-character ID number or a phone number."""
    compact = _compact(value)
    if _is_id_number(compact):
        return mask_id_number(compact)
    return mask_phone(compact)


def mask_numbers_in(text: str, *, keep: frozenset[str] = frozenset(), stored: bool = False) -> str:
    """``text`` with every phone or ID number masked, except the exact numbers in ``keep``.

    Used where free text may hold numbers a reader must not see whole: log lines
    (query strings carry searched numbers) and the identifiers a search matches
    for someone who may not reveal them (the number they typed in full is kept:
    they know it already). ``stored``: phone numbers as stored, digits only
    (a space separates two numbers instead of joining the groups of one), masked
    from 5 digits exactly as the pages show them (``mask_phone``).
    """

    def mask(match: re.Match[str]) -> str:
        value = match.group(0)
        if _compact(value) in keep or value in keep:
            return value
        return mask_phone(value) if stored else mask_number(value)

    return (_STORED_RUN if stored else _NUMBER_RUN).sub(mask, text)


# The administrative part of a Chinese address: province/region, city, district/county, each optional.
_ADDRESS_HEAD = re.compile(
    r"^(?:[^省市区县]{2,7}?(?:省|自治区|特别行政区))?"
    r"(?:[^省市区县]{2,7}?(?:市|自治州|地区|盟))?"
    r"(?:[^省市区县]{1,7}?(?:区|县|市|旗))?"
)


def mask_address(address: str) -> str:
    """浙江省杭州市西湖区文三路 90 号… → 浙江省杭州市西湖区****: the district stays, the rest is hidden."""
    raw = address.strip()
    if not raw:
        return ""
    head = _ADDRESS_HEAD.match(raw)
    kept = head.group(0) if head else ""
    if len(kept) >= len(raw):  # nothing below the district: hide the last part anyway
        kept = ""
    return kept + "****"


def mask_numbers_in_place(text: str) -> str:
    """``text`` with every phone or ID number masked digit by digit, its separators and length kept
    (138 1234 5678 → 138 **** 5678), so character offsets into it — a transcript's evidence
    spans — still point at the same words."""

    def mask(match: re.Match[str]) -> str:
        value = match.group(0)
        head, tail = (6, 4) if _is_id_number(_compact(value)) else (3, 4)
        total = sum(c.isdigit() or c in "Xx" for c in value)
        out, seen = [], 0
        for c in value:
            if c.isdigit() or c in "Xx":
                out.append(c if seen < head or seen >= total - tail else "*")
                seen += 1
            else:
                out.append(c)
        return "".join(out)

    return _NUMBER_RUN.sub(mask, text)

