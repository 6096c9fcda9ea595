"""Customers and contacts over the API.

Phone and ID numbers and addresses leave the server masked (PIPL);
``POST /customers/{id}/reveal`` is the one way to a full value, for callers
allowed to reveal that customer's data, with a reason, and every call writes a
``RevealLog`` row.
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from kefu.accounts.api import caller
from kefu.accounts.models import User
from kefu.accounts.schemas import AUTH_ERRORS, MAX_ID, OBJECT_ERRORS, Page, UserRef
from kefu.accounts.validators import InputDate, InputDateTime
from kefu.customers import privacy, selectors, services
from kefu.customers.choices import CallerCategory, Channel, Persona, Tier
from kefu.customers.models import Contact, Customer, RevealLog
from kefu.customers.personas import advice_for
from kefu.customers.privacy import REVEAL_REASONS
from kefu.lib.errors import InvalidInput
from kefu.lib.masking import mask_address, mask_id_number, mask_phone

customers_router = Router(tags=["customers"])
contacts_router = Router(tags=["contacts"])

ObjectId = Annotated[int, Path(ge=1, le=MAX_ID, example=1)]


# ---------------------------------------------------------------- shapes


class PhoneOut(Schema):
    id: int
    number: str = Field(description="Masked, e.g. 138****5678.")
    label: str
    is_primary: bool

    @staticmethod
    def resolve_number(obj: Any) -> str:
        return mask_phone(obj.number)


class PersonaAdviceOut(Schema):
    traits: str
    need: str
    do: str
    avoid: str
    talk: str


class CustomerOut(Schema):
    id: int
    name: str
    tier: str
    tier_label: str
    is_vip: bool
    segment: str
    persona: str
    persona_label: str
    customer_since: date | None
    tenure_years: int | None
    account_manager: UserRef | None
    phones: list[PhoneOut]
    id_number: str = Field(description="Masked: region code and last 4 characters.")

    @staticmethod
    def resolve_tier_label(obj: Customer) -> str:
        return str(obj.get_tier_display())

    @staticmethod
    def resolve_persona_label(obj: Customer) -> str:
        return str(obj.get_persona_display())

    @staticmethod
    def resolve_phones(obj: Customer) -> Any:
        return obj.phones.all()  # prefetched by the selectors

    @staticmethod
    def resolve_id_number(obj: Customer) -> str:
        return mask_id_number(obj.id_number) if obj.id_number else ""


class CustomerDetailOut(CustomerOut):
    address: str = Field(description="Masked below the district; the full address only via a logged reveal.")
    note: str
    created_at: datetime
    persona_advice: PersonaAdviceOut | None = Field(description="How to talk to this type of customer.")

    @staticmethod
    def resolve_address(obj: Customer) -> str:
        return mask_address(obj.address)

    @staticmethod
    def resolve_persona_advice(obj: Customer) -> dict[str, str] | None:
        advice = advice_for(obj.persona)
        if advice is None:
            return None
        return {k: str(getattr(advice, k)) for k in ("traits", "need", "do", "avoid", "talk")}


class CustomerFilters(Schema):
    q: str = Field("", max_length=60, description="An exact phone number, or the beginning of a name.")
    tier: Tier | None = None
    persona: Persona | None = None


class RevealIn(Schema):
    field: RevealLog.Field
    reason: str = Field(
        max_length=200,
        description="Why the full value is needed (logged): free text, or one of "
        + ", ".join(code for code, _label in REVEAL_REASONS)
        + " — `other` needs `reason_text`.",
    )
    reason_text: str = Field("", max_length=200, description="Details; required when `reason` is `other`.")
    phone_id: int | None = Field(None, ge=1, le=MAX_ID, description="Which number; the primary one if omitted.")


class RevealOut(Schema):
    field: str
    value: str
    phone_id: int | None = None


class ContactOut(Schema):
    id: int
    customer_id: int | None
    phone: str = Field(description="Masked caller number.")
    channel: str
    category: str
    summary: str
    detail: str
    agent: UserRef
    occurred_at: datetime
    duration_seconds: int | None

    @staticmethod
    def resolve_phone(obj: Contact) -> str:
        return mask_phone(obj.phone) if obj.phone else ""


class ContactFilters(Schema):
    channel: Channel | None = None
    category: CallerCategory | None = None
    agent: int | None = Field(None, ge=1, le=MAX_ID)
    customer: int | None = Field(None, ge=1, le=MAX_ID)
    date_from: InputDate | None = None
    date_to: InputDate | None = None


class ContactIn(Schema):
    channel: Channel
    category: CallerCategory
    summary: str
    detail: str = ""
    phone: str = ""
    customer_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Omit to link by phone when exactly one customer owns it."
    )
    duration_seconds: int | None = None
    occurred_at: InputDateTime | None = None


# ---------------------------------------------------------------- customers


@customers_router.get(
    "", response={200: list[CustomerOut], **AUTH_ERRORS}, summary="Find customers by phone number or name"
)
@paginate(Page)
def customer_list(request: HttpRequest, filters: Query[CustomerFilters]) -> QuerySet[Customer]:
    return selectors.customer_list(
        user=caller(request), query=filters.q, tier=filters.tier or "", persona=filters.persona
    )


@customers_router.get(
    "/{customer_id}", response={200: CustomerDetailOut, **OBJECT_ERRORS}, summary="One customer, numbers masked"
)
def customer_detail(request: HttpRequest, customer_id: ObjectId) -> Customer:
    return selectors.customer_get_for_user(pk=customer_id, user=caller(request))


@customers_router.post(
    "/{customer_id}/reveal",
    response={200: RevealOut, **OBJECT_ERRORS},
    summary="Reveal one full phone or ID number; needs the reveal capability, and is logged",
)
def customer_reveal(
    request: HttpRequest, response: HttpResponse, customer_id: ObjectId, payload: RevealIn
) -> dict[str, Any]:
    user = caller(request)
    customer = selectors.customer_get_for_user(pk=customer_id, user=user)
    privacy.check_can_reveal(user, customer)  # before anything about the numbers is said
    response["Cache-Control"] = "no-store"  # the full value must not stay in any cache
    reason = privacy.reveal_reason(payload.reason, payload.reason_text)
    if payload.field == RevealLog.Field.ID_NUMBER:
        value = services.id_number_reveal(actor=user, customer=customer, reason=reason)
        return {"field": payload.field, "value": value}
    if payload.field == RevealLog.Field.ADDRESS:
        value = services.address_reveal(actor=user, customer=customer, reason=reason)
        return {"field": payload.field, "value": value}
    if payload.phone_id is not None:
        phone = selectors.phone_get_for_user(customer=customer, pk=payload.phone_id, user=user)
    else:
        first = next(iter(customer.phones.all()), None)  # primary first (prefetch order)
        if first is None:
            raise InvalidInput(_("This customer has no phone number."), errors={"phone_id": _("No such record.")})
        phone = first
    value = services.phone_reveal(actor=user, phone=phone, reason=reason)
    return {"field": payload.field, "value": value, "phone_id": phone.pk}


@customers_router.get(
    "/{customer_id}/contacts",
    response={200: list[ContactOut], **OBJECT_ERRORS},
    summary="A customer's contacts, newest first",
)
@paginate(Page)
def customer_contacts(request: HttpRequest, customer_id: ObjectId) -> QuerySet[Contact]:
    user = caller(request)
    customer = selectors.customer_get_for_user(pk=customer_id, user=user)
    return selectors.contacts_for(user=user, customer=customer)


# ---------------------------------------------------------------- contacts


@contacts_router.get("", response={200: list[ContactOut], **AUTH_ERRORS}, summary="Contacts, newest first")
@paginate(Page)
def contact_list(request: HttpRequest, filters: Query[ContactFilters]) -> QuerySet[Contact]:
    user = caller(request)
    agent = User.objects.filter(pk=filters.agent).first() if filters.agent else None
    customer = Customer.objects.filter(pk=filters.customer).first() if filters.customer else None
    qs = selectors.contacts_for(
        user=user,
        channel=filters.channel or "",
        category=filters.category or "",
        agent=agent,
        customer=customer,
        date_from=filters.date_from,
        date_to=filters.date_to,
    )
    if (filters.agent and agent is None) or (filters.customer and customer is None):
        return qs.none()
    return qs


@contacts_router.get("/{contact_id}", response={200: ContactOut, **OBJECT_ERRORS}, summary="One contact")
def contact_detail(request: HttpRequest, contact_id: ObjectId) -> Contact:
    return selectors.contact_get_for_user(pk=contact_id, user=caller(request))


@contacts_router.post("", response={201: ContactOut, **AUTH_ERRORS}, summary="Log a contact on any channel")
def contact_create(request: HttpRequest, payload: ContactIn) -> Status[Contact]:
    customer = None
    if payload.customer_id is not None:
        customer = Customer.objects.filter(pk=payload.customer_id).first()
        if customer is None:
            raise InvalidInput(_("Please correct the errors below."), errors={"customer_id": _("No such record.")})
    contact = services.contact_log(
        actor=caller(request),
        channel=payload.channel,
        category=payload.category,
        summary=payload.summary,
        detail=payload.detail,
        phone=payload.phone,
        customer=customer,
        duration_seconds=payload.duration_seconds,
        occurred_at=payload.occurred_at,
    )
    return Status(201, Contact.objects.select_related("agent").get(pk=contact.pk))
