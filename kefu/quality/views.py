"""Quality inspection pages: conversations with their scores, a scorecard with its evidence, upload."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from kefu.accounts.http import HtmxHttpRequest
from kefu.accounts.roles import Cap
from kefu.front.shortcuts import forbidden
from kefu.jobs import services as jobs
from kefu.quality import formats, selectors, tasks
from kefu.quality.models import Scorecard

PAGE_SIZE = 30
FORMATS = (("jsonl", "JSON lines"), ("csv", "CSV"), ("chat", "chat"))


@login_required
@require_safe
def index(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    qs = selectors.visible_conversations(user)
    result = request.GET.get("result", "")
    if result == "failed":
        qs = qs.filter(scorecards__current=True, scorecards__kind="auto", scorecards__passed=False)
    elif result == "critical":
        qs = qs.filter(scorecards__current=True, scorecards__kind="auto", scorecards__critical=True)
    page = Paginator(qs.order_by("-started_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    cards = {
        c.conversation_id: c
        for c in Scorecard.objects.filter(conversation__in=list(page.object_list), kind="auto", current=True)
    }
    rows = [(conv, cards.get(conv.pk)) for conv in page.object_list]
    return render(
        request,
        "quality/index.html",
        {"page_obj": page, "rows": rows, "result": result, "can_import": user.can(Cap.QA_INSPECT)},
    )


@login_required
@require_safe
def detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    conversation = selectors.conversation_get_for_user(pk=pk, user=request.user)
    card = Scorecard.objects.filter(conversation=conversation, kind="auto", current=True).first()
    failed, passed, transcript = selectors.card_view(card, conversation.turns) if card else ([], [], [])
    return render(
        request,
        "quality/detail.html",
        {"conversation": conversation, "card": card, "failed": failed, "passed": passed, "transcript": transcript},
    )


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HtmxHttpRequest) -> HttpResponse:
    """Upload a file of conversations; it is imported and scored in the background (a job with progress)."""
    if not request.user.can(Cap.QA_INSPECT):
        return forbidden(request, _("Only quality inspectors import conversations."))
    error = ""
    if request.method == "POST":
        file = request.FILES.get("file")
        fmt = request.POST.get("format", "jsonl")
        if file is None:
            error = _("Choose a file to upload.")
        elif fmt not in dict(FORMATS):
            error = _("Choose the file's format.")
        elif (file.size or 0) > formats.MAX_BYTES:
            error = _("The file is larger than %(mb)d MB.") % {"mb": formats.MAX_BYTES // (1024 * 1024)}
        else:
            data = file.read()
            try:  # whole-file problems are told at once; line problems come with the job's result
                tasks.read_items(data, fmt, conv_id="check", agent_names=())
            except formats.FormatError as exc:
                error = str(exc)
            if not error:
                name = f"{uuid.uuid4().hex}.{fmt}"
                tasks.upload_path(name).write_bytes(data)
                params = {
                    "file": name, "format": fmt, "actor": request.user.pk,
                    "conv_id": (request.POST.get("conv_id") or file.name or "chat")[:120],
                    "agent_names": [n.strip() for n in request.POST.get("agent_names", "").split(",") if n.strip()],
                }
                job = jobs.job_start(actor=request.user, kind="quality-import", params=params)
                return redirect("jobs:detail", pk=job.pk)
    return render(request, "quality/upload.html", {"formats": FORMATS, "error": error}, status=422 if error else 200)
