"""Who is calling, and how many API tokens they got wrong (限流).

The login lockout is django-axes' (settings ``AXES_*``); it asks :func:`client_address`
for the caller's address, as the API token throttle below does, so both count the
same client the same way.

Token failures are counted in Django's default cache. The in-memory cache counts per
process (thread-safe); with several worker processes set ``REDIS_URL`` so they share
one count, otherwise each process allows the limit on its own.
"""

from __future__ import annotations

import ipaddress
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kefu.lib import ratelimit


def client_address(request: HttpRequest) -> str:
    """The caller's IP address: ``REMOTE_ADDR``, or the one ``KEFU_PROXY_COUNT`` proxies saw.

    Each trusted proxy appends the address it received the request from to
    X-Forwarded-For, so the client is the entry that many places from the end;
    anything further left was written by the client and proves nothing.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.KEFU_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    return forwarded[-proxies] if len(forwarded) >= proxies else remote


def _cooloff_seconds() -> int:
    return int(settings.KEFU_LOGIN_COOLOFF_MINUTES * 60)


def _failures_key(address: str) -> str:
    return f"kefu:token-failures:{address}"


def _blocked_key(address: str) -> str:
    return f"kefu:token-blocked:{address}"


def token_block_remaining(*, address: str) -> int:
    """Seconds until ``address`` may present API tokens again; 0 when it may now."""
    until = cache.get(_blocked_key(address))
    if until is None:
        return 0
    return max(0, int(until - time.time() + 0.999))


def token_failure_record(*, address: str) -> None:
    """Count one unknown token from ``address``; at the limit, block it for the cool-off time.

    Failures count within a window of the cool-off time from the first one; the
    counter is atomic, so concurrent requests cannot both slip under the limit.
    """
    window = _cooloff_seconds()
    key = _failures_key(address)
    if ratelimit.count(key, timeout=window) >= settings.KEFU_API_TOKEN_FAILURE_LIMIT:
        cache.set(_blocked_key(address), time.time() + window, timeout=window)
        cache.delete(key)


def _network(address: str) -> str:
    """Who is counted: an IPv4 address, or an IPv6 address's /64 (a phone or home line is given a
    whole /64, so each guess could come from a new address in it)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:198.51.100.7 is that IPv4 client
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _link_failures_key(address: str, start: int) -> str:
    return f"kefu:link-failures:{_network(address)}:{start}"


def _link_window() -> tuple[int, int]:
    """(start, length) of the current fixed window for public-link failures."""
    window = max(1, settings.KEFU_LINK_FAILURE_WINDOW)
    now = int(time.time())
    return now - now % window, window


def link_block_remaining(*, address: str) -> int:
    """Seconds until ``address`` may open public links again (survey /s/…, on-site /onsite/c/…); 0 when it may.

    Checked before the token is read, so a refused address learns nothing about the link it sent.
    """
    start, window = _link_window()
    if int(cache.get(_link_failures_key(address, start)) or 0) < settings.KEFU_LINK_FAILURE_LIMIT:
        return 0
    return max(1, start + window - int(time.time()))


def link_failure_record(*, address: str) -> None:
    """Count one invalid public link (tampered or unknown; an expired one is a real customer, not counted)."""
    start, window = _link_window()
    ratelimit.count(_link_failures_key(address, start), timeout=window + 1)


def link_block_message(wait: int) -> str:
    """What a blocked address is told, for ``wait`` seconds from :func:`link_block_remaining` (whole minutes)."""
    return _("Too many invalid links were opened from your network. Please try again in %(minutes)d minutes, "
             "using the link exactly as it came in our text message.") % {"minutes": max(1, -(-wait // 60))}
