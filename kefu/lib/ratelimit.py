"""Fixed-window rate limits counted in Django's cache (shared by every process when REDIS_URL is set)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from kefu.lib.errors import RateLimited

_NUMBER = re.compile(r"\d{4,}")
_WHOLE_NUMBER = re.compile(r"\d{7,}")


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window resets (0 when allowed)


def count(key: str, *, timeout: int) -> int:
    """Add one to the counter ``key`` (created for ``timeout`` seconds) and return it.

    ``incr`` is atomic in every Django cache backend, so concurrent requests each get their own number.
    """
    cache.add(key, 0, timeout=timeout)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired or evicted between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def hit(key: str, *, limit: int, window: int) -> Verdict:
    """Count one attempt under ``key``; refused once more than ``limit`` fall in one ``window`` (seconds)."""
    now = int(time.time())
    start = now - now % window
    if count(f"ratelimit:{key}:{start}", timeout=window + 1) <= limit:
        return Verdict(True, 0)
    return Verdict(False, start + window - now)


def is_number_search(text: str, *, whole: bool = False) -> bool:
    """Whether a query looks for a number: four digits or more in a row (``whole``: seven, as a
    caller lookup that matches only complete numbers needs), separators ignored."""
    pattern = _WHOLE_NUMBER if whole else _NUMBER
    return bool(pattern.search(re.sub(r"[\s\-()+]", "", text or "")))


def number_search(user_pk: int, text: str, *, whole: bool = False) -> Verdict:
    """One search by phone or ID number for this user; unlimited for other searches.

    Searching numbers is how a masked digit would be guessed, so however well
    search hides digits, a user cannot run more than ``KEFU_NUMBER_SEARCH_LIMIT``
    number searches per ``KEFU_NUMBER_SEARCH_WINDOW`` seconds.
    """
    if not is_number_search(text, whole=whole):
        return Verdict(True, 0)
    return hit(
        f"number-search:{user_pk}",
        limit=settings.KEFU_NUMBER_SEARCH_LIMIT,
        window=settings.KEFU_NUMBER_SEARCH_WINDOW,
    )


def check_number_search(user_pk: int, text: str, *, whole: bool = False) -> None:
    """``number_search`` that raises ``RateLimited`` (with a message in the user's language) when refused."""
    verdict = number_search(user_pk, text, whole=whole)
    if not verdict.allowed:
        raise RateLimited(
            _("Too many searches by number. Try again in %(minutes)d minutes.")
            % {"minutes": max(1, -(-verdict.retry_after // 60))},
            retry_after=verdict.retry_after,
        )
