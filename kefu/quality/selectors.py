"""Reads: which conversations a user may see, and a scorecard as a page shows it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import User
from kefu.accounts.roles import Cap, Role
from kefu.lib.masking import mask_numbers_in_place
from kefu.phrasebook.norms import norm_name
from kefu.quality.models import Conversation, Review, RulebookVersion, SamplingPolicy, Scorecard

if TYPE_CHECKING:
    from kefu.qa import Rulebook

SEES_ALL = frozenset({Cap.QA_INSPECT, Cap.QA_LEAD, Cap.ADMIN})


def sees_team(user: User) -> bool:
    """A supervisor sees the conversations of their department's agents: they are the ones
    ``reviews.critical_alert`` tells when one of them fails a critical rule."""
    return user.role == Role.SUPERVISOR and user.department_id is not None


def visible_conversations(user: User) -> QuerySet[Conversation]:
    """Inspectors see every conversation; a supervisor their department's; anyone else only their own."""
    qs = Conversation.objects.select_related("agent")
    if SEES_ALL & user.caps:
        return qs
    if sees_team(user):
        return qs.filter(Q(agent=user) | Q(agent__department_id=user.department_id))
    return qs.filter(agent=user)


def visible_agents(user: User) -> list[User]:
    """The agents of the conversations ``user`` sees, by name (the list's agent filter)."""
    # One index probe per user (EXISTS), not a scan of every conversation for its distinct agents.
    seen = visible_conversations(user).filter(agent=OuterRef("pk"))
    return list(User.objects.filter(Exists(seen)).order_by("full_name", "username"))


def conversation_get_for_user(*, pk: int, user: User) -> Conversation:
    found = visible_conversations(user).filter(pk=pk).first()
    if found is None:
        raise Http404("no such conversation")
    return found


@dataclass(frozen=True)
class HitView:
    title: str
    outcome: str
    points: float
    critical: bool
    norms: list[str]
    turns: list[int]
    detail: str
    better: str = ""  # the rulebook's better phrasing for this fault, when it has one
    cost: float = 0.0  # points of the automatic score this failed rule cost (score_costs)

    @property
    def weight(self) -> float:
        """The rule's weight in the rulebook (the card stores it negative on a failed rule)."""
        return abs(self.points)


@dataclass(frozen=True)
class TurnView:
    index: int
    speaker: str
    start: float | None
    parts: list[tuple[str, bool]]  # the text in pieces, True where a failed rule's evidence is (highlighted)
    faults: list[str]  # titles of the failed rules this turn is evidence for

    @property
    def clock(self) -> str:
        """Time into the conversation as a call recording shows it (1:05), not a bare number of seconds."""
        if self.start is None:
            return ""
        seconds = max(0, int(self.start))
        return f"{seconds // 60}:{seconds % 60:02d}"


def _loaded(rulebook: str) -> Rulebook | None:
    """The rulebook that scored a card (cached by kefu.qa), or None if it no longer loads."""
    from kefu.qa import RulebookError, load_rulebook

    try:
        return load_rulebook(rulebook)
    except (RulebookError, OSError, ValueError):
        return None


def _suggestions(rulebook: str) -> dict[str, str]:
    """Each rule's better phrasing (``suggest``) in the rulebook that scored the card, if it still loads."""
    book = _loaded(rulebook)
    return {rule.id: rule.suggest for rule in book.rules if rule.suggest} if book else {}


def rulebook_label(key: str) -> str:
    """The rulebooks that scored a card, as people know them: "热线电话质检 v2 + 投诉处理对话质检".

    ``key`` is what the card stores (built-in names or saved versions' files joined by "+"); a version
    number is added where the rulebook was saved as a numbered version. Never the content hash.
    """
    labels = []
    for part in key.split("+"):
        book = _loaded(part)
        if book is None:
            continue
        saved = RulebookVersion.objects.filter(name=book.name, digest=book.version).order_by("-number").first()
        labels.append(f"{book.title or book.name} v{saved.number}" if saved else book.title or book.name)
    return " + ".join(labels)


def pass_mark(key: str) -> int | None:
    """The pass mark of the rulebook that scored a card (None if it no longer loads)."""
    book = _loaded(key)
    return int(book.pass_score) if book else None


def score_costs(card: Scorecard) -> dict[str, float]:
    """How many points of the automatic score each failed rule cost, by rule id.

    A hit's ``points`` is the rule's weight, not a deduction: the score is the share of the weight earned,
    each added part (投诉 on a hotline call) counting its percentage and the channel's rules the rest
    (kefu.qa.engine). So a failed rule costs 100 × its part's share × its weight ÷ the part's judged weight;
    the costs add up to 100 minus the score (before rounding, and unless a critical failure zeroed it).
    """
    book = _loaded(card.rulebook)
    if book is None:
        return {}
    part_of = {rule.id: rule.part for rule in book.rules}
    judged: dict[str, float] = {}
    for hit in card.data.get("hits", []):
        if hit.get("outcome") in ("pass", "fail"):
            part = part_of.get(hit.get("rule", ""), "")
            judged[part] = judged.get(part, 0.0) + abs(float(hit.get("points") or 0))
    shares = {part.name: float(part.weight) for part in book.parts if judged.get(part.name)}
    if judged.get(""):
        shares[""] = max(0.0, 100 - sum(shares.values()))
    total = sum(shares.values())
    costs = {}
    for hit in card.data.get("hits", []):
        part = part_of.get(hit.get("rule", ""), "")
        if hit.get("outcome") == "fail" and total and judged.get(part):
            costs[hit["rule"]] = 100 * shares.get(part, 0.0) / total * abs(float(hit.get("points") or 0)) / judged[part]
    return costs


