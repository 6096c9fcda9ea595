"""Whole numbers from request parameters: ids, versions, counts.

One way to read them, because the obvious ones are wrong: ``str.isdigit()`` is true for
"²", which ``int()`` refuses (a 500); ``str.isdecimal()`` is true for "３" and "٣", which
``int()`` reads although no link or form of ours ever writes them; and neither stops
"99999999999999999999999", which PostgreSQL refuses as out of range for bigint.
"""

from __future__ import annotations

BIGINT_MAX = 2**63 - 1  # every primary key is a BigAutoField (DEFAULT_AUTO_FIELD)
INT_MAX = 2**31 - 1  # IntegerField / PositiveIntegerField columns (versions, counts)


def parse_int(value: object, *, minimum: int = 0, maximum: int = BIGINT_MAX) -> int | None:
    """``value`` as an int in ``minimum..maximum``, or None.

    Only ASCII digits, no sign and no surrounding spaces; an int passes through the range check.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdecimal() and len(value) <= 19:
        number = int(value)
    else:
        return None
    return number if minimum <= number <= maximum else None


def parse_id(value: object) -> int | None:
    """A primary key from a request parameter (a positive bigint), or None."""
    return parse_int(value, minimum=1)


def parse_version(value: object) -> int | None:
    """An optimistic-lock version from a form (an IntegerField), or None."""
    return parse_int(value, maximum=INT_MAX)
