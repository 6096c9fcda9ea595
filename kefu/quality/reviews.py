"""The human side of quality inspection: sampling into review queues, reviewing, appeals and rulings.

Every change is a versioned update plus an event row (the workflow core), so two inspectors on one
review get one winner and a message naming the other; each reviewed score is stored as a new
scorecard version (the automatic one is kept beside it, as Zendesk keeps AQS and IQS apart).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.roles import ROLE_CAPS, Cap, Role
from kefu.lib.errors import InvalidInput, NotAllowed
from kefu.lib.workcal import ClockMode
from kefu.notifications.models import Kind as NoticeKind
from kefu.notifications.services import Notice, in_site_language, notify
from kefu.quality import flow
from kefu.quality.flow import Action, State
from kefu.quality.models import (
    Appeal,
    Conversation,
    Prediction,
    Review,
    ReviewEvent,
    SamplingPolicy,
    Scorecard,
)
from kefu.workflow import versioned
from kefu.workflow.events import jsonable
from kefu.workflow.transitions import TransitionError

# Until the QA lead configures policies: 5 % at random, every critical failure, every score below 60.
# (Sampling every detected complaint is a policy to switch on where complaints are rare.)
DEFAULT_POLICIES = (
    (SamplingPolicy.Kind.RANDOM, Decimal(5)),
    (SamplingPolicy.Kind.CRITICAL, Decimal(0)),
    (SamplingPolicy.Kind.LOW_SCORE, Decimal(60)),
)


MAX_MANUAL = 10  # manual deductions on one review, as in calibration

# ---------------------------------------------------------------- sampling


def policies() -> list[tuple[str, Decimal]]:
    rows = list(SamplingPolicy.objects.filter(active=True).values_list("kind", "value"))
    if not SamplingPolicy.objects.exists():
        return list(DEFAULT_POLICIES)
    return rows


def policy_set(*, actor: User, kind: str, value: Any, active: bool) -> SamplingPolicy:
    """Configure one sampling policy (one row per kind); the first change replaces the defaults with
    explicit rows, so what is sampled is always what the page lists."""
    if not actor.can(Cap.QA_LEAD):
        raise NotAllowed(_("Only the QA lead configures sampling."))
    if kind not in SamplingPolicy.Kind.values:
        raise InvalidInput(_("Unknown sampling policy."), errors={"kind": kind})
    try:
        number = Decimal(str(value if value not in (None, "") else 0))
    except ArithmeticError:
        number = Decimal(-1)
    if not number.is_finite() or not 0 <= number <= 100:
        raise InvalidInput(_("The value is a number from 0 to 100."), errors={"value": str(value)[:20]})
    with transaction.atomic():
        if not SamplingPolicy.objects.select_for_update().exists():
            SamplingPolicy.objects.bulk_create(SamplingPolicy(kind=k, value=v) for k, v in DEFAULT_POLICIES)
        policy = SamplingPolicy.objects.filter(kind=kind).order_by("pk").first()
        if policy is None:
            policy = SamplingPolicy(kind=kind)
        policy.value, policy.active = number.quantize(Decimal("0.1")), active
        policy.save()
    return policy


def policy_rows() -> list[tuple[str, str, Decimal, bool]]:
    """(kind, its label, value, active) for every kind, as sampling applies them now."""
    # Without any stored row the defaults apply, each switched on; the oldest row of a kind wins (as in policy_set).
    stored: dict[str, tuple[Decimal, bool]] = {
        p.kind: (p.value, p.active) for p in SamplingPolicy.objects.order_by("-pk")
    } or {str(kind): (value, True) for kind, value in DEFAULT_POLICIES}
    return [(kind, str(label), *stored.get(kind, (Decimal(0), False))) for kind, label in SamplingPolicy.Kind.choices]


def _reason(card: Scorecard, rules: list[tuple[str, Decimal]]) -> str | None:
    """The first risk-based policy the card meets (critical, low score, complaint, low predicted satisfaction)."""
    for kind, value in rules:
        if kind == SamplingPolicy.Kind.CRITICAL and card.critical:
            return kind
        if kind == SamplingPolicy.Kind.LOW_SCORE and card.score < value:
            return kind
        if kind == SamplingPolicy.Kind.COMPLAINT and card.data.get("complaint_detected"):
            return kind
        if kind == SamplingPolicy.Kind.LOW_SATISFACTION:
            predicted = _prediction(card.conversation)
            if predicted is not None and predicted < value:
                return kind
    return None


def _prediction(conversation: Conversation) -> float | None:
    try:
        return float(conversation.prediction.value)
    except Prediction.DoesNotExist:
        return None


def _in_random_share(conversation: Conversation, percent: Decimal, week: str) -> bool:
    """A stable draw: the same conversation is in or out whenever the sampler runs that week."""
    digest = hashlib.sha256(f"{week}:{conversation.source_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 10000 < int(percent * 100)


def _next_inspector() -> User | None:
    """Round robin by load: the active inspector with the fewest open reviews."""
    inspectors = (
        User.objects.filter(role=Role.QA, is_active=True)
        .annotate(open=Count("qa_reviews", filter=Q(qa_reviews__state__in=[State.QUEUED, State.IN_REVIEW])))
        .order_by("open", "pk")
    )
    return inspectors.first()


def sample(*, now: datetime | None = None, days: int = 7) -> int:
    """Put the last ``days``' scored, unsampled conversations that meet a policy into review queues."""
    now = now or timezone.now()
    rules = policies()
    percent = next((v for k, v in rules if k == SamplingPolicy.Kind.RANDOM), None)
    week = f"{now.isocalendar().year}-{now.isocalendar().week}"
    cards = (
        Scorecard.objects.filter(
            kind=Scorecard.Kind.AUTO, current=True, conversation__started_at__gte=now - timedelta(days=days),
            conversation__review__isnull=True,
        )
        .select_related("conversation", "conversation__prediction")
        .order_by("pk")
    )
    created = 0
    for card in cards.iterator(chunk_size=500):
        reason = _reason(card, rules)
        if reason is None and percent and _in_random_share(card.conversation, percent, week):
            reason = SamplingPolicy.Kind.RANDOM
        if reason is None:
            continue
        try:
            with transaction.atomic():
                Review.objects.create(
                    conversation=card.conversation, auto_card=card, reason=reason, inspector=_next_inspector()
                )
        except IntegrityError:  # sampled concurrently: one review per conversation
            continue
        created += 1
    return created


