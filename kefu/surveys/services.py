"""Writes of the survey app: plan a survey when a service finishes, send and remind, take the
customer's answer (first answer stands), open and close the follow-up of a low answer, SERVQUAL at
the counter, the management-perception questionnaire and the rules.

Permission checks are here as well as in the views (``_require``). Every write is atomic.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.accounts.roles import Cap, Role
from kefu.customers.choices import CallerCategory, Channel
from kefu.customers.models import Customer
from kefu.lib.errors import Conflict, InvalidInput, NotAllowed
from kefu.lib.masking import mask_phone
from kefu.lib.textnorm import to_simplified
from kefu.surveys import sources, tokens
from kefu.surveys.catalogue import questionnaire
from kefu.surveys.core import rules as core
from kefu.surveys.models import (
    LOW_CSAT,
    Dimension,
    FollowUpTask,
    LowReason,
    ManagementAnswer,
    Outbound,
    Rule,
    ServqualResponse,
    ServqualScore,
    SourceKind,
    Survey,
)

log = logging.getLogger(__name__)

CALLBACK_HOURS = 24  # a low answer is called back within a day (the promise gap 4 counts as kept or not)
COMMENT_MAX = 500
SEND_BATCH = 500


def _require(actor: User, cap: Cap, message: str) -> None:
    if not actor.can(cap):
        raise NotAllowed(message)


# --------------------------------------------------------------------------- planning


def harassment_listed(phone_digits: str) -> bool:
    """Whether the insights app lists this number as a harassment source (harass.prevent); when that
    app offers no list (yet), nobody is listed."""
    try:
        from kefu.insights.selectors import harassment_listed as listed
    except ImportError:
        return False
    return bool(listed(phone_digits))


def rule_for(source: sources.Source) -> Rule | None:
    """The most specific rule: same channel and type beats same channel beats any channel."""
    candidates = Rule.objects.filter(source_kind=source.kind).filter(
        Q(channel="") | Q(channel=source.channel)).filter(Q(category="") | Q(category=source.category))
    best = sorted(candidates, key=lambda r: (bool(r.channel), bool(r.category)), reverse=True)
    return best[0] if best else None


def _asked_near(source: sources.Source, days: int) -> datetime | None:
    """When this customer (or number) was surveyed within ``days`` of this service, either side
    (services may be recorded out of order), or None."""
    recent = Survey.objects.filter(customer_id=source.customer_id) if source.customer_id else Survey.objects.filter(
        phone=source.phone)
    window = timedelta(days=days)
    return (recent.filter(service_at__gt=source.finished_at - window, service_at__lt=source.finished_at + window)
            .values_list("service_at", flat=True).first())


def survey_plan(*, kind: str, pk: int) -> Survey | None:
    """Decide whether the customer of service ``kind``/``pk`` is asked, and if so schedule the survey.

    Idempotent: a service gets at most one survey (a second call returns the first). Harassment
    contacts are never surveyed.
    """
    existing = Survey.objects.filter(source_kind=kind, source_id=pk).first()
    if existing is not None:
        return existing
    source = sources.read(kind, pk)
    if source is None or source.category == CallerCategory.HARASSMENT:
        return None
    rule = rule_for(source)
    spec = None if rule is None else core.RuleSpec(rule.enabled, rule.sample_every, rule.cooldown_days,
                                                    rule.delay_minutes, rule.servqual_every)
    digits = source.digits
    decision = core.decide(
        rule=spec, kind=kind, pk=pk, phone_digits=digits, finished_at=source.finished_at,
        last_asked_at=_asked_near(source, spec.cooldown_days) if spec is not None and spec.enabled else None,
        listed=bool(spec and spec.enabled and len(digits) >= 7 and harassment_listed(digits)),
    )
    if not decision.ask or rule is None or decision.send_after is None:
        return None
    try:
        with transaction.atomic():
            return Survey.objects.create(
                source_kind=kind, source_id=pk, customer_id=source.customer_id, phone=source.phone,
                channel=source.channel, category=source.category, agent_id=source.agent_id, rule=rule,
                with_servqual=decision.with_servqual, nonce=secrets.token_hex(8), service_at=source.finished_at,
                send_after=decision.send_after, reminder_hours=rule.reminder_hours, expires_days=rule.expires_days,
            )
    except IntegrityError:  # planned concurrently by a second call: the first one stands
        return Survey.objects.filter(source_kind=kind, source_id=pk).first()


def on_outcome(kind: str, pk: int) -> None:
    """Listener of ``kefu.lib.outcomes``: plan a survey inside the writer's transaction.

    A failure here must never undo the contact or complaint that was recorded: it runs in a
    savepoint and is logged.
    """
    if kind not in SourceKind.values:
        return
    try:
        with transaction.atomic():
            survey_plan(kind=kind, pk=pk)
    except Exception:
        log.exception("survey not planned for %s %s", kind, pk)


# --------------------------------------------------------------------------- sending


def link(survey: Survey) -> str:
    """The customer's absolute survey link (KEFU_SITE_URL + /s/<signed token>/)."""
    path = reverse("survey_public:answer", args=[tokens.make(survey.pk, survey.nonce)])
    return settings.KEFU_SITE_URL.rstrip("/") + path


