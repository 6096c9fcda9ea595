"""Churn risk under number portability (携号转网风险) and the retention queue.

Implements complaint.churn (a badly handled complaint is a lost customer), customer.retention,
customer.phone_manager and customer.vip_services (the suggested care: a call, a visit, a
holiday or birthday greeting). The score is a sum of points for the signals the seeds name,
capped at 100, and every point comes with its reason in words, so the person calling knows why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.accounts.models import User
from kefu.accounts.roles import Cap
from kefu.complaints.models import Complaint, FollowUp
from kefu.customers.choices import TIER_RANK
from kefu.customers.models import Contact, Customer
from kefu.insights.models import ChurnRisk, RetentionAction
from kefu.lib.errors import Conflict, InvalidInput, NotAllowed
from kefu.lib.textnorm import to_simplified

WINDOW_DAYS = 90
QUEUE_THRESHOLD = 40  # a score from here up enters the retention queue
QUIET_DAYS = 30  # after a care action the customer leaves the queue for this long
PORTING_WORDS = ("携号转网", "转网", "转出", "销户")

# Each signal: points per occurrence, the cap, and the reason shown (%(n)d: how many).
SIGNALS: dict[str, tuple[int, int, Any]] = {
    "porting": (30, 30, gettext_lazy("Asked about number portability or closing the account (%(n)d×)")),
    "complaints": (10, 30, gettext_lazy("%(n)d complaints in the last 90 days")),
    "repeat": (15, 15, gettext_lazy("Complained again about the same matter")),
    "dissatisfied": (15, 15, gettext_lazy("Dissatisfied at the follow-up visit")),
    "regulator": (20, 20, gettext_lazy("Complained to a regulator (MIIT, 12315, 12345)")),
    "low_survey": (10, 15, gettext_lazy("Low satisfaction survey answer (%(n)d×)")),
    "negative_qa": (10, 10, gettext_lazy("A recorded conversation predicted dissatisfied")),
    "new_customer": (10, 10, gettext_lazy("Customer for less than a year")),
    "high_value": (5, 5, gettext_lazy("High-value customer (VIP or group)")),
}


def score(signals: Mapping[str, int]) -> tuple[int, list[dict[str, Any]]]:
    """Points and reasons for one customer's signal counts (pure)."""
    total = 0
    reasons: list[dict[str, Any]] = []
    for code, (points, cap, _label) in SIGNALS.items():
        n = int(signals.get(code, 0))
        if n <= 0:
            continue
        got = min(points * n, cap)
        total += got
        reasons.append({"code": code, "points": got, "n": n})
    reasons.sort(key=lambda r: -r["points"])
    return min(total, 100), reasons


def reason_text(reason: Mapping[str, Any]) -> str:
    label = SIGNALS.get(reason.get("code", ""), (0, 0, reason.get("code", "")))[2]
    text = str(label)
    return text % {"n": reason.get("n", 1)} if "%(n)d" in text else text


# --- the signals from the database ----------------------------------------------------------------


def _counts(qs: QuerySet[Any], field: str = "customer_id") -> dict[int, int]:
    return {k: n for k, n in qs.values(field).annotate(n=Count("pk")).values_list(field, "n") if k is not None}


