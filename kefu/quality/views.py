"""Quality inspection pages: conversations with their scores, a scorecard with its evidence, upload."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kefu.accounts.http import HtmxHttpRequest
from kefu.accounts.roles import Cap
from kefu.front.shortcuts import forbidden
from kefu.jobs import services as jobs
from kefu.learning.selectors import active_model, model_get
from kefu.lib.errors import Conflict, InvalidInput, NotAllowed
from kefu.lib.params import parse_id, parse_version
from kefu.quality import flow, formats, learning, report_views, reviews, selectors, tasks
from kefu.quality.models import (
    CHANNEL_LABELS,
    Appeal,
    Conversation,
    Prediction,
    Review,
    Scorecard,
    Upload,
)
from kefu.quality.selectors import SAMPLED_BECAUSE, SEES_ALL, STATE_LABELS

PAGE_SIZE = 30
QUEUE_PAGE_SIZE = 50
DONE = {
    "claim": gettext_lazy("You took this review."),
    "submit": gettext_lazy("The review was submitted; the agent may appeal within the window."),
    "appeal": gettext_lazy("Your appeal was sent to the QA lead."),
    "rule": gettext_lazy("The ruling was recorded; it is final."),
}
FORMATS = (("jsonl", "JSON lines"), ("csv", "CSV"), ("chat", "chat"))


class EstimatedPaginator(Paginator):  # type: ignore[type-arg]
    """Every conversation, counted by PostgreSQL's statistics once there are very many (an exact COUNT(*)
    took 600 ms at 1,000,000); exact below that and on SQLite."""

    ESTIMATE_FROM = 200_000

    @cached_property
    def count(self) -> int:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                               [Conversation._meta.db_table])
                row = cursor.fetchone()
            if row and row[0] >= self.ESTIMATE_FROM:
                return int(row[0])
        return int(super().count)


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
    sees_all, sees_team = bool(SEES_ALL & user.caps), selectors.sees_team(user)
    agents = selectors.visible_agents(user) if sees_all or sees_team else []
    agent_id = parse_id(request.GET.get("agent"))
    agent = next((a for a in agents if a.pk == agent_id), None)
    if agent is not None:
        qs = qs.filter(agent=agent)
    channel = request.GET.get("channel", "")
    if channel in dict(CHANNEL_LABELS):
        qs = qs.filter(channel=channel)
    else:
        channel = ""
    filtered = bool(result or agent or channel)
    paginator_class = EstimatedPaginator if not filtered and sees_all else Paginator
    page = paginator_class(qs.order_by("-started_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    cards = {
        c.conversation_id: c
        for c in Scorecard.objects.filter(conversation__in=list(page.object_list), kind="auto", current=True)
    }
    predicted = {
        p.conversation_id: p for p in Prediction.objects.filter(conversation__in=list(page.object_list))
    }
    rows = [(conv, cards.get(conv.pk), predicted.get(conv.pk)) for conv in page.object_list]
    return render(
        request,
        "quality/index.html",
        {"page_obj": page, "rows": rows, "result": result, "can_import": user.can(Cap.QA_INSPECT),
         "agents": agents, "agent": agent, "channel": channel, "channels": CHANNEL_LABELS, "filtered": filtered,
         "sees_all": sees_all, "sees_team": sees_team,
         "can_report": bool(report_views.SEES_REPORTS & user.caps),
         "can_lead": user.can(Cap.QA_LEAD), "predictor": learning.model_summary(active_model(learning.KIND))},
    )


@login_required
@require_safe
def detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    conversation = selectors.conversation_get_for_user(pk=pk, user=request.user)
    card = Scorecard.objects.filter(conversation=conversation, kind="auto", current=True).first()
    failed, passed, transcript = selectors.card_view(card, conversation.turns) if card else ([], [], [])
    prediction = Prediction.objects.filter(conversation=conversation).first()
    used = model_get(learning.KIND, prediction.model_version) if prediction else None
    context = {"conversation": conversation, "card": card, "failed": failed, "passed": passed, "transcript": transcript,
               "prediction": prediction, "predictor": learning.model_summary(used),
               "rulebook": selectors.rulebook_label(card.rulebook) if card else "",
               "pass_mark": selectors.pass_mark(card.rulebook) if card else None}
    context.update(selectors.review_context(conversation, request.user))
    return render(request, "quality/detail.html", context)


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
                upload = Upload.objects.create(name=(file.name or "upload")[:200], fmt=fmt, data=data)
                params = {
                    "upload": upload.pk, "format": fmt, "actor": request.user.pk,
                    "conv_id": (request.POST.get("conv_id") or file.name or "chat")[:120],
                    "agent_names": [n.strip() for n in request.POST.get("agent_names", "").split(",") if n.strip()],
                }
                job = jobs.job_start(actor=request.user, kind="quality-import", params=params)
                return redirect("jobs:detail", pk=job.pk)
    posted = request.POST if request.method == "POST" else {}
    return render(request, "quality/upload.html", {  # a refused file keeps what was chosen and typed
        "formats": FORMATS, "error": error, "format": posted.get("format", "jsonl"),
        "conv_id": posted.get("conv_id", ""), "agent_names": posted.get("agent_names", ""),
    }, status=422 if error else 200)


# ---------------------------------------------------------------- reviews, appeals, rulings


def _version(request: HtmxHttpRequest) -> int | None:
    return parse_version(request.POST.get("expected_version"))


@login_required
@require_safe
def review_queue(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    if not (user.can(Cap.QA_INSPECT) or user.can(Cap.QA_LEAD)):
        return forbidden(request, _("Reviews are for quality inspectors and the QA lead."))
    open_states = [flow.State.QUEUED, flow.State.IN_REVIEW]
    mine = (
        Review.objects.filter(state__in=open_states)
        .select_related("conversation", "conversation__agent", "auto_card", "inspector")
        .defer("conversation__turns", "conversation__labels", "auto_card__data", "decisions", "manual")
    )
    if not user.can(Cap.QA_LEAD):
        mine = mine.filter(Q(inspector=user) | Q(inspector__isnull=True))
    appeals = (
        Appeal.objects.filter(ruling=Appeal.Ruling.PENDING).select_related("review__conversation", "by")
        if user.can(Cap.QA_LEAD)
        else Appeal.objects.none()
    )
    # Labels looked up once per kind here, not by looping over every label in the template for each row
    # (with 200 rows that loop was most of the page's time).
    reasons = {str(key): str(label) for key, label in SAMPLED_BECAUSE.items()}
    states = {key: str(label) for key, label in STATE_LABELS.items()}
    # The page's ids first, from the review table alone; then those rows with what they show. One query
    # joining everything let PostgreSQL scan every scorecard (600 ms at 1,000,000) before the LIMIT.
    ids_qs = mine.order_by("created_at", "pk").values_list("pk", flat=True)
    page = Paginator(ids_qs, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    ids = list(page.object_list)
    found = {r.pk: r for r in mine.filter(pk__in=ids)}
    rows = [(found[pk], reasons.get(found[pk].reason, ""), states.get(found[pk].state, "")) for pk in ids if pk in found]
    return render(request, "quality/reviews.html", {
        "reviews": rows, "page_obj": page, "appeals": appeals[:200],
        "policies": reviews.policy_rows() if user.can(Cap.QA_LEAD) else [],
    })


@login_required
@require_POST
def policy_set(request: HtmxHttpRequest) -> HttpResponse:
    """The QA lead switches a sampling policy on or off and sets its value."""
    if not request.user.can(Cap.QA_LEAD):
        return forbidden(request, _("Only the QA lead configures sampling."))
    try:
        reviews.policy_set(actor=request.user, kind=request.POST.get("kind", ""), value=request.POST.get("value"),
                           active=request.POST.get("active") == "on")
    except NotAllowed as exc:
        return forbidden(request, exc.message)
    except InvalidInput as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Sampling policy saved; it applies from the next sampling run."))
    return redirect("quality:reviews")


@login_required
@require_POST
def review_act(request: HtmxHttpRequest, pk: int, action: str) -> HttpResponse:
    """Claim or submit a review; file an appeal; rule on one. Refusals come back as messages on the page."""
    conversation = selectors.conversation_get_for_user(pk=pk, user=request.user)
    review = Review.objects.filter(conversation=conversation).first()
    if review is None:
        raise Http404("not sampled for review")
    try:
        if action == "claim":
            reviews.review_claim(review=review, actor=request.user, expected_version=_version(request))
        elif action == "submit":
            decisions = {
                rule: {"upheld": request.POST.get(f"decision_{rule}", "uphold") != "overturn",
                       "comment": request.POST.get(f"comment_{rule}", "")}
                for rule in selectors.failed_rules(review.auto_card)
            }
            manual = [
                {"title": request.POST.get(f"manual_title_{i}", ""), "points": request.POST.get(f"manual_points_{i}"),
                 "comment": request.POST.get(f"manual_comment_{i}", "")}
                for i in range(3)
                if request.POST.get(f"manual_title_{i}", "").strip()
            ]
            reviews.review_submit(review=review, actor=request.user, decisions=decisions, manual=manual,
                                  expected_version=_version(request))
        elif action == "appeal":
            reviews.appeal_file(review=review, actor=request.user, rule=request.POST.get("rule", ""),
                                reason=request.POST.get("reason", ""), expected_version=_version(request))
        elif action == "rule":
            appeal_id = parse_id(request.POST.get("appeal"))
            appeal = Appeal.objects.filter(review=review, pk=appeal_id).first() if appeal_id is not None else None
            if appeal is None:
                raise Http404("no such appeal")
            if not request.user.can(Cap.QA_LEAD):
                return forbidden(request, _("Only the QA lead rules on appeals."))
            reviews.appeal_rule(appeal=appeal, actor=request.user, overturn=request.POST.get("ruling") == "overturn",
                                comment=request.POST.get("comment", ""), expected_version=_version(request))
        else:
            raise Http404("unknown action")
    except NotAllowed as exc:
        return forbidden(request, exc.message)
    except (InvalidInput, Conflict) as exc:
        details = "；".join(str(v) for v in exc.errors.values())
        # "Please correct the errors below" points at a form the redirect does not show: say the errors alone.
        generic = exc.message == _("Please correct the errors below.")
        messages.error(request, details if details and generic else f"{exc.message} {details}".strip())
        return redirect(conversation)
    messages.success(request, str(DONE.get(action, _("Saved."))))
    return redirect(conversation)