# ---------------------------------------------------------------- the review steps


def _last_change(review_id: int) -> versioned.LastChange:
    def read() -> tuple[str, datetime] | None:
        last = ReviewEvent.objects.filter(review_id=review_id).select_related("actor").order_by("-seq").first()
        return None if last is None else (str(last.actor), last.at)

    return read


def _move(review: Review, actor: User, action: Action, *, expected_version: int | None,
          changes: dict[str, Any] | None = None, reason: str = "", data: dict[str, Any] | None = None) -> Review:
    """Check the transition, apply ``changes`` with the versioned update, record the event."""
    try:
        step = flow.TRANSITIONS.transition_for(review.state, action)
    except TransitionError as exc:
        if expected_version is not None and expected_version != review.version:
            raise versioned.conflict(_last_change(review.pk)(), what=_("review")) from exc
        raise InvalidInput(_("This is not possible at this stage of the review.")) from exc
    if step.cap and not actor.can(Cap(step.cap)):
        raise NotAllowed(_("You are not allowed to do this."))
    version = review.version if expected_version is None else expected_version
    now = timezone.now()
    versioned.versioned_update(
        Review, pk=review.pk, version=version,
        changes={**(changes or {}), "state": step.target, "updated_by": actor, "updated_at": now},
        extra_filter={"state": review.state}, last_change=_last_change(review.pk), what=_("review"),
    )
    ReviewEvent.objects.create(
        review=review, seq=version + 1, action=action, from_state=review.state, to_state=step.target,
        actor=actor, at=now, reason=reason, data=jsonable(data or {}),
    )
    review.refresh_from_db()
    return review


def _locked(review: Review, expected_version: int | None) -> Review:
    """The review re-read under a row lock (PostgreSQL): of two people deciding at once, the second
    waits, then sees the first's version and gets the Conflict naming them — before any scorecard is written."""
    current = Review.objects.select_for_update().select_related("auto_card", "conversation").get(pk=review.pk)
    versioned.check_version(expected_version, current.version, last_change=_last_change(review.pk), what=_("review"))
    return current