def _message(survey: Survey, kind: str) -> str:
    company = settings.KEFU_COMPANY_NAME
    if kind == Outbound.Kind.REMINDER:
        text = _("[%(company)s] A reminder: we would value one minute of your time to rate our recent service: "
                 "%(link)s") % {"company": company, "link": link(survey)}
    else:
        text = _("[%(company)s] Thank you for contacting us. Please rate our service in one minute: %(link)s "
                 "(valid for %(days)d days)") % {"company": company, "link": link(survey), "days": survey.expires_days}
    return text[:300]


def _deliver(survey: Survey, kind: str, now: datetime) -> None:
    """The console SMS backend: the message is stored and logged with the number masked."""
    body = _message(survey, kind)
    Outbound.objects.create(survey=survey, kind=kind, to=survey.phone, body=body, at=now)
    log.info("survey sms %s to %s: survey %s", kind, mask_phone(survey.phone), survey.pk)


@dataclass
class SendReport:
    sent: int = 0
    reminded: int = 0
    expired: int = 0


def surveys_send_due(*, now: datetime | None = None) -> SendReport:
    """The scheduled job: send what is due, remind once, expire what outlived its link.

    Each survey is claimed with a conditional update, so two workers never send one twice.
    """
    now = now or timezone.now()
    report = SendReport()
    due = list(Survey.objects.filter(state=Survey.State.SCHEDULED, send_after__lte=now)
               .order_by("send_after")[:SEND_BATCH])
    for survey in due:
        with transaction.atomic():
            expires = now + timedelta(days=survey.expires_days)
            if Survey.objects.filter(pk=survey.pk, state=Survey.State.SCHEDULED).update(
                    state=Survey.State.SENT, sent_at=now, expires_at=expires) != 1:
                continue
            survey.state, survey.sent_at, survey.expires_at = Survey.State.SENT, now, expires
            _deliver(survey, Outbound.Kind.INVITE, now)
            report.sent += 1
    waiting = Survey.objects.filter(state=Survey.State.SENT, reminded_at__isnull=True, reminder_hours__gt=0,
                                    expires_at__gt=now, sent_at__lte=now - timedelta(hours=1))
    for survey in waiting.order_by("sent_at")[:SEND_BATCH]:
        if not core.reminder_due(sent_at=survey.sent_at, reminded_at=None, answered=False,
                                 reminder_hours=survey.reminder_hours, now=now):
            continue
        with transaction.atomic():
            if Survey.objects.filter(pk=survey.pk, state=Survey.State.SENT, reminded_at__isnull=True).update(
                    reminded_at=now) != 1:
                continue
            _deliver(survey, Outbound.Kind.REMINDER, now)
            report.reminded += 1
    report.expired = Survey.objects.filter(state=Survey.State.SENT, expires_at__lte=now).update(
        state=Survey.State.EXPIRED)
    return report


# --------------------------------------------------------------------------- answering


class AlreadyAnswered(Conflict):
    def __init__(self, answered_at: datetime) -> None:
        super().__init__(_("This survey was already answered on %(when)s; the first answer stands.") % {
            "when": timezone.localtime(answered_at).strftime("%Y-%m-%d %H:%M")})
        self.answered_at = answered_at


class LinkExpired(InvalidInput):
    pass


