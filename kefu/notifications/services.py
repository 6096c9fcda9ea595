"""Create notifications inside the transaction of the event that causes them; e-mail after the commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import User
from kefu.jobs import queue
from kefu.notifications.models import Kind, Notification, Preference

EMAIL_TASK = "kefu.notifications.tasks.send_email"


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
    recipients = {u.pk: u for u in users if u is not None and u.is_active}
    if not recipients:
        return 0
    already = set(
        Notification.objects.filter(user_id__in=recipients, key=notice.key).values_list("user_id", flat=True)
    )
    rows = [
        Notification(
            user_id=pk, kind=notice.kind, title=notice.title[:200], body=notice.body[:500], url=notice.url,
            key=notice.key[:120],
        )
        for pk in recipients
        if pk not in already
    ]
    # ignore_conflicts: a concurrent sweep that notified the same event first wins, this one adds nothing.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    wants_mail = set(
        Preference.objects.filter(user_id__in=[r.user_id for r in rows], kind=notice.kind, email=True)
        .values_list("user_id", flat=True)
    )
    for pk in wants_mail:
        if recipients[pk].email:
            queue.enqueue(EMAIL_TASK, pk, notice.key)
    return len(rows)


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
