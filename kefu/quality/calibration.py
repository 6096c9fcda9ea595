"""Calibration (校准): inspectors score the same conversations blind; the QA lead's scoring is the reference.

For each conversation a rater upholds or withdraws every failed rule of the automatic card and may add
manual deductions, giving a score by the rule of human reviews (``reviews._reviewed_card``). The report
compares each inspector with the lead: Cohen's κ on the uphold/withdraw decisions, Spearman's ρ and the
mean absolute difference of the scores; Krippendorff's α (nominal) measures the agreement of all raters
together. Inspectors see only their own answers until the lead closes the session.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.roles import ROLE_CAPS, Cap
from kefu.lib.errors import InvalidInput, NotAllowed
from kefu.quality.models import CalibrationItem, CalibrationScore, CalibrationSession, Conversation, Scorecard
from kefu.quality.reviews import clean_manual_items, deduction_score

MAX_CONVERSATIONS = 50
# Drift thresholds, overridable in settings: an inspector whose κ against the lead is below the first,
# or whose scores differ from the lead's by more than the second on average, is flagged.
DEFAULT_MIN_KAPPA = 0.6
DEFAULT_MAX_MAD = 10.0


def min_kappa() -> float:
    return float(getattr(settings, "KEFU_QA_CALIBRATION_MIN_KAPPA", DEFAULT_MIN_KAPPA))


def max_mad() -> float:
    return float(getattr(settings, "KEFU_QA_CALIBRATION_MAX_MAD", DEFAULT_MAX_MAD))


# ---------------------------------------------------------------- statistics (no Django)


def krippendorff_alpha_nominal(units: Iterable[Sequence[Hashable]]) -> float | None:
    """Krippendorff's α for nominal values; each unit lists the values its raters gave (missing ones left out).

    From the coincidence matrix (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"):
    o_ck = Σ_u (number of c–k pairs of values in u) / (m_u − 1), over units with m_u ≥ 2 values;
    n_c = Σ_k o_ck, n = Σ_c n_c; α = 1 − (n − 1) · Σ_{c≠k} o_ck / Σ_{c≠k} n_c · n_k.
    None when it is undefined: fewer than two pairable values, or every value the same.
    """
    coincidences: dict[tuple[Hashable, Hashable], Fraction] = defaultdict(Fraction)
    for values in units:
        m = len(values)
        if m < 2:
            continue  # a value nobody else rated cannot be paired
        counts: dict[Hashable, int] = defaultdict(int)
        for value in values:
            counts[value] += 1
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                pairs = n_c * (n_c - 1) if c == k else n_c * n_k
                coincidences[(c, k)] += Fraction(pairs, m - 1)
    totals: dict[Hashable, Fraction] = defaultdict(Fraction)
    for (c, _k), o in coincidences.items():
        totals[c] += o
    n = sum(totals.values(), Fraction(0))
    observed = sum((o for (c, k), o in coincidences.items() if c != k), Fraction(0))
    expected = sum((totals[c] * totals[k] for c in totals for k in totals if c != k), Fraction(0))
    if n < 2 or expected == 0:
        return None
    return float(1 - (n - 1) * observed / expected)


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's κ of two raters' labels on the same items; None when undefined (no items, one label only)."""
    from sklearn.metrics import cohen_kappa_score

    if len(a) != len(b):
        raise ValueError("both raters must label the same items")
    if not a or len(set(a) | set(b)) < 2:
        return None  # both gave one and the same label throughout: chance agreement is 1, κ is 0/0
    return float(cohen_kappa_score(list(a), list(b)))


def spearman_rho(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Spearman's ρ (ties get average ranks); None with fewer than two pairs or a constant side."""
    from scipy.stats import spearmanr

    if len(a) != len(b):
        raise ValueError("both raters must score the same items")
    if len(a) < 2 or len(set(a)) < 2 or len(set(b)) < 2:
        return None
    return float(spearmanr(list(a), list(b)).statistic)


def mean_abs_difference(a: Sequence[float], b: Sequence[float]) -> float | None:
    if len(a) != len(b):
        raise ValueError("both raters must score the same items")
    if not a:
        return None
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)


def share_equal(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    if not a:
        return None
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)


card_score = deduction_score  # calibration scores a card exactly as a review would


# ---------------------------------------------------------------- reads


@dataclass(frozen=True)
class FailedRule:
    rule: str
    title: str
    points: float  # the deduction, positive
    critical: bool
    turns: list[int]  # 1-based, as people count


def failed_rules(card: Scorecard) -> list[FailedRule]:
    rules = []
    for hit in card.data.get("hits", []):
        if hit.get("outcome") != "fail":
            continue
        turns = [e["turn"] + 1 for e in hit.get("evidence") or [] if isinstance(e.get("turn"), int)]
        rules.append(FailedRule(hit["rule"], hit.get("title") or hit["rule"], abs(float(hit.get("points") or 0)),
                                bool(hit.get("critical")), turns))
    return rules


def is_member(session: CalibrationSession, user: User) -> bool:
    return session.lead_id == user.pk or session.inspectors.filter(pk=user.pk).exists()


def sessions_for(user: User) -> QuerySet[CalibrationSession]:
    """The sessions a user leads or scores in, newest first, with their sizes."""
    return (
        CalibrationSession.objects.filter(Q(lead=user) | Q(inspectors=user))
        .distinct()
        .select_related("lead")
        .annotate(n_items=Count("items", distinct=True), n_inspectors=Count("inspectors", distinct=True))
    )


def calibration_get_for_user(*, pk: int, user: User) -> CalibrationSession:
    """The session, if ``user`` leads it or is one of its inspectors (NotAllowed otherwise; Http404 if none)."""
    session = CalibrationSession.objects.select_related("lead").filter(pk=pk).first()
    if session is None:
        raise Http404("no such calibration session")
    if not is_member(session, user):
        raise NotAllowed(_("You are not taking part in this calibration session."))
    return session


def candidate_conversations(*, limit: int = 60) -> list[tuple[Conversation, Scorecard]]:
    """Recently scored conversations the lead may pick, newest first, with their current automatic card."""
    cards = (
        Scorecard.objects.filter(kind=Scorecard.Kind.AUTO, current=True)
        .select_related("conversation", "conversation__agent")
        .order_by("-conversation__started_at", "-conversation_id")[:limit]
    )
    return [(card.conversation, card) for card in cards]


def inspector_roles() -> list[str]:
    return [role for role, caps in ROLE_CAPS.items() if Cap.QA_INSPECT in caps and Cap.ADMIN not in caps]


def candidate_inspectors(lead: User) -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=inspector_roles()).exclude(pk=lead.pk).order_by("full_name", "pk")