def _int_in(value: Any, low: int, high: int) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def clean_servqual(answers: Mapping[str, Any] | None) -> dict[str, tuple[int, int]]:
    """``{item: (expectation, perception)}`` checked against the questionnaire; either every item
    is answered or none (a half-answered pair cannot be compared)."""
    if not answers:
        return {}
    q = questionnaire()
    out: dict[str, tuple[int, int]] = {}
    errors: dict[str, str] = {}
    for item in q.items:
        pair = answers.get(item.id)
        if not isinstance(pair, list | tuple) or len(pair) != 2 or "" in pair or None in pair:
            errors[f"servqual.{item.id}"] = _("Please rate both statements.")
            continue
        e, p = _int_in(pair[0], q.scale_min, q.scale_max), _int_in(pair[1], q.scale_min, q.scale_max)
        if e is None or p is None:
            errors[f"servqual.{item.id}"] = _("Please pick a value from %(low)d to %(high)d.") % {
                "low": q.scale_min, "high": q.scale_max}
            continue
        out[item.id] = (e, p)
    unknown = set(answers) - {i.id for i in q.items}
    if unknown:
        errors["servqual"] = _("Unknown questionnaire items.")
    if errors:
        raise InvalidInput(_("Please answer every statement of the questionnaire, or none."), errors=errors)
    return out


def _record_servqual(*, pairs: dict[str, tuple[int, int]], mode: str, channel: str, now: datetime,
                     survey: Survey | None = None, customer: Customer | None = None,
                     taken_by: User | None = None) -> ServqualResponse:
    q = questionnaire()
    response = ServqualResponse.objects.create(mode=mode, channel=channel, survey=survey, customer=customer,
                                               taken_by=taken_by, taken_at=now)
    ServqualScore.objects.bulk_create([
        ServqualScore(response=response, item=item_id, dimension=q.item(item_id).dimension,  # type: ignore[union-attr]
                      expectation=e, perception=p)
        for item_id, (e, p) in pairs.items()
    ])
    return response


def _supervisors_of(agent_id: int | None) -> list[User]:
    people = User.objects.filter(role=Role.SUPERVISOR, is_active=True)
    if agent_id is not None:
        department = User.objects.filter(pk=agent_id).values_list("department_id", flat=True).first()
        if department is not None:
            mine = list(people.filter(department_id=department).order_by("pk"))
            if mine:
                return mine
    return list(people.order_by("pk"))


@transaction.atomic
def survey_answer(*, survey: Survey, csat: Any, nps: Any = None, reasons: Sequence[str] = (), comment: str = "",
                  servqual: Mapping[str, Any] | None = None, now: datetime | None = None) -> Survey:
    """The customer's answer. The first answer stands: a second one (a double tap, a link opened
    twice) gets ``AlreadyAnswered`` and changes nothing. A low answer opens a follow-up task and
    tells the agent's supervisor."""
    now = now or timezone.now()
    errors: dict[str, str] = {}
    score = _int_in(csat, 1, 5)
    if score is None:
        errors["csat"] = _("Please choose how satisfied you are, from 1 to 5.")
    recommend = None
    if nps not in (None, ""):
        recommend = _int_in(nps, 0, 10)
        if recommend is None:
            errors["nps"] = _("Please pick a value from 0 to 10.")
    picked = [r for r in dict.fromkeys(reasons) if r]
    if any(r not in LowReason.values for r in picked):
        errors["reasons"] = _("Please pick reasons from the list.")
    text = to_simplified((comment or "").strip())
    if len(text) > COMMENT_MAX:
        errors["comment"] = _("At most %(n)d characters, please.") % {"n": COMMENT_MAX}
    pairs: dict[str, tuple[int, int]] = {}
    if survey.with_servqual and servqual:
        try:
            pairs = clean_servqual(servqual)
        except InvalidInput as exc:
            errors.update(exc.errors)
    if errors:
        raise InvalidInput(_("Please correct the errors below."), errors=errors)
    assert score is not None
    if score > LOW_CSAT:
        picked = []  # reasons are asked only when the answer is low
    won = Survey.objects.filter(pk=survey.pk, answered_at__isnull=True, state=Survey.State.SENT,
                                expires_at__gt=now).update(
        state=Survey.State.ANSWERED, answered_at=now, csat=score, nps=recommend, reasons=picked, comment=text)
    if won != 1:
        current = Survey.objects.get(pk=survey.pk)
        if current.answered_at is not None:
            raise AlreadyAnswered(current.answered_at)
        raise LinkExpired(_("This survey link has expired."))
    survey.refresh_from_db()
    if pairs:
        _record_servqual(pairs=pairs, mode=ServqualResponse.Mode.LINK, channel=survey.channel or Channel.HOTLINE,
                         now=now, survey=survey, customer=survey.customer)
    if survey.is_low:
        _open_follow_up(survey, now)
    return survey