def signals(now: datetime) -> dict[int, dict[str, int]]:
    """Customer id → signal counts over the last 90 days (customers with at least one complaint or
    porting enquiry; a quiet customer has no risk to work)."""
    since = now - timedelta(days=WINDOW_DAYS)
    recent = Complaint.objects.filter(received_at__gte=since, customer__isnull=False)
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for customer, n in _counts(recent).items():
        out[customer]["complaints"] = n
    for customer, n in _counts(recent.filter(is_repeat=True)).items():
        out[customer]["repeat"] = n
    for customer, n in _counts(recent.filter(is_regulator=True)).items():
        out[customer]["regulator"] = n
    unhappy = FollowUp.objects.filter(at__gte=since, complaint__customer__isnull=False).filter(
        Q(helped=False) | Q(done=False) | Q(satisfaction__lt=3))
    for customer, n in _counts(unhappy, "complaint__customer_id").items():
        out[customer]["dissatisfied"] = n
    porting_q = Q()
    for word in PORTING_WORDS:
        porting_q |= Q(summary__contains=word) | Q(detail__contains=word)
    for customer, n in _counts(Contact.objects.filter(porting_q, occurred_at__gte=since, customer__isnull=False)).items():
        out[customer]["porting"] = n
    complaint_q = Q()
    for word in PORTING_WORDS[:2]:
        complaint_q |= Q(subject__contains=word) | Q(content__contains=word)
    for customer, n in _counts(recent.filter(complaint_q)).items():
        out[customer]["porting"] = out[customer].get("porting", 0) + n
    for customer, n in _low_surveys(since).items():
        if customer in out:
            out[customer]["low_survey"] = n
    for customer, n in _negative_conversations(since).items():
        if customer in out:
            out[customer]["negative_qa"] = n
    year_ago = (now - timedelta(days=365)).date()
    for pk, since_day, tier in Customer.objects.filter(pk__in=list(out)).values_list("pk", "customer_since", "tier"):
        if since_day is not None and since_day > year_ago:
            out[pk]["new_customer"] = 1
        if _rank(tier) >= 2:
            out[pk]["high_value"] = 1
    return dict(out)


def _low_surveys(since: datetime) -> dict[int, int]:
    try:
        from kefu.surveys.selectors import low_answers_by_customer
    except ImportError:  # the surveys app is optional
        return {}
    return low_answers_by_customer(since)


def _negative_conversations(since: datetime) -> dict[int, int]:
    try:
        from kefu.quality.models import Prediction
    except ImportError:
        return {}
    rows = Prediction.objects.filter(value__lt=40, conversation__started_at__gte=since,
                                     conversation__customer__isnull=False)
    return _counts(rows, "conversation__customer_id")


# --- the suggested care action (customer.vip_services, customer.phone_manager) ------------------


def _rank(tier: str) -> int:
    ranks: dict[str, int] = {str(k): v for k, v in TIER_RANK.items()}
    return ranks.get(tier, 0)


def birthday(id_number: str) -> tuple[int, int] | None:
    """(month, day) from an 18-digit resident ID number, if it holds a plausible one."""
    raw = (id_number or "").strip()
    if len(raw) != 18 or not raw[:17].isdecimal():
        return None
    month, day = int(raw[10:12]), int(raw[12:14])
    return (month, day) if 1 <= month <= 12 and 1 <= day <= 31 else None


def _days_until(month_day: tuple[int, int], today: date) -> int:
    for year in (today.year, today.year + 1):
        try:
            when = date(year, *month_day)
        except ValueError:  # 29 February
            when = date(year, month_day[0], 28)
        if when >= today:
            return (when - today).days
    return 366


def suggested_action(*, tier: str, id_number: str, today: date) -> str:
    """A visit for the highest tiers, a birthday greeting when it is near, else a care call."""
    if _rank(tier) >= 3:
        return RetentionAction.Kind.VISIT
    born = birthday(id_number)
    if born is not None and _days_until(born, today) <= 14:
        return RetentionAction.Kind.GREETING
    return RetentionAction.Kind.CALL


# --- refresh, queue, actions --------------------------------------------------------------------


def refresh(now: datetime | None = None) -> int:
    """Recompute every customer's risk (a background job); return how many have a score."""
    now = now or timezone.now()
    found = signals(now)
    customers = {pk: (tier, idn) for pk, tier, idn in
                 Customer.objects.filter(pk__in=list(found)).values_list("pk", "tier", "id_number")}
    rows = []
    for pk, counts in found.items():
        if pk not in customers:
            continue
        value, reasons = score(counts)
        tier, id_number = customers[pk]
        rows.append(ChurnRisk(customer_id=pk, score=value, reasons=reasons, computed_at=now,
                              action=suggested_action(tier=tier, id_number=id_number, today=timezone.localdate(now))))
    with transaction.atomic():
        ChurnRisk.objects.all().delete()
        ChurnRisk.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


@dataclass
class QueueItem:
    risk: ChurnRisk
    customer: Customer
    reasons: list[str]
    action_label: str
    last_action: RetentionAction | None