@dataclass(frozen=True)
class Progress:
    rater: User
    scored: int
    total: int


def progress(session: CalibrationSession) -> list[Progress]:
    """How many conversations each rater has scored (counts only: the answers stay blind)."""
    total = session.items.count()
    counts = dict(
        CalibrationScore.objects.filter(item__session=session).values_list("rater").annotate(n=Count("pk"))
    )
    raters = [session.lead, *session.inspectors.order_by("full_name", "pk")]
    return [Progress(r, counts.get(r.pk, 0), total) for r in raters]


def report_visible(session: CalibrationSession, user: User) -> bool:
    """The lead sees the report at any time; the inspectors once the session is closed."""
    if session.lead_id == user.pk:
        return True
    return session.state == CalibrationSession.State.CLOSED and is_member(session, user)


# ---------------------------------------------------------------- writes


@transaction.atomic
def calibration_create(
    *, actor: User, title: str, conversation_ids: Sequence[int], inspector_ids: Sequence[int]
) -> CalibrationSession:
    """The QA lead opens a session on scored conversations for some inspectors; the lead is the reference."""
    if not actor.can(Cap.QA_LEAD):
        raise NotAllowed(_("Only the QA lead sets up calibration sessions."))
    errors: dict[str, str] = {}
    conv_ids = list(dict.fromkeys(int(i) for i in conversation_ids))
    insp_ids = list(dict.fromkeys(int(i) for i in inspector_ids if int(i) != actor.pk))
    cards = {
        c.conversation_id: c
        for c in Scorecard.objects.filter(conversation_id__in=conv_ids, kind=Scorecard.Kind.AUTO, current=True)
    }
    if not conv_ids:
        errors["conversations"] = _("Pick at least one conversation.")
    elif len(conv_ids) > MAX_CONVERSATIONS:
        errors["conversations"] = _("At most %(n)d conversations in one session.") % {"n": MAX_CONVERSATIONS}
    elif len(cards) != len(conv_ids):
        errors["conversations"] = _("Only scored conversations can be calibrated.")
    inspectors = list(candidate_inspectors(actor).filter(pk__in=insp_ids))
    if not insp_ids:
        errors["inspectors"] = _("Pick at least one inspector.")
    elif len(inspectors) != len(insp_ids):
        errors["inspectors"] = _("Only active quality inspectors can take part.")
    if errors:
        raise InvalidInput(_("Please correct the errors below."), errors=errors)
    now = timezone.now()
    title = str(title or "").strip()[:120] or _("Calibration %(date)s") % {"date": timezone.localtime(now).strftime("%Y-%m-%d")}
    session = CalibrationSession.objects.create(title=title, lead=actor, created_at=now)
    session.inspectors.set(inspectors)
    CalibrationItem.objects.bulk_create(
        CalibrationItem(session=session, conversation_id=cid, card=cards[cid], position=i)
        for i, cid in enumerate(conv_ids)
    )
    return session


