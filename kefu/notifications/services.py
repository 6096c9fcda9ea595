"""Create notifications inside the transaction of the event that causes them; e-mail after the commit."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from kefu.accounts.models import User
from kefu.jobs import queue
from kefu.lib.masking import mask_numbers_in
from kefu.notifications.models import Kind, Notification, Preference

EMAIL_TASK = "kefu.notifications.tasks.send_email"
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Notice:
    kind: str
    title: str
    body: str
    url: str
    key: str  # names the event: the same key is never notified twice to one person


def notify(users: Iterable[User], notice: Notice) -> int:
    """Notify each active user once for ``notice.key``; returns how many notifications are new.

    Call inside the transaction that records the event. Users who asked for e-mail get it
    after the commit (a task; an e-mail failure never undoes the event).
    """
    return len(notify_many([(users, notice)]))


def notify_many(batch: Iterable[tuple[Iterable[User], Notice]], *, new_events: bool = False) -> list[Notification]:
    """``notify`` for many events at once (the SLA sweep): three queries whatever the batch size.

    Returns the notifications that are new. ``new_events``: the caller guarantees no notification
    exists yet for these keys (events it just created under a lock), so the look-up is skipped.
    """
    rows: dict[tuple[int, str], Notification] = {}
    people: dict[int, User] = {}
    for users, notice in batch:
        # Titles and texts quote what people typed (a subject, a comment, an appeal): a phone or ID
        # number in them is masked before it reaches the bell, or an e-mail that leaves the system.
        title, body = mask_numbers_in(notice.title)[:200], mask_numbers_in(notice.body)[:500]
        for user in users:
            if user is None or not user.is_active:
                continue
            people[user.pk] = user
            rows.setdefault(
                (user.pk, notice.key[:120]),
                Notification(
                    user_id=user.pk, kind=notice.kind, title=title, body=body, url=notice.url, key=notice.key[:120],
                ),
            )
    if not rows:
        return []
    if not new_events:
        keys = {key for _pk, key in rows}
        for pk, key in Notification.objects.filter(user_id__in=people, key__in=keys).values_list("user_id", "key"):
            rows.pop((pk, key), None)
    new = list(rows.values())
    # ignore_conflicts: a concurrent sweep that notified the same event first wins, this one adds nothing.
    Notification.objects.bulk_create(new, ignore_conflicts=True, batch_size=2000)
    kinds = {n.kind for n in new}
    wants_mail = set(
        Preference.objects.filter(user_id__in={n.user_id for n in new}, kind__in=kinds, email=True).values_list(
            "user_id", "kind"
        )
    )
    for note in new:
        if (note.user_id, note.kind) in wants_mail and people[note.user_id].email:
            queue.enqueue(EMAIL_TASK, note.user_id, note.key)
    return new


def send_email(user_id: int, key: str) -> bool:
    """E-mail one notification once (claimed by a conditional update); False if sent already or gone."""
    with transaction.atomic():
        claimed = Notification.objects.filter(user_id=user_id, key=key, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            return False
        note = Notification.objects.select_related("user").get(user_id=user_id, key=key)
    link = f"{settings.KEFU_SITE_URL.rstrip('/')}{note.url}" if note.url else ""
    send_mail(
        subject=f"[{settings.KEFU_COMPANY_NAME}客服] {note.title}",
        message="\n\n".join(part for part in (note.body, link) if part),
        from_email=None,
        recipient_list=[note.user.email],
    )
    return True


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(user: User, *, pk: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) read; returns how many changed."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if pk is not None:
        qs = qs.filter(pk=pk)
    return qs.update(read_at=timezone.now())


def set_preferences(user: User, email_kinds: Iterable[str]) -> None:
    wanted = set(email_kinds) & set(Kind.values)
    with transaction.atomic():
        for kind in Kind.values:
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"email": kind in wanted})


def email_kinds(user: User) -> set[str]:
    return set(Preference.objects.filter(user=user, email=True).values_list("kind", flat=True))


def in_site_language(func: Callable[P, R]) -> Callable[P, R]:
    """Write a notification's words in the site's language (``LANGUAGE_CODE``), whoever or whatever
    caused it: a worker has no request, and a request's language is that person's, not the recipient's."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with translation.override(settings.LANGUAGE_CODE):
            return func(*args, **kwargs)

    return wrapper
