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
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from kefu.accounts.models import User
from kefu.front.shortcuts import forbidden
from kefu.knowledge import selectors, services
from kefu.knowledge.errors import Conflict, InvalidInput, NotAllowed
from kefu.knowledge.forms import DraftForm, EntryForm, ImportForm, SessionForm, TurnForm
from kefu.phrasebook.greeting import opening
from kefu.phrasebook.schema import CHANNELS, KINDS

PAGE_SIZE = 50
CHANNEL_LABELS = {
    "phone": _lazy("Hotline"),
    "outbound": _lazy("Outbound call"),
    "counter": _lazy("Counter"),
    "chat": _lazy("Online chat"),
    "onsite": _lazy("On-site"),
}



def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _greeting_for(user: User) -> str:
    department = user.department.name if getattr(user, "department", None) else ""
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
def index(request: HttpRequest) -> HttpResponse:
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
def detail(request: HttpRequest, entry_id: str) -> HttpResponse:
    user = _user(request)
    row = selectors.entry_row(entry_id)
    archived = row is not None and not row.is_active
    if archived and selectors.can_edit(user):
        entry = selectors.entry_from_row(row) or selectors.entry_get(entry_id)
    else:
        entry = selectors.entry_get(entry_id)  # 404 for unknown and (for readers) archived entries
    return render(
        request,
        "knowledge/detail.html",
        {
            "entry": entry,
            "kind_label": KINDS[entry.kind],
            "row": row,
            "archived": archived,
            "history": selectors.entry_history(entry_id) if row else [],
            "can_edit": selectors.can_edit(user),
        },
    )


def _save_entry(request: HttpRequest, form: EntryForm, entry_id: str | None) -> HttpResponse | None:
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
        for field, message in exc.errors.items():
            target = "entry_id" if field == "id" else field
            form.add_error(target if target in form.fields else None, message)
        return None
    except Conflict as exc:
        form.add_error(None, exc.message)
        return None
    messages.success(request, _("Saved %(id)s.") % {"id": row.entry_id})
    return redirect("knowledge:detail", entry_id=row.entry_id)


@require_http_methods(["GET", "POST"])
@login_required
def edit(request: HttpRequest, entry_id: str) -> HttpResponse:
    if not selectors.can_edit(_user(request)):
        return forbidden(request, _("You are not allowed to edit the phrasebook."))
    entry = selectors.entry_get(entry_id)
    row = selectors.entry_row(entry_id)
    if request.method == "POST":
        form = EntryForm(request.POST, editing=True, initial={"entry_id": entry_id})
        if form.is_valid() and (response := _save_entry(request, form, entry_id)):
            return response
    else:
        form = EntryForm(initial=EntryForm.initial_for(entry, row.version if row else None), editing=True)
    return render(request, "knowledge/edit.html", {"form": form, "entry": entry, "creating": False})


@require_http_methods(["GET", "POST"])
@login_required
def new(request: HttpRequest) -> HttpResponse:
    if not selectors.can_edit(_user(request)):
        return forbidden(request, _("You are not allowed to edit the phrasebook."))
    if request.method == "POST":
        form = EntryForm(request.POST)
        if form.is_valid() and (response := _save_entry(request, form, None)):
            return response
    else:
        form = EntryForm(initial={"kind": "script"})
    return render(request, "knowledge/edit.html", {"form": form, "entry": None, "creating": True})


@require_POST
@login_required
def set_active(request: HttpRequest, entry_id: str, active: bool) -> HttpResponse:
    version = request.POST.get("version")
    try:
        services.entry_set_active(
            actor=_user(request),
            entry_id=entry_id,
            active=active,
            expected_version=int(version) if version and version.isdigit() else None,
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
def import_yaml(request: HttpRequest) -> HttpResponse:
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


@require_http_methods(["GET", "POST"])
@login_required
def assist_sessions(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        form = SessionForm(request.POST)
        if form.is_valid():
            session = services.assist_session_start(
                actor=user,
                channel=form.cleaned_data["channel"],
                persona=form.cleaned_data["persona"],
                title=form.cleaned_data["title"],
            )
            return redirect("knowledge:assist_panel", pk=session.pk)
    else:
        form = SessionForm()
    sessions = selectors.sessions_for(user)[:30]
    return render(request, "knowledge/sessions.html", {"form": form, "sessions": sessions})


@require_http_methods(["GET", "POST"])
@login_required
def assist_panel(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for_user(_user(request), pk)
    turn_form, draft_form, draft = TurnForm(), DraftForm(), ""
    if request.method == "GET" and request.GET.get("draft", "").strip():
        # The panel polls with the draft box's content so a checked draft keeps its warnings.
        draft = request.GET["draft"].strip()[:2000]
        draft_form = DraftForm(initial={"draft": draft})
    elif request.method == "POST" and "speaker" not in request.POST:
        draft_form = DraftForm(request.POST)
        if draft_form.is_valid():
            draft = draft_form.cleaned_data["draft"]
    elif request.method == "POST":
        # The turn form posts the draft box too (hx-include is inherited): keep its warnings.
        draft = request.POST.get("draft", "").strip()[:2000]
        draft_form = DraftForm(initial={"draft": draft})
        turn_form = TurnForm(request.POST)
        if turn_form.is_valid():
            try:
                services.assist_turn_add(session=session, **turn_form.cleaned_data)
            except InvalidInput as exc:
                for field, message in exc.errors.items():
                    turn_form.add_error(field if field in turn_form.fields else None, message)
            else:
                if not request.htmx:
                    return redirect("knowledge:assist_panel", pk=session.pk)
                turn_form = TurnForm(initial={"speaker": turn_form.cleaned_data["speaker"]})
    context = {
        "session": session,
        "turns": list(session.turns.all()),
        "result": services.assist_session_result(session=session, draft=draft),
        "draft": draft,
        "turn_form": turn_form,
        "draft_form": draft_form,
    }
    template = (
        "knowledge/assist.html#live" if request.htmx and not request.htmx.boosted else "knowledge/assist.html"
    )
    return render(request, template, context)