def _clean_answer(
    item: CalibrationItem, decisions: dict[str, dict[str, Any]], manual: list[dict[str, Any]]
) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    clean = {}
    for rule in failed_rules(item.card):
        decision = decisions.get(rule.rule) or {}
        clean[rule.rule] = {"upheld": bool(decision.get("upheld", True)),
                            "comment": str(decision.get("comment") or "").strip()[:500]}
    errors: dict[str, str] = {}
    items = clean_manual_items(manual, errors)
    if errors:
        raise InvalidInput(_("Please correct the errors below."), errors=errors)
    return clean, items


@transaction.atomic
def calibration_score(
    *, item: CalibrationItem, actor: User, decisions: dict[str, dict[str, Any]], manual: list[dict[str, Any]]
) -> CalibrationScore:
    """A rater's answer on one conversation; a second one replaces the first while the session is open.

    Holds the session's row lock, so an answer and the closing of the session never cross.
    """
    session = CalibrationSession.objects.select_for_update().get(pk=item.session_id)
    if session.lead_id == actor.pk:
        if not actor.can(Cap.QA_LEAD):
            raise NotAllowed(_("You are no longer the QA lead."))
    elif not (session.inspectors.filter(pk=actor.pk).exists() and actor.can(Cap.QA_INSPECT)):
        raise NotAllowed(_("You are not taking part in this calibration session, so you cannot score it."))
    if session.state != CalibrationSession.State.OPEN:
        closed = timezone.localtime(session.closed_at).strftime("%Y-%m-%d %H:%M") if session.closed_at else "—"
        raise InvalidInput(_("The session was closed at %(when)s; answers can no longer change.") % {"when": closed})
    clean, items = _clean_answer(item, decisions, manual)
    withdrawn = {rule for rule, d in clean.items() if not d["upheld"]}
    score = card_score(item.card.data, withdrawn=withdrawn, manual_points=[Decimal(str(m["points"])) for m in items])
    now = timezone.now()
    answer, created = CalibrationScore.objects.get_or_create(
        item=item, rater=actor, defaults={"decisions": clean, "manual": items, "score": score, "submitted_at": now}
    )
    if not created:
        answer.decisions, answer.manual, answer.score, answer.submitted_at = clean, items, score, now
        answer.submissions += 1
        answer.save(update_fields=["decisions", "manual", "score", "submitted_at", "submissions"])
    return answer


@transaction.atomic
def calibration_close(*, session: CalibrationSession, actor: User) -> CalibrationSession:
    """The lead closes the session once their reference scoring is complete; answers are then final and shown."""
    locked = CalibrationSession.objects.select_for_update().get(pk=session.pk)
    if locked.lead_id != actor.pk or not actor.can(Cap.QA_LEAD):
        raise NotAllowed(_("Only the QA lead of this session can close it."))
    if locked.state != CalibrationSession.State.OPEN:
        raise InvalidInput(_("This session is closed already."))
    missing = locked.items.exclude(scores__rater=actor).count()
    if missing:
        raise InvalidInput(
            _("Score every conversation yourself first: your scoring is the reference (%(n)d to go).") % {"n": missing}
        )
    locked.state = CalibrationSession.State.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["state", "closed_at"])
    return locked


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class RaterAgreement:
    """One inspector against the lead's reference."""

    rater: User
    conversations: int  # scored by both
    decisions: int  # uphold/withdraw decisions compared
    agreement: float | None  # share of equal decisions
    kappa: float | None
    rho: float | None
    mad: float | None
    drift: list[str]  # why the inspector is flagged, empty when not

    @property
    def drifting(self) -> bool:
        return bool(self.drift)


@dataclass(frozen=True)
class RuleAgreement:
    rule: str
    title: str
    conversations: int  # where the automatic card failed it
    decisions: int  # inspector decisions compared with the lead's
    agreement: float | None
    kappa: float | None  # every inspector's decisions pooled against the lead's
    alpha: float | None  # all raters together
    upheld_by_lead: int


@dataclass(frozen=True)
class RuleCell:
    title: str
    answers: list[bool | None]  # upheld, per rater (lead first); None: not scored


@dataclass(frozen=True)
class ItemRow:
    item: CalibrationItem
    auto_score: Decimal
    scores: list[Decimal | None]  # per rater, lead first
    rules: list[RuleCell]
    manual: list[list[dict[str, Any]]]  # per rater

    @property
    def has_manual(self) -> bool:
        return any(self.manual)


