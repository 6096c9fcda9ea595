"""Task entry points (dotted paths for the workers)."""

from __future__ import annotations

from kefu.notifications import services


def send_email(user_id: int, key: str) -> bool:
    return services.send_email(user_id, key)