@transaction.atomic
def review_claim(*, review: Review, actor: User, expected_version: int | None = None) -> Review:
    """Take a queued review: one's own or an unassigned one (the QA lead may hand any over to themselves)."""
    if review.inspector_id not in (None, actor.pk) and not actor.can(Cap.QA_LEAD):
        raise NotAllowed(_("This review is assigned to %(who)s.") % {"who": review.inspector})
    return _move(review, actor, Action.CLAIM, expected_version=expected_version, changes={"inspector": actor})


def _failed_hits(card: Scorecard) -> dict[str, dict[str, Any]]:
    return {h["rule"]: h for h in card.data.get("hits", []) if h.get("outcome") == "fail"}


def deduction_score(data: dict[str, Any], *, withdrawn: set[str], manual_points: Iterable[Decimal]) -> Decimal:
    """The human score (人工复核分, 百分制扣分) of an automatic card's data.

    100 minus every failed rule not withdrawn and every manual item, at least 0; a critical rule that
    stays failed applies the rulebook's ``zero`` veto. Reviews and calibration both score this way.
    """
    lost = Decimal(0)
    critical = False
    for hit in data.get("hits", []):
        if hit.get("outcome") != "fail" or hit["rule"] in withdrawn:
            continue
        lost += abs(Decimal(str(hit.get("points") or 0)))
        critical = critical or bool(hit.get("critical"))
    for points in manual_points:
        lost += Decimal(str(float(points)))  # as stored on the review: a float
    score = max(Decimal(0), Decimal(100) - lost)
    if critical and data.get("veto") == "zero":
        score = Decimal(0)
    return score.quantize(Decimal("0.1"))


def clean_manual_items(manual: list[dict[str, Any]], errors: dict[str, str]) -> list[dict[str, Any]]:
    """Manual deductions (items the rules cannot see) checked: a title, 0–100 points, at most ten.

    Problems go into ``errors`` by field (``manual``, ``manual_<i>``)."""
    items = []
    if len(manual) > MAX_MANUAL:
        errors["manual"] = _("At most %(n)d manual items.") % {"n": MAX_MANUAL}
    for i, item in enumerate(manual[:MAX_MANUAL]):
        title = str(item.get("title") or "").strip()[:200]
        try:
            points = Decimal(str(item.get("points")))
        except ArithmeticError:
            points = Decimal(-1)
        if not title or not points.is_finite() or not (Decimal(0) < points <= Decimal(100)):
            errors[f"manual_{i}"] = _("A manual item needs a title and 0–100 points.")
            continue
        items.append({"title": title, "points": float(points), "comment": str(item.get("comment") or "").strip()[:500]})
    return items


def _reviewed_card(review: Review, *, overturned: set[str]) -> Scorecard:
    """A new scorecard version from the inspector's deduction sheet (``deduction_score``).

    The automatic card is kept as it is: the two scores are different measures, both shown.
    """
    auto = review.auto_card
    data = dict(auto.data)
    hits = []
    for hit in data.get("hits", []):
        hit = dict(hit)
        if hit.get("outcome") == "fail":
            hit["reviewed"] = "overturned" if hit["rule"] in overturned else "upheld"
            if hit["rule"] in overturned:
                hit["outcome"] = "pass"
        hits.append(hit)
    for i, item in enumerate(review.manual):
        hits.append({"rule": f"manual.{i + 1}", "title": item["title"], "category": "manual", "cites": [],
                     "outcome": "fail", "points": -float(item["points"]), "critical": False, "evidence": [],
                     "detail": item.get("comment", ""), "reviewed": "manual"})
    critical = [h["rule"] for h in hits if h.get("critical") and h.get("outcome") == "fail"]
    manual_points = [Decimal(str(m["points"])) for m in review.manual]
    score = deduction_score(auto.data, withdrawn=overturned, manual_points=manual_points)
    passed = score >= Decimal(str(settings.KEFU_QA_PASS_SCORE)) and not critical
    data.update(hits=hits, score=float(score), critical=critical, passed=passed, reviewed=True)
    Scorecard.objects.filter(conversation=review.conversation, kind=Scorecard.Kind.REVIEWED, current=True).update(
        current=False
    )
    return Scorecard.objects.create(
        conversation=review.conversation, kind=Scorecard.Kind.REVIEWED, rulebook=auto.rulebook,
        rulebook_version=auto.rulebook_version, score=score, passed=passed, critical=bool(critical), data=data,
    )