@dataclass
class Report:
    session: CalibrationSession
    raters: list[User]  # the lead first, then the inspectors
    inspectors: list[RaterAgreement]
    rules: list[RuleAgreement]
    items: list[ItemRow]
    alpha: float | None  # Krippendorff's α over every decision of every rater
    alpha_units: int
    missing_reference: int  # conversations the lead has not scored: left out of the comparisons
    min_kappa: float = field(default_factory=min_kappa)
    max_mad: float = field(default_factory=max_mad)


def calibration_report(*, session: CalibrationSession, user: User) -> Report:
    """Agreement per inspector and per rule against the lead, and α across everyone (four queries)."""
    if not report_visible(session, user):
        raise NotAllowed(_("The results are shown to the inspectors once the QA lead closes the session."))
    lead = session.lead
    inspectors = list(session.inspectors.order_by("full_name", "pk"))
    raters = [lead, *inspectors]
    items = list(session.items.select_related("card", "conversation", "conversation__agent"))
    answers: dict[tuple[int, int], CalibrationScore] = {
        (s.item_id, s.rater_id): s for s in CalibrationScore.objects.filter(item__session=session)
    }

    def upheld(answer: CalibrationScore | None, rule: str) -> bool | None:
        if answer is None:
            return None
        return bool((answer.decisions.get(rule) or {}).get("upheld", True))

    titles: dict[str, str] = {}
    by_rule_units: dict[str, list[list[bool]]] = defaultdict(list)
    by_rule_pairs: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    by_rule_lead_upheld: dict[str, int] = defaultdict(int)
    by_rule_conversations: dict[str, int] = defaultdict(int)
    pairs: dict[int, list[tuple[bool, bool]]] = defaultdict(list)
    score_pairs: dict[int, list[tuple[float, float]]] = defaultdict(list)
    all_units: list[list[bool]] = []
    rows: list[ItemRow] = []
    missing_reference = 0
    for item in items:
        reference = answers.get((item.pk, lead.pk))
        missing_reference += reference is None
        row_answers = [answers.get((item.pk, r.pk)) for r in raters]
        cells = []
        for failed in failed_rules(item.card):
            key = failed.rule
            titles.setdefault(key, failed.title)
            by_rule_conversations[key] += 1
            values = [upheld(a, key) for a in row_answers]
            cells.append(RuleCell(failed.title, values))
            given = [v for v in values if v is not None]
            by_rule_units[key].append(given)
            all_units.append(given)
            lead_value = values[0]
            if lead_value is None:
                continue
            by_rule_lead_upheld[key] += lead_value
            for inspector, value in zip(inspectors, values[1:], strict=True):
                if value is not None:
                    pairs[inspector.pk].append((lead_value, value))
                    by_rule_pairs[key].append((lead_value, value))
        if reference is not None:
            for inspector, answer in zip(inspectors, row_answers[1:], strict=True):
                if answer is not None:
                    score_pairs[inspector.pk].append((float(reference.score), float(answer.score)))
        rows.append(ItemRow(item, item.card.score, [a.score if a else None for a in row_answers], cells,
                            [a.manual if a else [] for a in row_answers]))

    low_kappa, high_mad = min_kappa(), max_mad()
    agreements = []
    for inspector in inspectors:
        ref, theirs = _unzip(pairs[inspector.pk])
        ref_scores, their_scores = _unzip(score_pairs[inspector.pk])
        kappa = cohen_kappa(ref, theirs)
        mad = mean_abs_difference(ref_scores, their_scores)
        drift = []
        if kappa is not None and kappa < low_kappa:
            drift.append(_("κ below %(min)s") % {"min": f"{low_kappa:g}"})
        if mad is not None and mad > high_mad:
            drift.append(_("scores more than %(max)s points from the lead's on average") % {"max": f"{high_mad:g}"})
        agreements.append(RaterAgreement(
            inspector, len(ref_scores), len(ref), share_equal(ref, theirs), kappa,
            spearman_rho(ref_scores, their_scores), mad, drift,
        ))
    rules = []
    for rule, title in titles.items():
        ref, theirs = _unzip(by_rule_pairs[rule])
        rules.append(RuleAgreement(
            rule, title, by_rule_conversations[rule], len(ref), share_equal(ref, theirs), cohen_kappa(ref, theirs),
            krippendorff_alpha_nominal(by_rule_units[rule]), by_rule_lead_upheld[rule],
        ))
    rules.sort(key=lambda r: (r.agreement if r.agreement is not None else 2.0, r.title))
    return Report(
        session=session, raters=raters, inspectors=agreements, rules=rules, items=rows,
        alpha=krippendorff_alpha_nominal(all_units), alpha_units=sum(1 for u in all_units if len(u) >= 2),
        missing_reference=missing_reference, min_kappa=low_kappa, max_mad=high_mad,
    )


def _unzip(pairs: list[tuple[Any, Any]]) -> tuple[list[Any], list[Any]]:
    return [a for a, _b in pairs], [b for _a, b in pairs]