def _scope(user: User) -> QuerySet[Customer]:
    if not user.can(Cap.RETENTION_WORK):
        raise NotAllowed(_("The retention queue is for account and phone managers."))
    if user.can(Cap.COMPLAINT_VIEW_ALL):  # the service manager sees everyone's
        return Customer.objects.all()
    return Customer.objects.filter(account_manager=user)


def retention_queue(*, user: User, now: datetime | None = None, limit: int = 100) -> list[QueueItem]:
    """Customers at risk the user looks after, highest first; recently cared-for ones rest a while."""
    now = now or timezone.now()
    mine = _scope(user).values("pk")
    resting = RetentionAction.objects.filter(at__gte=now - timedelta(days=QUIET_DAYS)).exclude(
        outcome=RetentionAction.Outcome.UNREACHED).values("customer_id")
    risks = list(ChurnRisk.objects.filter(score__gte=QUEUE_THRESHOLD, customer_id__in=mine)
                 .exclude(customer_id__in=resting).order_by("-score", "customer_id")[:limit])
    customers = Customer.objects.in_bulk([r.customer_id for r in risks])
    last: dict[int, RetentionAction] = {}
    for action in RetentionAction.objects.filter(customer_id__in=list(customers)).select_related("by").order_by("at"):
        last[action.customer_id] = action
    kinds = dict(RetentionAction.Kind.choices)
    return [
        QueueItem(r, customers[r.customer_id], [reason_text(x) for x in r.reasons], str(kinds.get(r.action, "")),
                  last.get(r.customer_id))
        for r in risks if r.customer_id in customers
    ]


def customer_for_retention(*, user: User, customer_id: int) -> Customer:
    """The getter of the action form: a customer the user looks after, or NotAllowed."""
    customer = _scope(user).filter(pk=customer_id).first()
    if customer is None:
        raise NotAllowed(_("This customer is not one you look after."))
    return customer


DUPLICATE_WITHIN = timedelta(minutes=1)


@transaction.atomic
def retention_record(*, actor: User, customer_id: int, kind: str, outcome: str, note: str = "") -> RetentionAction:
    """Record a care action taken (customer.retention); the customer then rests in the queue."""
    customer_for_retention(user=actor, customer_id=customer_id)
    errors = {}
    if kind not in RetentionAction.Kind.values:
        errors["kind"] = _("Choose what you did.")
    if outcome not in RetentionAction.Outcome.values:
        errors["outcome"] = _("Choose the outcome.")
    note = to_simplified((note or "").strip())
    if len(note) > 300:
        errors["note"] = _("At most %(n)d characters.") % {"n": 300}
    if errors:
        raise InvalidInput(_("Check the action."), errors=errors)
    # One winner when the form is sent twice (a double click, two tabs): the customer's row is locked
    # and an action recorded in the last minute makes this one a duplicate.
    Customer.objects.select_for_update().filter(pk=customer_id).values_list("pk", flat=True).first()
    recent = (RetentionAction.objects.filter(customer_id=customer_id, at__gte=timezone.now() - DUPLICATE_WITHIN)
              .select_related("by").order_by("-at").first())
    if recent is not None:
        raise Conflict(_("%(who)s recorded an action for this customer at %(when)s.") % {
            "who": recent.by, "when": timezone.localtime(recent.at).strftime("%H:%M:%S")})
    risk = ChurnRisk.objects.filter(customer_id=customer_id).values_list("score", flat=True).first() or 0
    return RetentionAction.objects.create(customer_id=customer_id, kind=kind, outcome=outcome, note=note,
                                          score_at=risk, by=actor)


def ranking_check(labelled: Iterable[tuple[int, bool]]) -> float | None:
    """AUC of the stored scores for customers labelled at risk (True) against the others."""
    pairs = list(labelled)
    scores = dict(ChurnRisk.objects.filter(customer_id__in=[c for c, _ in pairs]).values_list("customer_id", "score"))
    pos = [scores.get(c, 0) for c, y in pairs if y]
    neg = [scores.get(c, 0) for c, y in pairs if not y]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))