def _open_follow_up(survey: Survey, now: datetime) -> FollowUpTask:
    from kefu.notifications.models import Kind
    from kefu.notifications.services import Notice, notify

    supervisors = _supervisors_of(survey.agent_id)
    task = FollowUpTask.objects.create(survey=survey, assignee=supervisors[0] if supervisors else None,
                                       due_at=now + timedelta(hours=CALLBACK_HOURS), created_at=now)
    agent = User.objects.filter(pk=survey.agent_id).first() if survey.agent_id else None
    reasons = "、".join(str(LowReason(r).label) for r in survey.reasons)
    notify(supervisors, Notice(
        kind=Kind.SURVEY_LOW,
        title=_("Low survey answer (%(score)d/5) about %(agent)s") % {
            "score": survey.csat or 0, "agent": agent or _("an unknown agent")},
        body=(reasons + ("：" if reasons and survey.comment else "") + survey.comment)[:500],
        url=reverse("surveys:detail", args=[survey.pk]),
        key=f"survey-low:{survey.pk}",
    ))
    return task


def task_close(*, task: FollowUpTask, actor: User, note: str, now: datetime | None = None) -> FollowUpTask:
    """Record the call-back of a low answer (complaint.followup); one winner if two close it at once."""
    if not (actor.can(Cap.INSIGHT_VIEW) or actor.can(Cap.SURVEY_MANAGE) or task.assignee_id == actor.pk):
        raise NotAllowed(_("Only supervisors and managers close survey follow-ups."))
    text = to_simplified((note or "").strip())
    if not text:
        raise InvalidInput(_("Please say what was done."), errors={"note": _("This field is required.")})
    if len(text) > 2000:
        raise InvalidInput(_("Please correct the errors below."), errors={"note": _("At most 2000 characters.")})
    now = now or timezone.now()
    with transaction.atomic():
        if FollowUpTask.objects.filter(pk=task.pk, state=FollowUpTask.State.OPEN).update(
                state=FollowUpTask.State.DONE, done_at=now, done_by=actor, note=text) != 1:
            current = FollowUpTask.objects.select_related("done_by").get(pk=task.pk)
            raise Conflict(_("%(who)s closed this follow-up at %(when)s.") % {
                "who": current.done_by or _("someone"),
                "when": timezone.localtime(current.done_at).strftime("%Y-%m-%d %H:%M") if current.done_at else "",
            })
    task.refresh_from_db()
    return task


# --------------------------------------------------------------------------- SERVQUAL at the counter


@transaction.atomic
def servqual_at_counter(*, actor: User, channel: str, answers: Mapping[str, Any], customer: Customer | None = None,
                        now: datetime | None = None) -> ServqualResponse:
    """A customer fills in the questionnaire on the counter's tablet, opened by a signed-in agent."""
    _require(actor, Cap.CONTACT_LOG, _("Only front-line staff open the questionnaire for a customer."))
    if channel not in Channel.values:
        raise InvalidInput(_("Please correct the errors below."), errors={"channel": _("Unknown channel.")})
    pairs = clean_servqual(answers)
    if not pairs:
        raise InvalidInput(_("Please answer every statement of the questionnaire, or none."),
                           errors={"servqual": _("Nothing was answered.")})
    return _record_servqual(pairs=pairs, mode=ServqualResponse.Mode.KIOSK, channel=channel,
                            now=now or timezone.now(), customer=customer, taken_by=actor)


# --------------------------------------------------------------------------- management perception


