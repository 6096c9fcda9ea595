"""Writes of the harassment list and queue (harass.queue, harass.prevent); supervisors and managers only."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.insights.harass import MAX_EXPIRY_DAYS, clean_number, listed_entry
from kefu.insights.models import HarassCall, HarassEntry
from kefu.lib import ratelimit
from kefu.lib.errors import Conflict, InvalidInput, NotAllowed
from kefu.lib.masking import mask_phone
from kefu.lib.textnorm import to_simplified


def _check(actor: User) -> None:
    if not actor.can(Cap.HARASS_LIST):
        raise NotAllowed(_("Only supervisors and managers keep the harassment list."))


def _clean(level: str, pattern: str, reason: str, expires_at: datetime | None) -> tuple[str, dict[str, str]]:
    errors: dict[str, str] = {}
    if level not in HarassEntry.Level.values:
        errors["level"] = _("Choose watch or block.")
    if pattern not in HarassEntry.Pattern.values:
        errors["pattern"] = _("Choose the pattern.")
    reason = to_simplified((reason or "").strip())
    if not reason:
        errors["reason"] = _("Say why the number is listed.")
    elif len(reason) > 200:
        errors["reason"] = _("At most %(n)d characters.") % {"n": 200}
    now = timezone.now()
    if expires_at is not None and not now < expires_at <= now + timedelta(days=MAX_EXPIRY_DAYS):
        errors["expires_at"] = _("The expiry must be in the future, at most three years ahead.")
    return reason, errors


@transaction.atomic
def harass_add(*, actor: User, number: str, level: str, pattern: str, reason: str,
               expires_at: datetime | None = None) -> HarassEntry:
    """Put a number on the list (or back on it, when it was removed or had expired)."""
    _check(actor)
    errors: dict[str, str] = {}
    try:
        digits = clean_number(number)
    except InvalidInput as exc:
        errors.update(exc.errors)
        digits = ""
    reason, more = _clean(level, pattern, reason, expires_at)
    errors.update(more)
    if errors:
        raise InvalidInput(_("Check the entry."), errors=errors)
    # "On the list already" tells whether a masked entry is this number: count it as a search by number.
    ratelimit.check_number_search(actor.pk, digits, whole=True)
    now = timezone.now()
    existing = HarassEntry.objects.select_for_update().filter(number=digits).first()
    if existing is not None:
        if listed_entry(digits) is not None:
            raise Conflict(_("%(number)s is on the list already (added by %(who)s on %(when)s).") % {
                "number": mask_phone(digits), "who": existing.added_by, "when": f"{existing.added_at:%Y-%m-%d}"})
        HarassEntry.objects.filter(pk=existing.pk).update(
            level=level, pattern=pattern, reason=reason, expires_at=expires_at, added_by=actor, added_at=now,
            updated_at=now, removed_at=None, version=existing.version + 1)
        existing.refresh_from_db()
        return existing
    try:
        with transaction.atomic():
            return HarassEntry.objects.create(number=digits, level=level, pattern=pattern, reason=reason,
                                              expires_at=expires_at, added_by=actor, added_at=now, updated_at=now)
    except IntegrityError:
        raise Conflict(_("Someone else has just listed this number.")) from None


@transaction.atomic
def harass_update(*, actor: User, entry: HarassEntry, expected_version: int, level: str, pattern: str,
                  reason: str, expires_at: datetime | None) -> HarassEntry:
    """Change an entry (watch → block, a new expiry); of two changes at once the second is told."""
    _check(actor)
    reason, errors = _clean(level, pattern, reason, expires_at)
    if errors:
        raise InvalidInput(_("Check the entry."), errors=errors)
    changed = HarassEntry.objects.filter(pk=entry.pk, version=expected_version, removed_at__isnull=True).update(
        level=level, pattern=pattern, reason=reason, expires_at=expires_at, updated_at=timezone.now(),
        version=expected_version + 1)
    if not changed:
        current = HarassEntry.objects.get(pk=entry.pk)
        raise Conflict(_("This entry was changed at %(when)s; reload to see the change.") % {
            "when": f"{timezone.localtime(current.updated_at):%Y-%m-%d %H:%M}"})
    entry.refresh_from_db()
    return entry


@transaction.atomic
def harass_remove(*, actor: User, entry: HarassEntry, expected_version: int) -> None:
    _check(actor)
    changed = HarassEntry.objects.filter(pk=entry.pk, version=expected_version, removed_at__isnull=True).update(
        removed_at=timezone.now(), updated_at=timezone.now(), version=expected_version + 1)
    if not changed:
        raise Conflict(_("This entry was changed or removed meanwhile; reload the list."))


def route_contact(kind: str, pk: int) -> None:
    """Listener of kefu.lib.outcomes: a contact from a listed number goes to the harassment queue."""
    from kefu.lib import outcomes

    if kind != outcomes.CONTACT:
        return
    from kefu.customers.models import Contact

    row = Contact.objects.filter(pk=pk).values("phone", "occurred_at", "duration_seconds").first()
    if not row or not row["phone"]:
        return
    entry = listed_entry(row["phone"])
    if entry is None:
        return
    HarassCall.objects.create(entry=entry, contact_id=pk, at=row["occurred_at"], pattern=entry.pattern,
                              seconds=row["duration_seconds"] or 0)


@transaction.atomic
def harass_call_handle(*, actor: User, call_id: int) -> bool:
    """Mark a queued call as dealt with; False when someone did already."""
    _check(actor)
    return HarassCall.objects.filter(pk=call_id, handled=False).update(handled=True) == 1