def appeal_deadline(start: datetime) -> datetime:
    from kefu.complaints.sla import calendar_for

    working = calendar_for(ClockMode.WORKING)
    return working.add_working(start, working.workday_length * settings.KEFU_QA_APPEAL_WORKING_DAYS)


@transaction.atomic
@in_site_language
def review_submit(
    *, review: Review, actor: User, decisions: dict[str, dict[str, Any]], manual: list[dict[str, Any]],
    expected_version: int | None = None,
) -> Review:
    """Confirm or overturn each failed rule (a comment is required to overturn), add manual items, submit."""
    review = _locked(review, expected_version)
    if review.inspector_id not in (None, actor.pk) and not actor.can(Cap.QA_LEAD):
        raise NotAllowed(_("This review is assigned to %(who)s.") % {"who": review.inspector})
    failed = _failed_hits(review.auto_card)
    errors: dict[str, str] = {}
    clean: dict[str, dict[str, Any]] = {}
    for rule in failed:
        decision = decisions.get(rule) or {}
        upheld = decision.get("upheld", True)
        comment = str(decision.get("comment") or "").strip()[:500]
        if not upheld and not comment:
            errors[f"comment_{rule}"] = _("Say why the deduction is withdrawn.")
        clean[rule] = {"upheld": bool(upheld), "comment": comment}
    items = clean_manual_items(manual, errors)
    if errors:
        raise InvalidInput(_("Please correct the errors below."), errors=errors)
    review.manual = items
    overturned = {rule for rule, d in clean.items() if not d["upheld"]}
    card = _reviewed_card(review, overturned=overturned)
    now = timezone.now()
    review = _move(
        review, actor, Action.SUBMIT, expected_version=expected_version,
        changes={"decisions": clean, "manual": items, "reviewed_score": card.score,
                 "appeal_due": appeal_deadline(now), "inspector": actor},
        data={"score": card.score, "overturned": sorted(overturned), "manual": len(items)},
    )
    agent = review.conversation.agent
    if agent is not None and agent.is_active:
        # The appeal window starts now: the agent must hear of it, not find it by chance.
        due = timezone.localtime(review.appeal_due).strftime("%Y-%m-%d %H:%M") if review.appeal_due else "—"
        notify([agent], Notice(
            NoticeKind.QA_REVIEWED,
            _("Your conversation %(conv)s was reviewed: %(score)s points") % {
                "conv": review.conversation.source_id, "score": _points(card.score)},
            _("If you disagree with a deduction, you may appeal until %(due)s.") % {"due": due},
            review.conversation.get_absolute_url(), f"reviewed:{review.pk}:{review.version}",
        ))
    return review


def _points(score: Any) -> str:
    """62.5, or 100 for a whole number (not 100.0, nor Decimal's 1E+2)."""
    return floatformat(score, -1)


@transaction.atomic
@in_site_language
def appeal_file(*, review: Review, actor: User, rule: str, reason: str, expected_version: int | None = None) -> Appeal:
    """The agent appeals one deduction, within the window, once; the QA lead is notified."""
    if review.conversation.agent_id != actor.pk:
        raise NotAllowed(_("Only the agent of this conversation may appeal."))
    if review.state == State.APPEALED:
        raise InvalidInput(_("The appeal on this scorecard is waiting for the QA lead's ruling; a scorecard is appealed once."))
    if review.state in (State.QUEUED, State.IN_REVIEW):
        raise InvalidInput(_("The review is not finished yet; appeal once the reviewed score is out."))
    if review.state != State.REVIEWED:
        raise InvalidInput(_("This scorecard can no longer be appealed (the ruling is final)."))
    if review.appeal_due is None or timezone.now() > review.appeal_due:
        raise InvalidInput(_("The appeal window closed at %(when)s.") % {
            "when": timezone.localtime(review.appeal_due).strftime("%Y-%m-%d %H:%M") if review.appeal_due else "—"})
    current = Scorecard.objects.filter(conversation=review.conversation, kind=Scorecard.Kind.REVIEWED, current=True).first()
    hits = {h["rule"]: h for h in (current.data.get("hits", []) if current else []) if h.get("outcome") == "fail"}
    reason = str(reason or "").strip()
    if rule not in hits:
        raise InvalidInput(_("Only a deduction on the reviewed scorecard can be appealed."), errors={"rule": _("No such deduction.")})
    if not reason:
        raise InvalidInput(_("Please correct the errors below."), errors={"reason": _("Say why the deduction is wrong.")})
    appeal = Appeal.objects.create(review=review, rule=rule, rule_title=hits[rule].get("title", rule), reason=reason[:2000], by=actor)
    _move(review, actor, Action.APPEAL, expected_version=expected_version, reason=reason, data={"rule": rule})
    lead_roles = [role for role, caps in ROLE_CAPS.items() if Cap.QA_LEAD in caps and role != Role.ADMIN]
    leads = User.objects.filter(is_active=True, role__in=lead_roles)
    notify(leads, Notice(
        NoticeKind.QA_APPEAL, _("Appeal to rule on: %(conv)s") % {"conv": review.conversation.source_id},
        f"{appeal.rule_title}：{reason[:200]}", review.conversation.get_absolute_url(), f"appeal:{appeal.pk}",
    ))
    return appeal


