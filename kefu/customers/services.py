"""Writes to customers and contacts, and the logged reveal of personal numbers.

Views, the API and commands call these and nothing else. Each checks the
actor's capability first (``NotAllowed``), then the input (``InvalidInput``
with a field → message dict), and writes nothing when either fails. Text is
normalised to Simplified Chinese on the way in (data may arrive Traditional).

The error classes are the shared service errors (``kefu.lib.errors``), so
views and the API turn every service error into a 4xx the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.customers import privacy
from kefu.customers.choices import CallerCategory, Channel, Persona, Tier
from kefu.customers.models import Contact, Customer, PhoneNumber, RevealLog
from kefu.customers.selectors import phone_digits
from kefu.lib import indexing, outcomes, ratelimit
from kefu.lib.errors import InvalidInput, NotAllowed
from kefu.lib.masking import mask_address, mask_id_number, mask_phone
from kefu.lib.textnorm import to_simplified
from kefu.workflow import versioned

MAX_DURATION_SECONDS = 24 * 3600


def _check_cap(actor: User, cap: Cap) -> None:
    if not actor.can(cap):
        raise NotAllowed(_("You are not allowed to do this."))


LONG_TEXT = 10_000  # characters of a note or a contact's detail


def _clean_text(value: str | None, *, field: str, max_length: int = LONG_TEXT) -> str:
    """Stripped, Simplified; longer than ``max_length`` is refused with a message, never cut silently."""
    cleaned = to_simplified((value or "").strip())
    if len(cleaned) > max_length:
        raise InvalidInput(
            _("Some fields are too long."), errors={field: _("At most %(n)d characters.") % {"n": max_length}}
        )
    return cleaned


def _clean_phone(value: str) -> str | None:
    """Digits only, without a +86 prefix on mobiles; None when it cannot be a phone number (5–20 digits)."""
    digits = phone_digits(value or "")
    return digits if 5 <= len(digits) <= 20 else None


def _clean_phones(values: Iterable[str], errors: dict[str, str], field: str) -> list[str]:
    numbers: list[str] = []
    for value in values:
        if not (value or "").strip():
            continue
        number = _clean_phone(value)
        if number is None:
            errors[field] = _("Enter valid phone numbers (5 to 20 digits).")
        elif number not in numbers:
            numbers.append(number)
    return numbers


def _check_profile(
    *, name: str, tier: str, persona: str, id_number: str, customer_since: date | None, errors: dict[str, str]
) -> None:
    if not name:
        errors["name"] = _("This field is required.")
    if tier not in Tier.values:
        errors["tier"] = _("Select a valid choice.")
    if persona not in Persona.values:
        errors["persona"] = _("Select a valid choice.")
    if id_number and not 6 <= len(id_number) <= 32:
        errors["id_number"] = _("Enter a valid ID number.")
    if customer_since and customer_since > timezone.localdate():
        errors["customer_since"] = _("The date cannot be in the future.")


@transaction.atomic
def customer_create(
    *,
    actor: User,
    name: str,
    tier: str = Tier.ORDINARY,
    segment: str = "",
    persona: str = "",
    id_number: str = "",
    customer_since: date | None = None,
    address: str = "",
    account_manager: User | None = None,
    note: str = "",
    phones: Iterable[str] = (),
) -> Customer:
    """Create a customer with its phone numbers; the first number is the primary one."""
    _check_cap(actor, Cap.CUSTOMER_EDIT)
    errors: dict[str, str] = {}
    name = _clean_text(name, field="name", max_length=60)
    id_number = (id_number or "").strip().upper()
    _check_profile(
        name=name,
        tier=tier,
        persona=persona,
        id_number=id_number,
        customer_since=customer_since,
        errors=errors,
    )
    numbers = _clean_phones(phones, errors, "phones")
    if account_manager not in (None, actor) and not actor.can(Cap.PII_REVEAL):
        errors["account_manager"] = _("Only a supervisor or manager may change the account manager.")
    if errors:
        raise InvalidInput(_("Please correct the errors below."), errors=errors)
    customer = Customer.objects.create(
        name=name,
        tier=tier,
        segment=_clean_text(segment, field="segment", max_length=40),
        persona=persona,
        id_number=id_number,
        customer_since=customer_since,
        address=_clean_text(address, field="address", max_length=200),
        account_manager=account_manager,
        note=_clean_text(note, field="note"),
    )
    PhoneNumber.objects.bulk_create(
        PhoneNumber(customer=customer, number=n, is_primary=(i == 0)) for i, n in enumerate(numbers)
    )
    indexing.changed(indexing.CUSTOMER, customer.pk)  # with its numbers (bulk_create sends no signals)
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    actor: User,
    name: str,
    tier: str,
    segment: str,
    persona: str,
    customer_since: date | None,
    address: str,
    account_manager: User | None,
    note: str,
    new_id_number: str = "",
    add_phones: Iterable[str] = (),
    remove_phone_ids: Iterable[int] = (),
    expected_version: int | None = None,
) -> Customer:
    """Update the profile; a stale ``expected_version`` (someone saved in between) is a ``Conflict``.

    The ID number and the phone numbers are write-only here, so that editing a
    profile never shows them in full: ``new_id_number`` replaces the ID number
    when given (blank keeps it), ``add_phones``/``remove_phone_ids`` change the
    numbers. If the primary number is removed the oldest remaining becomes primary.
    """
    _check_cap(actor, Cap.CUSTOMER_EDIT)
    errors: dict[str, str] = {}
    name = _clean_text(name, field="name", max_length=60)
    new_id_number = (new_id_number or "").strip().upper()
    _check_profile(
        name=name,
        tier=tier,
        persona=persona,
        id_number=new_id_number,
        customer_since=customer_since,
        errors=errors,
    )
    numbers = _clean_phones(add_phones, errors, "add_phones")
    if account_manager != customer.account_manager and not actor.can(Cap.PII_REVEAL):
        # Whoever manages a customer may reveal their data: assigning one is for those who may anyway.
        errors["account_manager"] = _("Only a supervisor or manager may change the account manager.")
    if errors:
        raise InvalidInput(_("Please correct the errors below."), errors=errors)
    # Claim the edit with a conditional bump (one winner), then save the fields.
    now = timezone.now()
    customer.version = versioned.versioned_update(
        Customer,
        pk=customer.pk,
        version=customer.version if expected_version is None else expected_version,
        changes={"updated_by": actor, "updated_at": now},
        last_change=versioned.last_change_by(Customer, customer.pk),
        what=_("customer profile"),
    )
    customer.updated_by = actor
    customer.updated_at = now
    customer.name = name
    customer.tier = tier
    customer.segment = _clean_text(segment, field="segment", max_length=40)
    customer.persona = persona
    customer.customer_since = customer_since
    customer.address = _clean_text(address, field="address", max_length=200)
    customer.account_manager = account_manager
    customer.note = _clean_text(note, field="note")
    if new_id_number:
        customer.id_number = new_id_number
    customer.save()
    customer.phones.filter(pk__in=list(remove_phone_ids)).delete()
    existing = set(customer.phones.values_list("number", flat=True))
    PhoneNumber.objects.bulk_create(
        PhoneNumber(customer=customer, number=n) for n in numbers if n not in existing
    )
    if not customer.phones.filter(is_primary=True).exists():
        first = customer.phones.order_by("pk").first()
        if first is not None:
            PhoneNumber.objects.filter(pk=first.pk).update(is_primary=True)
    indexing.changed(indexing.CUSTOMER, customer.pk)  # with its numbers as they are now
    return customer


@transaction.atomic
def contact_log(
    *,
    actor: User,
    channel: str,
    category: str,
    summary: str,
    detail: str = "",
    phone: str = "",
    customer: Customer | None = None,
    duration_seconds: int | None = None,
    occurred_at: datetime | None = None,
) -> Contact:
    """Record one contact (接触记录) on any channel.

    Without ``customer``, a ``phone`` that belongs to exactly one customer links
    the contact to that customer; an unknown caller is logged with the number only.
    """
    _check_cap(actor, Cap.CONTACT_LOG)
    errors: dict[str, str] = {}
    if channel not in Channel.values:
        errors["channel"] = _("Select a valid choice.")
    if category not in CallerCategory.values:
        errors["category"] = _("Select a valid choice.")
    summary = _clean_text(summary, field="summary", max_length=200)
    if not summary:
        errors["summary"] = _("This field is required.")
    elif len(summary) > 200:
        errors["summary"] = _("At most %(n)d characters.") % {"n": 200}
    number = ""
    if (phone or "").strip():
        number = _clean_phone(phone) or ""
        if not number:
            errors["phone"] = _("Enter a valid phone number.")
    if duration_seconds is not None and not 0 <= duration_seconds <= MAX_DURATION_SECONDS:
        errors["duration"] = _("Enter a duration between 0 and 24 hours.")
    now = timezone.now()
    if occurred_at is not None and occurred_at > now + timedelta(minutes=5):
        errors["occurred_at"] = _("The time cannot be in the future.")
    if errors:
        raise InvalidInput(_("Please correct the errors below."), errors=errors)
    if customer is None and number:
        ratelimit.check_number_search(actor.pk, number, whole=True)  # linking tells who owns the number
        owners = list(
            Customer.objects.filter(phones__number=number).distinct().values_list("pk", flat=True)[:2]
        )
        if len(owners) == 1:
            customer = Customer.objects.get(pk=owners[0])
    contact = Contact.objects.create(
        customer=customer,
        phone=number,
        channel=channel,
        category=category,
        summary=summary,
        detail=_clean_text(detail, field="detail"),
        agent=actor,
        occurred_at=occurred_at or now,
        duration_seconds=duration_seconds,
        created_at=now,
    )
    indexing.changed(indexing.CONTACT, contact.pk)
    outcomes.finished(outcomes.CONTACT, contact.pk)
    return contact


def task_phone_reveal(*, actor: User, number: str, customer: Customer | None, reason: str) -> str:
    """A number revealed because a work step needs it (the follow-up call of a complaint), logged (PIPL).

    The caller — the step's service — has checked that ``actor`` is doing that step; the right to
    the number comes from the task, not from a general reveal right, and ``reason`` names the task.
    """
    _log_reveal(actor=actor, customer=customer, field=RevealLog.Field.PHONE, target=mask_phone(number), reason=reason)
    return number


def _log_reveal(*, actor: User, customer: Customer | None, field: str, target: str, reason: str) -> None:
    RevealLog.objects.create(user=actor, customer=customer, field=field, target=target, reason=reason)


@transaction.atomic
def phone_reveal(*, actor: User, phone: PhoneNumber, reason: str) -> str:
    """The full number, for a user allowed to reveal this customer's data, with a reason; logged (PIPL).

    ``reason`` is the text to log (``privacy.reveal_reason`` builds it from the form or API input).
    """
    privacy.check_can_reveal(actor, phone.customer)
    reason = privacy.reveal_reason(None, reason)
    _log_reveal(
        actor=actor, customer=phone.customer, field=RevealLog.Field.PHONE, target=mask_phone(phone.number), reason=reason
    )
    return phone.number


@transaction.atomic
def id_number_reveal(*, actor: User, customer: Customer, reason: str) -> str:
    """The full ID number; see ``phone_reveal``."""
    privacy.check_can_reveal(actor, customer)
    reason = privacy.reveal_reason(None, reason)
    _log_reveal(
        actor=actor, customer=customer, field=RevealLog.Field.ID_NUMBER,
        target=mask_id_number(customer.id_number), reason=reason,
    )
    return customer.id_number


@transaction.atomic
def address_reveal(*, actor: User, customer: Customer, reason: str) -> str:
    """The full address; see ``phone_reveal``."""
    privacy.check_can_reveal(actor, customer)
    reason = privacy.reveal_reason(None, reason)
    _log_reveal(
        actor=actor, customer=customer, field=RevealLog.Field.ADDRESS, target=mask_address(customer.address),
        reason=reason,
    )
    return customer.address
