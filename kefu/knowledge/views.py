"""Phrasebook pages: browse and search, an entry with its history, edit/new/import, and the assist panel.

Every signed-in user may read the library and use agent assist; writing needs
``Cap.KNOWLEDGE_EDIT`` (checked here and again in the services). Assist
sessions are visible only to the agent who started them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.accounts.http import HtmxHttpRequest
from kefu.accounts.models import User
from kefu.complaints.models import Complaint
from kefu.complaints.selectors import complaint_get_for_user, visible_complaints
from kefu.customers.models import Customer
from kefu.customers.selectors import (
    can_view_customers,
    check_can_view_customers,
    customer_get_for_user,
    customers_by_phone,
)
from kefu.front.shortcuts import add_service_errors, forbidden
from kefu.knowledge import selectors, services
from kefu.knowledge.errors import Conflict, InvalidInput, NotAllowed
from kefu.knowledge.forms import (
    CHANNEL_LABELS,
    DraftForm,
    EntryForm,
    ImportForm,
    SessionForm,
    SessionLinkForm,
    TurnForm,
)
from kefu.knowledge.models import AssistSession
from kefu.lib.errors import RateLimited
from kefu.lib.params import parse_id, parse_version
from kefu.phrasebook.greeting import opening
from kefu.phrasebook.norms import norm_name
from kefu.phrasebook.schema import CHANNELS, KINDS, Entry

PAGE_SIZE = 50


def _user(request: HtmxHttpRequest) -> User:
    return request.user


def _greeting_for(user: User) -> str:
    department = user.department.name if user.department else ""
    agent = (
        f"{user.employee_no}号{user.full_name}"
        if getattr(user, "employee_no", "")
        else (user.full_name or user.username)
    )
    return opening(
        moment=timezone.localtime(), company=settings.KEFU_COMPANY_NAME, department=department, agent=agent
    ).text


@require_http_methods(["GET"])
@login_required
def index(request: HtmxHttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[: selectors.MAX_QUERY_LENGTH]
    kind = request.GET.get("kind", "")
    kind = kind if kind in KINDS else ""
    channel = request.GET.get("channel", "")
    channel = channel if channel in CHANNELS else ""
    library = selectors.site_library()
    per_kind = Counter(e.kind for e in library)
    context: dict[str, Any] = {
        "q": q,
        "kind": kind,
        "channel": channel,
        "channels": CHANNEL_LABELS,
        "kinds": [(k, label, per_kind[k]) for k, label in KINDS.items() if per_kind[k]],
        "total": len(library),
        "can_edit": selectors.can_edit(_user(request)),
        "greeting": _greeting_for(_user(request)),
    }
    if q:
        context["hits"] = selectors.entry_search(
            q=q, kinds=[kind] if kind else None, channel=channel or None, limit=30
        )
    else:
        page = Paginator(selectors.entries_of_kind(kind or None, channel or None), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context["entries"], context["page_obj"] = page.object_list, page
        if context["can_edit"]:
            context["archived"] = selectors.archived_rows()
    template = (
        "knowledge/index.html#results"
        if request.htmx and not request.htmx.boosted
        else "knowledge/index.html"
    )
    return render(request, template, context)


@require_http_methods(["GET"])
@login_required
def detail(request: HtmxHttpRequest, entry_id: str) -> HttpResponse:
    user = _user(request)
    row = selectors.entry_row(entry_id)
    archived = row is not None and not row.is_active
    if row is not None and archived and selectors.can_edit(user):
        entry = selectors.entry_from_row(row) or selectors.entry_get(entry_id)
    else:
        entry = selectors.entry_get(entry_id)  # 404 for unknown and (for readers) archived entries
    return render(
        request,
        "knowledge/detail.html",
        {
            "entry": entry,
            "kind_label": KINDS[entry.kind],
            "norms": [norm_name(norm) for norm in entry.cites],
            "channels": [CHANNEL_LABELS.get(c, c) for c in entry.channels],
            "row": row,
            "archived": archived,
            "history": selectors.entry_history(entry_id) if row else [],
            "can_edit": selectors.can_edit(user),
        },
    )


def _save_entry(request: HtmxHttpRequest, form: EntryForm, entry_id: str | None) -> HttpResponse | None:
    """Call the service; on a service error put it on the form and return None."""
    user = _user(request)
    try:
        if entry_id is None:
            row = services.entry_create(
                actor=user, data=form.entry_data(), comment=form.cleaned_data["comment"]
            )
        else:
            row = services.entry_update(
                actor=user,
                entry_id=entry_id,
                data=form.entry_data(),
                expected_version=form.cleaned_data.get("version"),
                comment=form.cleaned_data["comment"],
            )
    except InvalidInput as exc:
        add_service_errors(form, exc)
        return None
    except Conflict as exc:
        form.add_error(None, exc.message)
        return None
    messages.success(request, _("Saved “%(title)s”.") % {"title": row.title})
    return redirect("knowledge:detail", entry_id=row.entry_id)


def _edit_context(form: EntryForm, entry: Entry | None) -> dict[str, Any]:
    # The kind-specific fields unfold when the entry uses them or one of them is wrong.
    data = form.data if form.is_bound else form.initial
    open_kind_fields = any(data.get(name) for name in form.kind_fields) or any(
        name in form.errors for name in form.kind_fields
    )
    return {"form": form, "entry": entry, "creating": entry is None, "open_kind_fields": open_kind_fields}


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: HtmxHttpRequest, entry_id: str) -> HttpResponse:
    if not selectors.can_edit(_user(request)):
        return forbidden(request, _("You are not allowed to edit the phrasebook."))
    entry = selectors.entry_get(entry_id)
    row = selectors.entry_row(entry_id)
    if request.method == "POST":
        form = EntryForm(request.POST)
        if form.is_valid() and (response := _save_entry(request, form, entry_id)):
            return response
    else:
        form = EntryForm(initial=EntryForm.initial_for(entry, row.version if row else None))
    return render(request, "knowledge/edit.html", _edit_context(form, entry))


@require_http_methods(["GET", "POST"])
@login_required
def new(request: HtmxHttpRequest) -> HttpResponse:
    if not selectors.can_edit(_user(request)):
        return forbidden(request, _("You are not allowed to edit the phrasebook."))
    if request.method == "POST":
        form = EntryForm(request.POST)
        if form.is_valid() and (response := _save_entry(request, form, None)):
            return response
    else:
        form = EntryForm(initial={"kind": "script"})
    return render(request, "knowledge/edit.html", _edit_context(form, None))


@require_POST
@login_required
def set_active(request: HtmxHttpRequest, entry_id: str, active: bool) -> HttpResponse:
    try:
        services.entry_set_active(
            actor=_user(request),
            entry_id=entry_id,
            active=active,
            expected_version=parse_version(request.POST.get("version")),
            comment=request.POST.get("comment", ""),
        )
    except NotAllowed as exc:
        return forbidden(request, exc.message)
    except (Conflict, InvalidInput) as exc:
        messages.error(request, exc.message)
        return redirect("knowledge:detail", entry_id=entry_id)
    if active:
        messages.success(request, _("Restored."))
    else:
        messages.success(request, _("Archived: the entry is hidden from the library."))
    # Editors can still open an archived entry (to restore it); the detail page shows its state.
    return redirect("knowledge:detail", entry_id=entry_id)


@require_http_methods(["GET", "POST"])
@login_required
def import_yaml(request: HtmxHttpRequest) -> HttpResponse:
    if not selectors.can_edit(_user(request)):
        return forbidden(request, _("You are not allowed to edit the phrasebook."))
    problems = ""
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                rows = services.entries_import(
                    actor=_user(request),
                    text=form.yaml_text(),
                    comment=form.cleaned_data["comment"],
                    source=getattr(form.cleaned_data.get("yaml_file"), "name", "") or "pasted.yaml",
                )
            except InvalidInput as exc:
                problems = exc.errors.get("file", exc.message)
            else:
                messages.success(request, _("Imported %(n)d entries.") % {"n": len(rows)})
                return redirect("knowledge:index")
    else:
        form = ImportForm()
    return render(request, "knowledge/import.html", {"form": form, "problems": problems})


# ---------------------------------------------------------------- agent assist


def _link_targets(user: User, form: SessionLinkForm) -> tuple[Customer | None, Complaint | None]:
    """The customer and complaint a valid link form names, as ``user`` may see them.

    A phone number looks the customer up (counted as a number search); a
    complaint number the complaint. Raises ``InvalidInput`` with field errors.
    """
    data = form.cleaned_data
    errors: dict[str, str] = {}
    customer: Customer | None = None
    complaint: Complaint | None = None
    try:
        if data.get("customer"):
            customer = customer_get_for_user(pk=data["customer"], user=user)
        elif phone := (data.get("customer_phone") or "").strip():
            check_can_view_customers(user)
            found = customers_by_phone(phone, limit=2, user=user)
            if len(found) == 1:
                customer = found[0]
            else:
                errors["customer_phone"] = (
                    _("No customer has this number.")
                    if not found
                    else _("Several customers share this number: start from the customer's page.")
                )
    except (Http404, PermissionDenied):
        errors["customer_phone"] = _("No such customer, or not one you work with.")
    except RateLimited as exc:
        errors["customer_phone"] = exc.message
    try:
        if data.get("complaint"):
            complaint = complaint_get_for_user(pk=data["complaint"], user=user)
        elif number := (data.get("complaint_number") or "").strip():
            complaint = visible_complaints(user).select_related("customer").filter(number=number).first()
            if complaint is None:
                errors["complaint_number"] = _("No complaint you can see has this number.")
    except Http404:
        errors["complaint_number"] = _("No complaint you can see has this number.")
    if errors:
        raise InvalidInput(_("Please correct the errors below."), errors=errors)
    return customer, complaint


@require_http_methods(["GET", "POST"])
@login_required
def assist_sessions(request: HtmxHttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        form = SessionForm(request.POST)
        if form.is_valid():
            try:
                customer, complaint = _link_targets(user, form)
                session = services.assist_session_start(
                    actor=user,
                    channel=form.cleaned_data["channel"],
                    persona=form.cleaned_data["persona"],
                    title=form.cleaned_data["title"],
                    customer=customer,
                    complaint=complaint,
                    salutation=form.cleaned_data["salutation"],
                )
            except InvalidInput as exc:
                add_service_errors(form, exc)
            else:
                return redirect("knowledge:assist_panel", pk=session.pk)
    else:
        # A customer's or complaint's page links here with ?customer=… or ?complaint=….
        form = SessionForm(
            initial={k: request.GET[k] for k in ("customer", "complaint") if request.GET.get(k)}
        )
    context = {
        "form": form,
        "sessions": selectors.sessions_for(user)[:30],
        "team_sessions": selectors.team_sessions(user)[:50],
        "linked": _prefilled_links(user, form),
    }
    return render(request, "knowledge/sessions.html", context)


def _prefilled_links(user: User, form: SessionForm) -> list[str]:
    """What a ?customer=…/?complaint=… link will attach, in words (nothing the user may not see)."""
    shown: list[str] = []
    raw = form.data if form.is_bound else form.initial
    if (customer_id := parse_id(raw.get("customer"))) is not None:
        try:
            shown.append(
                _("Customer: %(name)s") % {"name": customer_get_for_user(pk=customer_id, user=user)}
            )
        except (Http404, PermissionDenied):
            pass
    if (complaint_id := parse_id(raw.get("complaint"))) is not None:
        try:
            complaint = complaint_get_for_user(pk=complaint_id, user=user)
            shown.append(
                _("Complaint: %(number)s %(subject)s") % {"number": complaint, "subject": complaint.subject}
            )
        except Http404:
            pass
    return shown


def _panel_context(request: HtmxHttpRequest, session: AssistSession, **extra: Any) -> dict[str, Any]:
    user = _user(request)
    can_write = selectors.can_write_session(user, session)
    complaint = session.complaint
    if complaint is not None and not visible_complaints(user).filter(pk=complaint.pk).exists():
        complaint = None  # linked by the agent, out of this reader's sight
    context: dict[str, Any] = {
        "session": session,
        "can_write": can_write,
        "turns": list(session.turns.all()),
        "turn_form": TurnForm(),
        "draft_form": DraftForm(),
        "draft": "",
        "link_form": SessionLinkForm(initial={"salutation": session.salutation}) if can_write else None,
        "linked_customer": session.customer if session.customer and can_view_customers(user) else None,
        "linked_complaint": complaint,
        "turn_error": "",
    }
    context.update(extra)
    context["result"] = services.assist_session_result(session=session, draft=context["draft"])
    return context


@require_http_methods(["GET", "POST"])
@login_required
def assist_panel(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The live panel. Turns are posted here (one at a time by assist.js, in the order typed);
    readers other than the session's agent get it read-only."""
    user = _user(request)
    session = selectors.session_get_for_user(user, pk)
    partial = bool(request.htmx) and not request.htmx.boosted
    extra: dict[str, Any] = {}
    status = 200
    if request.method == "POST" and not selectors.can_write_session(user, session):
        return forbidden(request, _("Only the agent on this conversation can change it; you can read it."))
    if request.method == "GET" and request.GET.get("draft", "").strip():
        # The panel polls with the draft box's content so a checked draft keeps its warnings.
        extra["draft"] = request.GET["draft"].strip()[:2000]
        extra["draft_form"] = DraftForm(initial={"draft": extra["draft"]})
    elif request.method == "POST" and "speaker" not in request.POST:
        draft_form = DraftForm(request.POST)
        extra["draft_form"] = draft_form
        if draft_form.is_valid():
            extra["draft"] = draft_form.cleaned_data["draft"]
    elif request.method == "POST":
        # The turn form posts the draft box too: keep its warnings.
        extra["draft"] = request.POST.get("draft", "").strip()[:2000]
        extra["draft_form"] = DraftForm(initial={"draft": extra["draft"]})
        turn_form = TurnForm(request.POST)
        if turn_form.is_valid():
            try:
                services.assist_turn_add(session=session, actor=user, **turn_form.cleaned_data)
            except InvalidInput as exc:
                add_service_errors(turn_form, exc)
        if turn_form.errors:
            # Never dropped in silence: the form keeps the words and the panel says why.
            extra["turn_form"] = turn_form
            extra["turn_error"] = " ".join(str(e) for errs in turn_form.errors.values() for e in errs)
            status = 422
        elif not partial:
            return redirect("knowledge:assist_panel", pk=session.pk)
        else:
            extra["turn_form"] = TurnForm(initial={"speaker": turn_form.cleaned_data["speaker"]})
    template = "knowledge/assist.html#live" if partial else "knowledge/assist.html"
    return render(request, template, _panel_context(request, session, **extra), status=status)


@require_POST
@login_required
def assist_links(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Link a conversation to its customer or complaint, or set how to address the customer."""
    user = _user(request)
    session = selectors.session_get_for_user(user, pk)
    if not selectors.can_write_session(user, session):
        return forbidden(request, _("Only the agent on this conversation can change it; you can read it."))
    form = SessionLinkForm(request.POST)
    if form.is_valid():
        try:
            customer, complaint = _link_targets(user, form)
            services.assist_session_link(
                session=session,
                actor=user,
                customer=customer,
                complaint=complaint,
                salutation=form.cleaned_data["salutation"],
            )
        except InvalidInput as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("knowledge:assist_panel", pk=session.pk)
    return render(
        request, "knowledge/assist.html", _panel_context(request, session, link_form=form), status=422
    )
