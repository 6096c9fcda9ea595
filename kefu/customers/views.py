"""Customer profiles, the contact list and the fast contact logger.

Each view starts with a getter or check that enforces access (403/404), parses
input, calls one service or selector and renders one template or one of its
partials (``template.html#partial``) for htmx. Full phone and ID numbers reach
a page only through the reveal views, which require the right to reveal that
customer's data (``privacy.can_reveal``), a reason, and log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.accounts.http import HtmxHttpRequest
from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.customers import privacy, selectors, services
from kefu.customers.choices import CallerCategory
from kefu.customers.forms import ContactFilterForm, ContactForm, CustomerFilterForm, CustomerForm
from kefu.customers.models import Contact, Customer
from kefu.customers.personas import advice_for
from kefu.front.shortcuts import add_service_errors
from kefu.lib.errors import InvalidInput, NotAllowed, RateLimited, ServiceError
from kefu.lib.masking import digits_only, mask_address, mask_id_number, mask_phone
from kefu.lib.params import parse_id

CUSTOMERS_PER_PAGE = 25
CONTACTS_PER_PAGE = 30
HISTORY_PER_PAGE = 20


def _user(request: HtmxHttpRequest) -> User:
    return request.user


def _check_cap(user: User, cap: Cap) -> None:
    if not user.can(cap):
        raise PermissionDenied(cap.value)


def complaint_new_url(contact: Contact) -> str | None:
    """``complaints:new?contact=<id>`` — None until the complaints app routes that page."""
    try:
        return f"{reverse('complaints:new')}?{urlencode({'contact': contact.pk})}"
    except NoReverseMatch:
        return None


def format_duration(seconds: int | None) -> str:
    """3:20 for 200 seconds — the same form the logger accepts."""
    if seconds is None:
        return ""
    return f"{seconds // 60}:{seconds % 60:02d}"




# ---------------------------------------------------------------- customers


def _profile_context(request: HtmxHttpRequest, customer: Customer) -> dict[str, Any]:
    user = _user(request)
    return {
        "customer": customer,
        "advice": advice_for(customer.persona),
        "phones": selectors.masked_phones(customer),
        "id_number_masked": mask_id_number(customer.id_number) if customer.id_number else "",
        "address_masked": mask_address(customer.address),
        "can_reveal": privacy.can_reveal(user, customer),
        "reveal_reasons": privacy.REVEAL_REASONS,
        "can_edit": user.can(Cap.CUSTOMER_EDIT),
        "can_log": user.can(Cap.CONTACT_LOG),
        "history": selectors.customer_history(
            customer=customer, user=user, page=request.GET.get("page", 1), per_page=HISTORY_PER_PAGE
        ),
    }


@login_required
@require_GET
def customer_list(request: HtmxHttpRequest) -> HttpResponse:
    user = _user(request)
    selectors.check_can_view_customers(user)
    form = CustomerFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {
            "query": form.cleaned_data["q"],
            "tier": form.cleaned_data["tier"],
            "persona": form.persona_value(),
        }
    try:
        customers = selectors.customer_list(user=user, **filters)
    except RateLimited as exc:
        form.add_error("q", exc.message)
        customers = Customer.objects.none()
    page = Paginator(customers, CUSTOMERS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(c, selectors.masked_phones(c)[:1]) for c in page.object_list]
    context = {"form": form, "page_obj": page, "rows": rows, "can_edit": user.can(Cap.CUSTOMER_EDIT)}
    template = "customers/customer_list.html"
    if request.htmx and request.htmx.target == "customer-results":
        template += "#results"
    return render(request, template, context)


@login_required
@require_GET
def customer_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get_for_user(pk=pk, user=_user(request))
    context = _profile_context(request, customer)
    template = "customers/customer_detail.html"
    if request.htmx and request.htmx.target == "history":
        template += "#history"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def customer_create(request: HtmxHttpRequest) -> HttpResponse:
    user = _user(request)
    _check_cap(user, Cap.CUSTOMER_EDIT)
    form = CustomerForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer = services.customer_create(
                actor=user, **form.profile(), id_number=data["id_number"], phones=form.phone_list()
            )
        except ServiceError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Customer created."))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/customer_form.html", {"form": form, "customer": None})


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    customer = selectors.customer_get_for_user(pk=pk, user=user)
    _check_cap(user, Cap.CUSTOMER_EDIT)
    form = CustomerForm(request.POST or None, customer=customer, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.customer_update(
                customer=customer,
                actor=user,
                **form.profile(),
                new_id_number=data["id_number"],
                add_phones=form.phone_list(),
                remove_phone_ids=[p.pk for p in data["remove_phones"]],
                expected_version=data["version"],
            )
        except ServiceError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "customer": customer, "id_number_masked": mask_id_number(customer.id_number)},
    )


def _reveal(
    request: HtmxHttpRequest, customer: Customer, reveal: Callable[[str], str], *, key: str, action: str
) -> HttpResponse:
    """Reveal one value with the reason given; htmx gets the value (or the form with its error) in place.

    Without htmx the profile is rendered showing it. Never cached or redirected
    to: the full value exists only in this one response.
    """
    try:
        value = reveal(privacy.reveal_reason(request.POST.get("reason_code"), request.POST.get("reason")))
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except InvalidInput as exc:
        if request.htmx:
            context = {"can_reveal": True, "reveal_reasons": privacy.REVEAL_REASONS, "key": key, "action": action,
                       "reveal_error": exc.errors.get("reason", exc.message)}
            return render(request, "customers/customer_detail.html#reveal_form", context)
        messages.error(request, exc.message)
        return redirect("customers:detail", pk=customer.pk)
    if request.htmx:
        response = render(request, "customers/customer_detail.html#revealed", {"value": value})
        # The form swaps itself out on an error; the value replaces the whole line, mask included.
        response["HX-Retarget"] = "closest .pii-line"
        response["HX-Reswap"] = "innerHTML"
    else:
        context = _profile_context(request, customer)
        context.update(revealed_value=value, revealed=key)
        response = render(request, "customers/customer_detail.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def reveal_phone(request: HtmxHttpRequest, pk: int, phone_pk: int) -> HttpResponse:
    user = _user(request)
    customer = selectors.customer_get_for_user(pk=pk, user=user)
    if not privacy.can_reveal(user, customer):  # before anything about the numbers is said
        raise PermissionDenied("reveal")
    phone = selectors.phone_get_for_user(customer=customer, pk=phone_pk, user=user)
    return _reveal(
        request, customer, lambda reason: services.phone_reveal(actor=user, phone=phone, reason=reason),
        key=str(phone.pk), action=reverse("customers:reveal_phone", args=[customer.pk, phone.pk]),
    )


def _reveal_profile_value(request: HtmxHttpRequest, pk: int, *, key: str, url_name: str) -> HttpResponse:
    """The ID number (``key="id"``) or the address, revealed with a reason (see ``_reveal``)."""
    user = _user(request)
    customer = selectors.customer_get_for_user(pk=pk, user=user)
    if not privacy.can_reveal(user, customer):
        raise PermissionDenied("reveal")
    if key == "id":
        on_file, service = customer.id_number, services.id_number_reveal
    else:
        on_file, service = customer.address, services.address_reveal
    if not on_file:
        raise Http404("nothing on file")
    return _reveal(
        request, customer, lambda reason: service(actor=user, customer=customer, reason=reason),
        key=key, action=reverse(url_name, args=[customer.pk]),
    )


@login_required
@require_POST
def reveal_id_number(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _reveal_profile_value(request, pk, key="id", url_name="customers:reveal_id_number")


@login_required
@require_POST
def reveal_address(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _reveal_profile_value(request, pk, key="address", url_name="customers:reveal_address")


# ---------------------------------------------------------------- contacts


@login_required
@require_GET
def contact_list(request: HtmxHttpRequest) -> HttpResponse:
    user = _user(request)
    selectors.check_can_view_contacts(user)
    form = ContactFilterForm(request.GET or None)
    filters = {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}
    contacts = selectors.contacts_for(user=user, **filters)
    page = Paginator(contacts, CONTACTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        (c, mask_phone(c.phone) if c.phone else "", format_duration(c.duration_seconds))
        for c in page.object_list
    ]
    context = {"form": form, "page_obj": page, "rows": rows, "can_log": user.can(Cap.CONTACT_LOG)}
    template = "customers/contact_list.html"
    if request.htmx and request.htmx.target == "contact-results":
        template += "#results"
    return render(request, template, context)


@login_required
@require_GET
def contact_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    contact = selectors.contact_get_for_user(pk=pk, user=user)
    context = {
        "contact": contact,
        "phone_masked": mask_phone(contact.phone) if contact.phone else "",
        "duration": format_duration(contact.duration_seconds),
        "complaint_new_url": complaint_new_url(contact) if user.can(Cap.COMPLAINT_RECORD) else None,
        "can_view_customer": selectors.can_view_customers(user),
    }
    return render(request, "customers/contact_detail.html", context)


def _lookup_context(user: User, *, phone: str = "", customer: Customer | None = None) -> dict[str, Any]:
    """Who is calling: the customer(s) owning ``phone`` (or the given one), with advice and recent contacts."""
    limited = ""
    try:
        matches = [customer] if customer is not None else selectors.customers_by_phone(phone, user=user)
    except RateLimited as exc:
        matches, limited = [], exc.message
    return {
        "limited": limited,
        "matches": [
            {
                "customer": c,
                "advice": advice_for(c.persona),
                "recent": selectors.recent_contacts(customer=c, limit=3),
            }
            for c in matches
        ],
        "looked_up": customer is not None or len(digits_only(phone)) >= 5,
        "can_create": user.can(Cap.CUSTOMER_EDIT),
    }


@login_required
@require_GET
def contact_lookup(request: HtmxHttpRequest) -> HttpResponse:
    """htmx partial of the logger: typing the number shows who is calling."""
    user = _user(request)
    _check_cap(user, Cap.CONTACT_LOG)
    selectors.check_can_view_customers(user)
    context = _lookup_context(user, phone=request.GET.get("phone", ""))
    return render(request, "customers/contact_new.html#lookup", context)


def _logger_context(request: HtmxHttpRequest, form: ContactForm, customer: Customer | None) -> dict[str, Any]:
    user = _user(request)
    saved = None
    if (saved_id := parse_id(request.GET.get("saved"))) is not None:
        saved = Contact.objects.select_related("customer").filter(pk=saved_id, agent=user).first()
    return {
        "form": form,
        "saved": saved,
        "saved_complaint_url": complaint_new_url(saved) if saved and user.can(Cap.COMPLAINT_RECORD) else None,
        "can_record_complaint": user.can(Cap.COMPLAINT_RECORD),
        "complaint_category": CallerCategory.COMPLAINT.value,
        **_lookup_context(user, phone=form["phone"].value() or "", customer=customer),
    }


@login_required
@require_http_methods(["GET", "POST"])
def contact_new(request: HtmxHttpRequest) -> HttpResponse:
    """The fast logger (快速登记): phone first, number keys for channel and category, Ctrl+Enter saves."""
    user = _user(request)
    _check_cap(user, Cap.CONTACT_LOG)
    customer = None
    initial_customer = parse_id(request.GET.get("customer"))
    if request.method == "GET" and initial_customer is not None:
        customer = selectors.customer_get_for_user(pk=initial_customer, user=user)
    form = ContactForm(request.POST or None, initial={"customer": customer.pk if customer else None})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contact = services.contact_log(
                actor=user,
                channel=data["channel"],
                category=data["category"],
                summary=data["summary"],
                detail=data["detail"],
                phone=data["phone"],
                customer=data["customer"],
                duration_seconds=data["duration"],
            )
        except ServiceError as exc:
            add_service_errors(form, exc)
        else:
            return _after_logging(request, contact)
    if request.method == "POST":  # re-shown with errors: keep the caller the agent had
        customer = form.cleaned_data.get("customer")
    return render(request, "customers/contact_new.html", _logger_context(request, form, customer))


def _after_logging(request: HtmxHttpRequest, contact: Contact) -> HttpResponse:
    """Straight on to the complaint form when asked, else a fresh logger for the next caller."""
    next_url = complaint_new_url(contact)
    if request.POST.get("then") == "complaint" and next_url and _user(request).can(Cap.COMPLAINT_RECORD):
        return HttpResponseRedirect(next_url)
    # The logger shows what was saved (with "record as complaint") above an empty form.
    return HttpResponseRedirect(f"{reverse('contacts:new')}?{urlencode({'saved': contact.pk})}")