@transaction.atomic
def management_answer(*, actor: User, answers: Mapping[str, tuple[Any, Any]],
                      now: datetime | None = None) -> list[ManagementAnswer]:
    """A manager's view, per dimension, of what customers expect and of how fully the written
    standards specify it (gaps 1 and 2 of satisfaction.gap_model)."""
    _require(actor, Cap.SURVEY_MANAGE, _("Only service managers answer the management questionnaire."))
    now = now or timezone.now()
    errors: dict[str, str] = {}
    rows = []
    for dim in Dimension.values:
        believed, coverage = answers.get(dim, (None, None))
        b, c = _int_in(believed, 1, 7), _int_in(coverage, 1, 7)
        if b is None or c is None:
            errors[dim] = _("Please pick a value from %(low)d to %(high)d.") % {"low": 1, "high": 7}
            continue
        rows.append(ManagementAnswer(respondent=actor, dimension=dim, believed_expectation=b, standard_coverage=c,
                                     at=now))
    if errors:
        raise InvalidInput(_("Please correct the errors below."), errors=errors)
    return ManagementAnswer.objects.bulk_create(rows)


# --------------------------------------------------------------------------- rules

RULE_FIELDS = ("source_kind", "channel", "category", "enabled", "sample_every", "cooldown_days", "delay_minutes",
               "reminder_hours", "expires_days", "servqual_every")

RECOMMENDED: tuple[dict[str, Any], ...] = (
    {"source_kind": SourceKind.COMPLAINT, "sample_every": 1, "cooldown_days": 7, "delay_minutes": 120,
     "servqual_every": 4},
    {"source_kind": SourceKind.CONTACT, "sample_every": 5, "cooldown_days": 30, "delay_minutes": 30,
     "servqual_every": 10},
    {"source_kind": SourceKind.CONTACT, "channel": Channel.COUNTER, "sample_every": 3, "cooldown_days": 30,
     "delay_minutes": 60, "servqual_every": 5},
    {"source_kind": SourceKind.WORK_ORDER, "sample_every": 1, "cooldown_days": 14, "delay_minutes": 60,
     "servqual_every": 4},
)


def _check_rule(data: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if data.get("source_kind") not in SourceKind.values:
        errors["source_kind"] = _("Unknown kind of service.")
    if data.get("channel", "") not in ("", *Channel.values):
        errors["channel"] = _("Unknown channel.")
    if data.get("category", "") not in ("", *CallerCategory.values):
        errors["category"] = _("Unknown contact type.")
    elif data.get("category") and data.get("source_kind") != SourceKind.CONTACT:
        errors["category"] = _("Only contacts have a type.")
    if data.get("category") == CallerCategory.HARASSMENT:
        errors["category"] = _("Harassment contacts are never surveyed.")
    bounds = {"sample_every": (1, 1000), "cooldown_days": (0, 365), "delay_minutes": (0, 10080),
              "reminder_hours": (0, 168), "expires_days": (1, 30), "servqual_every": (0, 1000)}
    clean = {k: data.get(k, "") for k in ("source_kind", "channel", "category")}
    clean["enabled"] = bool(data.get("enabled", True))
    for field, (low, high) in bounds.items():
        value = _int_in(data.get(field), low, high)
        if value is None:
            errors[field] = _("Please enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
        clean[field] = value
    if errors:
        raise InvalidInput(_("Please correct the errors below."), errors=errors)
    return clean


@transaction.atomic
def rule_save(*, actor: User, data: Mapping[str, Any], rule: Rule | None = None) -> Rule:
    _require(actor, Cap.SURVEY_MANAGE, _("Only service managers change survey rules."))
    clean = _check_rule(data)
    clash = Rule.objects.filter(source_kind=clean["source_kind"], channel=clean["channel"], category=clean["category"])
    if rule is not None:
        clash = clash.exclude(pk=rule.pk)
    if clash.exists():
        raise InvalidInput(_("A rule for this service, channel and type exists already."),
                           errors={"channel": _("A rule for this service, channel and type exists already.")})
    target = rule or Rule()
    for field in RULE_FIELDS:
        setattr(target, field, clean[field])
    target.updated_at, target.updated_by = timezone.now(), actor
    target.save()
    return target


@transaction.atomic
def rules_recommended(*, actor: User) -> int:
    """Create the recommended rules that are missing; returns how many were added."""
    _require(actor, Cap.SURVEY_MANAGE, _("Only service managers change survey rules."))
    added = 0
    for spec in RECOMMENDED:
        key = {"source_kind": spec["source_kind"], "channel": spec.get("channel", ""), "category": ""}
        if not Rule.objects.filter(**key).exists():
            Rule.objects.create(**key, **{k: v for k, v in spec.items() if k not in key}, updated_by=actor)
            added += 1
    return added