def _pieces(text: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut at every evidence span (overlapping ones merged), each piece flagged if it is evidence."""
    merged: list[list[int]] = []
    for a, b in sorted((max(0, a), min(len(text), b)) for a, b in spans):
        if a >= b:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    pieces: list[tuple[str, bool]] = []
    at = 0
    for a, b in merged:
        if a > at:
            pieces.append((text[at:a], False))
        pieces.append((text[a:b], True))
        at = b
    if at < len(text) or not pieces:
        pieces.append((text[at:], False))
    return pieces


def card_view(card: Scorecard, turns: list[dict[str, Any]]) -> tuple[list[HitView], list[HitView], list[TurnView]]:
    """(failed hits, passed hits, the transcript with each failed rule's evidence marked)."""
    suggestions = _suggestions(card.rulebook)
    costs = score_costs(card)
    failed: list[HitView] = []
    passed: list[HitView] = []
    spans: dict[int, list[tuple[int, int]]] = {}
    faults: dict[int, list[str]] = {}
    for hit in card.data.get("hits", []):
        evidence = hit.get("evidence") or []
        view = HitView(
            title=hit.get("title") or "",
            outcome=hit.get("outcome", ""),
            points=float(hit.get("points") or 0),
            critical=bool(hit.get("critical")),
            norms=[norm_name(n) for n in hit.get("cites", [])],
            turns=[e["turn"] for e in evidence if isinstance(e.get("turn"), int)],
            detail=hit.get("detail") or "",
            better=suggestions.get(hit.get("rule", ""), ""),
            cost=costs.get(hit.get("rule", ""), 0.0),
        )
        if view.outcome == "fail":
            failed.append(view)
            for e in evidence:
                if isinstance(e.get("turn"), int):
                    faults.setdefault(e["turn"], []).append(view.title)
                    if e.get("span"):
                        spans.setdefault(e["turn"], []).append((int(e["span"][0]), int(e["span"][1])))
        elif view.outcome == "pass":
            passed.append(view)
    transcript = []
    for i, turn in enumerate(turns):
        text = mask_numbers_in_place(turn.get("text", ""))  # PIPL: no whole phone or ID number on the page
        transcript.append(
            TurnView(i, turn.get("speaker", ""), turn.get("start"), _pieces(text, spans.get(i, [])), faults.get(i, []))
        )
    failed.sort(key=lambda h: (not h.critical, -h.cost, h.points))
    passed.sort(key=lambda h: -h.points)  # the weightiest things done well first
    return failed, passed, transcript


# Why a conversation is in the queue, said shortly (the policy labels are written for the settings form).
SAMPLED_BECAUSE: dict[str, Any] = {
    SamplingPolicy.Kind.RANDOM: _("Weekly random sample"),
    SamplingPolicy.Kind.CRITICAL: _("Failed a critical rule"),
    SamplingPolicy.Kind.LOW_SCORE: _("Low compliance score"),
    SamplingPolicy.Kind.COMPLAINT: _("Complaint detected"),
    SamplingPolicy.Kind.LOW_SATISFACTION: _("Low predicted satisfaction"),
}

STATE_LABELS: dict[str, Any] = {
    "queued": _("Waiting for review"),
    "in_review": _("Being reviewed"),
    "reviewed": _("Reviewed"),
    "appealed": _("Appealed"),
    "final": _("Final"),
}


def failed_rules(card: Scorecard) -> list[str]:
    return [h["rule"] for h in card.data.get("hits", []) if h.get("outcome") == "fail"]


def review_context(conversation: Conversation, user: User) -> dict[str, Any]:
    """What the conversation page shows about its human review, and which forms this user gets."""
    review = Review.objects.filter(conversation=conversation).select_related("inspector").first()
    if review is None:
        return {"review": None}
    reviewed = Scorecard.objects.filter(conversation=conversation, kind=Scorecard.Kind.REVIEWED, current=True).first()
    deductions = [h for h in (reviewed.data.get("hits", []) if reviewed else []) if h.get("outcome") == "fail"]
    decisions = review.decisions or {}
    sheet = []  # the inspector's deduction sheet as the agent and the QA lead read it
    for hit in reviewed.data.get("hits", []) if reviewed else []:
        mark = hit.get("reviewed")
        if mark not in ("upheld", "overturned", "manual"):
            continue
        comment = hit.get("detail", "") if mark == "manual" else (decisions.get(hit.get("rule")) or {}).get("comment", "")
        sheet.append({"title": hit.get("title") or "", "deduction": abs(float(hit.get("points") or 0)),
                      "kept": mark != "overturned", "manual": mark == "manual", "comment": comment or ""})
    appeals = list(review.appeals.select_related("by", "ruled_by"))
    appealed = {a.rule for a in appeals}
    now = timezone.now()
    return {
        "review": review,
        "review_state": STATE_LABELS.get(review.state, review.state),
        "sampled_because": SAMPLED_BECAUSE.get(review.reason, ""),
        "reviewed": reviewed,
        "deductions": deductions,
        "sheet": sheet,
        "appeals": appeals,
        "can_claim": review.state == "queued" and user.can(Cap.QA_INSPECT)
        and (review.inspector_id in (None, user.pk) or user.can(Cap.QA_LEAD)),
        "can_review": review.state == "in_review" and (review.inspector_id == user.pk or user.can(Cap.QA_LEAD)),
        "review_hits": [h for h in review.auto_card.data.get("hits", []) if h.get("outcome") == "fail"],
        "can_appeal": review.state == "reviewed" and conversation.agent_id == user.pk
        and review.appeal_due is not None and now <= review.appeal_due,
        "appealable": [h for h in deductions if h["rule"] not in appealed],
        "can_rule": review.state == "appealed" and user.can(Cap.QA_LEAD),
        "manual_slots": range(3),
    }
