"""Demo rows of the survey app: the recommended rules, surveys for the demo's contacts and closed
complaints in every state (scheduled, sent, reminded, answered — some low with follow-ups open or
done —, expired), SERVQUAL answers from links and the counter tablet, and the managers' answers to
the management questionnaire.

The demo's contacts were bulk-created (no outcome was announced), so their surveys are planned here
with the same rule arithmetic (``core.rules``), in bulk: a few hundred rows, well under a second.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from kefu.accounts.models import User
from kefu.accounts.roles import Role
from kefu.complaints.models import Complaint
from kefu.customers.models import Contact, Customer, PhoneNumber
from kefu.surveys import rollup, services, sources
from kefu.surveys.catalogue import questionnaire
from kefu.surveys.core import rules as core
from kefu.surveys.models import (
    LOW_CSAT,
    DailyFigures,
    Dimension,
    FollowUpTask,
    LowReason,
    ManagementAnswer,
    Outbound,
    RollupState,
    Rule,
    ServqualResponse,
    ServqualScore,
    Survey,
)

LOW_COMMENTS = (
    "问题拖了一个星期才解决，中间打了三次电话。",
    "客服一直让我等通知，结果没人回电。",
    "说好上午上门，下午四点才来。",
    "营业员态度冷淡，问两句就不耐烦。",
    "转了三个部门，每个人都让我重新说一遍。",
    "减免的话费到现在还没到账。",
    "解释了半天还是没听明白资费是怎么算的。",
)
GOOD_COMMENTS = (
    "处理很及时，谢谢！",
    "客服耐心解释，问题当场解决了。",
    "师傅准时上门，干活利索，还帮我把线整理好了。",
    "",
    "",
    "整体满意，希望热线能再快点接通。",
)
# Where the demo operator falls short (perception − expectation) per dimension: the SERVQUAL report
# and the gap page then show responsiveness clearly negative, tangibles slightly positive.
TRUE_GAP = {
    Dimension.RELIABILITY: -0.7,
    Dimension.ASSURANCE: 0.1,
    Dimension.RESPONSIVENESS: -1.3,
    Dimension.EMPATHY: -0.4,
    Dimension.TANGIBLES: 0.4,
}
EXPECT = {
    Dimension.RELIABILITY: 6.4,
    Dimension.ASSURANCE: 6.0,
    Dimension.RESPONSIVENESS: 6.2,
    Dimension.EMPATHY: 5.6,
    Dimension.TANGIBLES: 5.2,
}


def _clamp(value: float) -> int:
    return max(1, min(7, round(value)))


def _csat(rng: random.Random, kind: str) -> int:
    weights = [12, 10, 14, 30, 34] if kind == "complaint" else [4, 5, 11, 35, 45]
    return rng.choices([1, 2, 3, 4, 5], weights=weights)[0]


def _servqual_scores(rng: random.Random, response: ServqualResponse, shift: float = 0.0) -> list[ServqualScore]:
    rows = []
    person = rng.gauss(0, 0.4)  # some customers expect more across the board
    for item in questionnaire().items:
        dim = Dimension(item.dimension)
        e = _clamp(EXPECT[dim] + person + rng.gauss(0, 0.7))
        p = _clamp(e + TRUE_GAP[dim] + shift + rng.gauss(0, 0.9))
        rows.append(ServqualScore(response=response, item=item.id, dimension=dim, expectation=e, perception=p))
    return rows


def _candidates(world: Any) -> list[tuple[str, int, int | None, str, str, str, int | None, datetime]]:
    """(kind, pk, customer, phone, channel, category, agent, finished) for demo services, oldest first."""
    staff = [u.pk for u in world.staff.values()]
    rows: list[tuple[str, int, int | None, str, str, str, int | None, datetime]] = [
        ("contact", pk, customer, phone, channel, category, agent, at)
        for pk, customer, phone, channel, category, agent, at in Contact.objects.filter(agent_id__in=staff)
        .exclude(category="harassment").values_list("pk", "customer_id", "phone", "channel", "category", "agent_id",
                                                     "occurred_at")
    ]
    rows += [
        ("complaint", pk, customer, phone, channel, "", handler or creator, closed)  # type: ignore[misc]
        for pk, customer, phone, channel, handler, creator, closed in Complaint.objects.filter(
            created_by_id__in=staff, state="closed", closed_at__isnull=False).values_list(
            "pk", "customer_id", "complainant_phone", "channel", "handler_id", "created_by_id", "closed_at")
    ]
    model = sources.work_order_model()
    if model is not None:  # the on-site app's demo orders, finished before this demo ran
        phones: dict[int, str] = {}
        for customer, number in PhoneNumber.objects.order_by("is_primary", "pk").values_list("customer_id", "number"):
            phones[customer] = number  # the primary one last, so it wins
        for pk, customer, technician, finished in model._default_manager.filter(
                finished_at__isnull=False, technician_id__in=staff).values_list(
                "pk", "customer_id", "technician_id", "finished_at"):
            rows.append(("work_order", pk, customer, phones.get(customer, ""), "onsite", "", technician, finished))
    return sorted(rows, key=lambda r: r[7])


def load(world: Any) -> None:
    rng = random.Random(world.seed + 130)
    now: datetime = world.now
    manager = world.staff.get("manager")
    if manager is None:
        return
    services.rules_recommended(actor=manager)
    rules = {(r.source_kind, r.channel, r.category): r for r in Rule.objects.all()}

    def rule_for(kind: str, channel: str, category: str) -> Rule | None:
        for key in ((kind, channel, category), (kind, channel, ""), (kind, "", category), (kind, "", "")):
            if key in rules:
                return rules[key]
        return None

    last: dict[Any, datetime] = {}
    surveys: list[Survey] = []
    existing = set(Survey.objects.values_list("source_kind", "source_id"))
    for kind, pk, customer, phone, channel, category, agent, finished in _candidates(world):
        rule = rule_for(kind, channel, category)
        if rule is None or (kind, pk) in existing:
            continue
        who = customer or phone
        decision = core.decide(
            rule=core.RuleSpec(rule.enabled, rule.sample_every, rule.cooldown_days, rule.delay_minutes,
                               rule.servqual_every),
            kind=kind, pk=pk, phone_digits="".join(c for c in phone if c.isdecimal()), finished_at=finished,
            last_asked_at=last.get(who), listed=False)
        if not decision.ask or decision.send_after is None:
            continue
        last[who] = finished
        survey = Survey(source_kind=kind, source_id=pk, customer_id=customer, phone=phone, channel=channel,
                        category=category, agent_id=agent, rule=rule, with_servqual=decision.with_servqual,
                        nonce=secrets.token_hex(8), service_at=finished, send_after=decision.send_after,
                        reminder_hours=rule.reminder_hours, expires_days=rule.expires_days, created_at=finished)
        _settle(rng, survey, now)
        surveys.append(survey)
    Survey.objects.bulk_create(surveys, batch_size=500)
    surveys = list(Survey.objects.filter(pk__in=[s.pk for s in surveys]).order_by("pk"))
    _messages(surveys)
    _follow_ups(rng, world, surveys, now)
    _servqual(rng, world, surveys, now)
    _management(world, now)
    rollup.refresh(now=now, full=True)  # the dashboard's summary table, as the worker would build it


def _settle(rng: random.Random, survey: Survey, now: datetime) -> None:
    """Where the survey is today: scheduled, sent (maybe reminded), answered or expired."""
    if survey.send_after > now:
        return
    survey.sent_at = survey.send_after
    survey.expires_at = survey.sent_at + timedelta(days=survey.expires_days)
    survey.state = Survey.State.SENT
    reminder_at = survey.sent_at + timedelta(hours=survey.reminder_hours)
    if rng.random() < 0.58:  # about three in five answer
        late = rng.random() < 0.3
        at = (reminder_at + timedelta(hours=rng.uniform(0.5, 30)) if late
              else survey.sent_at + timedelta(minutes=rng.uniform(3, 600)))
        if at < now and at < survey.expires_at:
            if late:
                survey.reminded_at = reminder_at
            survey.state, survey.answered_at = Survey.State.ANSWERED, at
            survey.csat = _csat(rng, survey.source_kind)
            survey.nps = (rng.choice([0, 3, 5, 6]) if survey.csat <= LOW_CSAT else rng.randint(6, 10)) \
                if rng.random() < 0.65 else None
            if survey.csat <= LOW_CSAT:
                survey.reasons = rng.sample(LowReason.values[:-1], rng.randint(1, 2))
                survey.comment = rng.choice(LOW_COMMENTS)
            else:
                survey.comment = rng.choice(GOOD_COMMENTS)
            return
    if survey.reminder_hours and reminder_at < now:
        survey.reminded_at = reminder_at
    if survey.expires_at <= now:
        survey.state = Survey.State.EXPIRED


def _messages(surveys: list[Survey]) -> None:
    rows = []
    for survey in surveys:
        if survey.sent_at is None:
            continue
        link = services.link(survey)
        rows.append(Outbound(survey=survey, kind=Outbound.Kind.INVITE, to=survey.phone, at=survey.sent_at,
                             body=f"【星河通信】感谢您的来电。请花1分钟评价本次服务：{link}（{survey.expires_days}天内有效）"))
        if survey.reminded_at is not None:
            rows.append(Outbound(survey=survey, kind=Outbound.Kind.REMINDER, to=survey.phone, at=survey.reminded_at,
                                 body=f"【星河通信】温馨提醒：诚邀您花1分钟评价我们近期的服务：{link}"))
    Outbound.objects.bulk_create(rows, batch_size=1000)


def _follow_ups(rng: random.Random, world: Any, surveys: list[Survey], now: datetime) -> None:
    from kefu.notifications.models import Kind
    from kefu.notifications.services import Notice, notify_many

    supervisors = [u for u in world.staff.values() if u.role == Role.SUPERVISOR]
    if not supervisors:
        return
    agents = {u.pk: u for u in world.staff.values()}
    tasks, notices = [], []
    low = sorted((s for s in surveys if s.answered_at is not None and s.csat is not None and s.csat <= LOW_CSAT),
                 key=lambda s: s.answered_at or now, reverse=True)
    for index, survey in enumerate(low):
        assert survey.answered_at is not None
        due = survey.answered_at + timedelta(hours=services.CALLBACK_HOURS)
        task = FollowUpTask(survey=survey, assignee=supervisors[survey.pk % len(supervisors)], due_at=due,
                            created_at=survey.answered_at)
        if index >= 3 and (now - survey.answered_at > timedelta(days=2) or rng.random() < 0.4):  # newest 3 open
            done = survey.answered_at + timedelta(hours=rng.uniform(1, 20) if rng.random() < 0.8 else rng.uniform(26, 60))
            if done < now:
                task.state, task.done_at, task.done_by = FollowUpTask.State.DONE, done, task.assignee
                task.note = rng.choice(("已回电致歉，重新派单处理，客户表示接受。", "已回电说明原因并补发减免，客户认可。",
                                        "回电两次未接通，已发短信告知处理进展。"))
        tasks.append(task)
        if task.state == FollowUpTask.State.OPEN:
            agent = agents.get(survey.agent_id or 0)
            notices.append((supervisors, Notice(
                kind=Kind.SURVEY_LOW, title=f"{agent or '服务人员'} 的服务收到低分评价（{survey.csat}/5）",
                body=("、".join(survey.reason_labels) + "：" + survey.comment)[:500],
                url=f"/surveys/{survey.pk}/", key=f"survey-low:{survey.pk}")))
    FollowUpTask.objects.bulk_create(tasks)
    notify_many(notices, new_events=True)


def _servqual(rng: random.Random, world: Any, surveys: list[Survey], now: datetime) -> None:
    responses: list[tuple[ServqualResponse, float]] = []
    for survey in surveys:
        if survey.with_servqual and survey.answered_at is not None:
            shift = -0.5 if (survey.csat or 3) <= LOW_CSAT else 0.0
            responses.append((ServqualResponse(mode=ServqualResponse.Mode.LINK, channel=survey.channel or "hotline",
                                               survey=survey, customer_id=survey.customer_id,
                                               taken_at=survey.answered_at), shift))
    counter = world.staff.get("counter") or world.staff.get("agent")
    for _i in range(40):  # the counter's tablet, spread over three months
        at = now - timedelta(days=rng.randint(0, 88), hours=rng.randint(0, 8))
        responses.append((ServqualResponse(mode=ServqualResponse.Mode.KIOSK, channel="counter", taken_by=counter,
                                           taken_at=at), 0.3))
    ServqualResponse.objects.bulk_create([r for r, _ in responses])
    scores: list[ServqualScore] = []
    for response, shift in responses:
        scores += _servqual_scores(rng, response, shift)
    ServqualScore.objects.bulk_create(scores, batch_size=2000)


def _management(world: Any, now: datetime) -> None:
    # Management underestimates how much customers expect of responsiveness (gap 1) and the written
    # standards say little about empathy (gap 2).
    answers = {
        "manager": {"reliability": (6, 6), "assurance": (6, 5), "responsiveness": (5, 4), "empathy": (5, 3),
                    "tangibles": (5, 6)},
        "supervisor": {"reliability": (6, 5), "assurance": (5, 5), "responsiveness": (5, 5), "empathy": (6, 3),
                       "tangibles": (5, 6)},
        "supervisor2": {"reliability": (7, 6), "assurance": (6, 5), "responsiveness": (4, 4), "empathy": (5, 4),
                        "tangibles": (4, 5)},
    }
    rows = []
    for key, dims in answers.items():
        user = world.staff.get(key)
        if user is None:
            continue
        for dim, (believed, coverage) in dims.items():
            rows.append(ManagementAnswer(respondent=user, dimension=dim, believed_expectation=believed,
                                         standard_coverage=coverage, at=now - timedelta(days=10)))
    ManagementAnswer.objects.bulk_create(rows)


def reset(*, users: QuerySet[User], customers: QuerySet[Customer]) -> dict[str, int]:
    staff = list(users.values_list("pk", flat=True))
    surveys = Survey.objects.filter(Q(customer__in=customers) | Q(agent_id__in=staff))
    deleted = {"surveys": surveys.delete()[1].get("surveys.Survey", 0)}
    deleted["servqual responses"] = ServqualResponse.objects.filter(
        Q(customer__in=customers) | Q(taken_by_id__in=staff)).delete()[1].get("surveys.ServqualResponse", 0)
    deleted["management answers"] = ManagementAnswer.objects.filter(respondent_id__in=staff).delete()[1].get(
        "surveys.ManagementAnswer", 0)
    DailyFigures.objects.all().delete()  # derived: rebuilt by the next refresh
    RollupState.objects.all().delete()
    deleted["survey rules"] = Rule.objects.filter(updated_by_id__in=staff).delete()[1].get("surveys.Rule", 0)
    FollowUpTask.objects.filter(Q(assignee_id__in=staff) | Q(done_by_id__in=staff)).update(assignee=None, done_by=None)
    return deleted