@transaction.atomic
@in_site_language
def appeal_rule(*, appeal: Appeal, actor: User, overturn: bool, comment: str, expected_version: int | None = None) -> Review:
    """The QA lead's final ruling: withdraw the deduction (the score is recomputed) or uphold it."""
    comment = str(comment or "").strip()
    if not comment:
        raise InvalidInput(_("Please correct the errors below."), errors={"comment": _("Explain the ruling to the agent.")})
    review = _locked(appeal.review, expected_version)
    appeal.refresh_from_db()
    if appeal.ruling != Appeal.Ruling.PENDING:
        raise InvalidInput(_("This appeal has been ruled on already; the ruling is final."))
    if overturn:
        previous = {r for r, d in review.decisions.items() if not d.get("upheld", True)}
        card = _reviewed_card(review, overturned=previous | {appeal.rule})
        changes: dict[str, Any] = {"reviewed_score": card.score}
    else:
        changes = {}
    review = _move(review, actor, Action.RULE, expected_version=expected_version, changes=changes, reason=comment,
                   data={"rule": appeal.rule, "overturned": overturn})
    Appeal.objects.filter(pk=appeal.pk).update(
        ruling=Appeal.Ruling.OVERTURNED if overturn else Appeal.Ruling.UPHELD, ruled_by=actor,
        ruled_at=timezone.now(), ruling_comment=comment[:2000],
    )
    if appeal.by.is_active:
        title = (_("Your appeal was granted: %(rule)s") if overturn else _("Your appeal was turned down: %(rule)s")) % {
            "rule": appeal.rule_title}
        notify([appeal.by], Notice(
            NoticeKind.QA_REVIEWED, title[:200],
            _("Final ruling on %(conv)s: %(comment)s") % {"conv": review.conversation.source_id, "comment": comment[:300]},
            review.conversation.get_absolute_url(), f"ruled:{appeal.pk}",
        ))
    return review


def close_expired(*, now: datetime | None = None) -> int:
    """Reviews whose appeal window passed without an appeal become final (scheduled)."""
    from kefu.accounts.services import system_user

    now = now or timezone.now()
    closed = 0
    for review in Review.objects.filter(state=State.REVIEWED, appeal_due__lt=now):
        try:
            with transaction.atomic():
                _move(review, system_user(), Action.CLOSE, expected_version=review.version)
            closed += 1
        except Exception:
            continue
    return closed


@in_site_language
def critical_alert(conversation: Conversation, card: Scorecard) -> int:
    """A critical rule failed: the agent's supervisors are told at once (预警)."""
    agent = conversation.agent
    if agent is None or agent.department_id is None or not card.critical:
        return 0
    supervisors = User.objects.filter(role=Role.SUPERVISOR, is_active=True, department_id=agent.department_id)
    titles = "、".join(h.get("title", "") for h in card.data.get("hits", []) if h.get("critical") and h.get("outcome") == "fail")
    return notify(supervisors, Notice(
        NoticeKind.QA_ALERT,
        _("QA alert: %(agent)s, %(conv)s") % {"agent": agent, "conv": conversation.source_id},
        titles[:400], conversation.get_absolute_url(), f"qa:{conversation.pk}:critical:{card.rulebook_version}",
    ))

