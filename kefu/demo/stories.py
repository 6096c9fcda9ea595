"""Complaints for the demo, driven through the real services as the right people.

Each complaint gets a *path* through the process (``PATHS``) ending in the state
it should be found in today, a work-order text (``content.CASES``) and a
timeline: when it was received and when each step happened. The timeline is
planned first — anchored so that open complaints are either comfortably within
their step deadline or clearly overdue, and closed ones finished in the past —
then replayed under ``clock.simulated_clock`` so every event, proposal,
follow-up and working-time deadline carries its historical time.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kefu.accounts.models import User
from kefu.accounts.services import system_user
from kefu.complaints import services, sla
from kefu.complaints.flow import State
from kefu.complaints.models import Complaint
from kefu.customers.choices import REGULATOR_CHANNELS, Channel
from kefu.customers.models import Contact
from kefu.demo import content
from kefu.demo.clock import simulated_clock
from kefu.demo.world import DemoCustomer, World, staff_for_channel

_HAPPY = ["accept", "assign", "analyse", "propose", "approve", "implement", "follow_up", "review"]

PATHS: dict[str, list[str]] = {
    "recorded": [],
    "accepted": _HAPPY[:1],
    "assigned": _HAPPY[:2],
    "reassigned": ["accept", "assign_wrong", "reassign"],
    "analysed": _HAPPY[:3],
    "sent_back": [*_HAPPY[:4], "send_back"],
    "pending": _HAPPY[:4],
    "pending_high": _HAPPY[:4],
    "resubmitted": [*_HAPPY[:4], "send_back", "propose"],
    "approved": _HAPPY[:5],
    "implemented": _HAPPY[:6],
    "followed_up": _HAPPY[:7],
    "closed": _HAPPY,
    "casebook": _HAPPY,
    "invalid": ["reject"],
    "reopened": [*_HAPPY[:6], "reopen"],
    "reopened_closed": [*_HAPPY[:6], "reopen", "analyse2", "propose2", "approve", "implement2", "follow_up", "review"],
}
FINAL_STATE = {
    "recorded": State.RECORDED,
    "accepted": State.ACCEPTED,
    "assigned": State.ASSIGNED,
    "reassigned": State.ASSIGNED,
    "analysed": State.ANALYSED,
    "sent_back": State.ANALYSED,
    "pending": State.PENDING_APPROVAL,
    "pending_high": State.PENDING_APPROVAL,
    "resubmitted": State.PENDING_APPROVAL,
    "approved": State.APPROVED,
    "implemented": State.IMPLEMENTED,
    "followed_up": State.FOLLOWED_UP,
    "closed": State.CLOSED,
    "casebook": State.CLOSED,
    "invalid": State.CLOSED,
    "reopened": State.ASSIGNED,
    "reopened_closed": State.CLOSED,
}

# The first complaints take these (path, overdue) slots so that even a small data set shows
# every state, overdue work, send-backs, reopenings and the case book; the rest are drawn by weight.
FIRST_SLOTS: tuple[tuple[str, bool], ...] = (
    ("recorded", False), ("accepted", False), ("assigned", False), ("analysed", False), ("pending", False),
    ("approved", False), ("implemented", False), ("followed_up", False), ("closed", False), ("invalid", False),
    ("casebook", False), ("sent_back", False), ("pending_high", False), ("reopened", False), ("reassigned", False),
    ("recorded", True), ("assigned", True), ("approved", True), ("implemented", True), ("pending", True),
    ("resubmitted", False), ("reopened_closed", False), ("closed", False), ("analysed", True), ("followed_up", True),
    ("closed", False), ("invalid", False), ("casebook", False), ("accepted", True), ("closed", False),
)
PATH_WEIGHTS = {
    "recorded": 6, "accepted": 4, "assigned": 8, "reassigned": 2, "analysed": 6, "sent_back": 2, "pending": 6,
    "pending_high": 2, "resubmitted": 1, "approved": 5, "implemented": 7, "followed_up": 4, "closed": 30,
    "casebook": 5, "invalid": 6, "reopened": 3, "reopened_closed": 3,
}
OVERDUE_SHARE = 0.3
CLOSED_PATHS = frozenset(p for p, s in FINAL_STATE.items() if s == State.CLOSED)
REGULATORS = (Channel.MIIT, Channel.CONSUMER, Channel.CITIZEN, Channel.GROUP_WEB)

# Minutes between one step and the next (low, high); who works when.
GAPS: dict[str, tuple[int, int]] = {
    "accept": (8, 90), "reject": (20, 180), "assign": (5, 60), "assign_wrong": (5, 60), "reassign": (90, 400),
    "analyse": (120, 1200), "analyse2": (240, 1440), "propose": (30, 300), "propose2": (30, 300),
    "send_back": (30, 240), "approve": (20, 240), "implement": (240, 2400), "implement2": (240, 1440),
    "follow_up": (1440, 4000), "reopen": (1440, 4000), "review": (120, 1440),
}
OFFICE_STEPS = frozenset({"analyse", "analyse2", "propose", "propose2", "implement", "implement2", "reassign"})
HISTORY_DAYS = (40, 175)  # the months before, for trends and the reports' period-over-period figures
HISTORY_PATHS = {"closed": 10, "casebook": 1, "reopened_closed": 1, "invalid": 1}
APPROVER_LIMIT = Decimal(500)  # above this the supervisor may not approve (complaint.authority defaults)


@dataclass
class Plan:
    index: int
    path: str
    overdue: bool
    case: content.Case | None  # None for an invalid complaint
    invalid: tuple[str, str, str, str, str, str] | None
    channel: str
    who: DemoCustomer | None
    severity: str
    amount: Decimal
    text: dict[str, Any]
    received: datetime = field(default=datetime.min)
    recorded_at: datetime = field(default=datetime.min)
    times: list[datetime] = field(default_factory=list)
    repeat: bool = False
    history: bool = False  # closed in the months before: the past that trends and comparisons need


# ---------------------------------------------------------------------------- planning


def _path(rng: random.Random, index: int) -> tuple[str, bool]:
    if index < len(FIRST_SLOTS):
        return FIRST_SLOTS[index]
    path = rng.choices(list(PATH_WEIGHTS), weights=list(PATH_WEIGHTS.values()))[0]
    return path, path not in CLOSED_PATHS and rng.random() < OVERDUE_SHARE


def _case_for(rng: random.Random, path: str, channel: str | None) -> content.Case:
    cases = content.CASES
    if path == "pending_high":
        cases = tuple(c for c in cases if c.amount[1] > APPROVER_LIMIT)
    if channel is not None:
        cases = tuple(c for c in cases if channel in c.channels) or cases
    return rng.choice(cases)


def _amount(rng: random.Random, case: content.Case, path: str) -> Decimal:
    low, high = case.amount
    if path == "pending_high":
        low = max(low, int(APPROVER_LIMIT) + 80)
    if high <= 0:
        return Decimal(0)
    return Decimal(rng.randint(low, high) // 5 * 5 or 5)


def _text_values(rng: random.Random, world: World, who: DemoCustomer | None, amount: Decimal) -> dict[str, Any]:
    fee = rng.randint(120, 680)
    return {
        "amount": f"{amount:.0f}",
        "fee": fee,
        "diff": rng.randint(30, min(fee - 20, 260)),
        "days": rng.randint(2, 6),
        "times": rng.randint(3, 8),
        "hours": rng.randint(3, 9),
        "speed": rng.choice((300, 500, 1000)),
        "date": "",  # set by _schedule, relative to when the complaint arrives
        "estate": rng.choice(("星河湾", "翠竹苑", "金桂花园", "和睦新村", "锦绣江南", "枫华府", "云栖里", "望湖公寓")),
        "number": f"{world.now:%Y}{rng.randrange(10**6):06d}",
        "company": who.customer.name if who is not None else "",
    }


def plan_complaints(world: World, count: int) -> list[Plan]:
    rng = world.rng
    plans: list[Plan] = []
    for index in range(count):
        path, overdue = _path(rng, index)
        regulator = index % 6 == 2
        channel: str | None = REGULATORS[(index // 6) % len(REGULATORS)] if regulator else None
        who: DemoCustomer | None
        if path == "invalid":
            invalid = content.INVALID_CASES[index % len(content.INVALID_CASES)]
            who = rng.choice(world.people)
            channel = channel or invalid[3]
            plans.append(
                Plan(index, path, False, None, invalid, channel, who, "low", Decimal(0),
                     _text_values(rng, world, who, Decimal(0)))
            )
            continue
        case = _case_for(rng, path, channel)
        if channel is None:
            channel = rng.choice([c for c in case.channels if c not in REGULATOR_CHANNELS] or ["hotline"])
        if case.group:
            who = rng.choice(world.groups)
        elif channel == Channel.CITIZEN and rng.random() < 0.5:
            who = None  # a resident writing to the mayor's mailbox need not be our customer
        else:
            who = rng.choice(world.people)
        amount = _amount(rng, case, path)
        severity = case.severity if rng.random() < 0.8 else rng.choice(("low", "normal", "high"))
        plans.append(Plan(index, path, overdue, case, None, channel, who, severity, amount,
                          _text_values(rng, world, who, amount)))
    for plan in plans:
        _schedule(world, plan)
    _make_repeats(world, plans)
    return sorted(plans, key=lambda p: p.received)


def _snap(moment: datetime, *, office: bool, rng: random.Random) -> datetime:
    """Move a step into the hours when the people who do it are at work."""
    local = timezone.localtime(moment)
    start, end = (time(9, 0), time(17, 30)) if office else (time(8, 0), time(21, 30))
    if office and local.weekday() >= 5:
        local = (local + timedelta(days=7 - local.weekday())).replace(hour=9, minute=rng.randint(0, 50))
    if local.time() < start:
        local = local.replace(hour=start.hour, minute=rng.randint(0, 50))
    elif local.time() > end:
        local = (local + timedelta(days=1)).replace(hour=start.hour, minute=rng.randint(0, 50))
    return local


def _deadline(plan: Plan, start: datetime) -> datetime | None:
    state = FINAL_STATE[plan.path]
    return sla.deadline(start=start, state=state, severity=plan.severity, regulator=plan.channel in REGULATOR_CHANNELS)


def _schedule(world: World, plan: Plan) -> None:
    """Fill in received/recorded/step times, anchored on when the last thing happened.

    Uses its own random stream: how many draws the timing takes depends on the time of
    day, and that must not change which customers and texts the later complaints get.
    """
    rng, now = random.Random(world.seed * 7919 + plan.index), world.now
    steps = PATHS[plan.path]
    hour = rng.choices(range(7, 23), weights=[2, 6, 12, 12, 10, 7, 8, 11, 10, 9, 8, 6, 5, 3, 2, 1])[0]
    received = timezone.localtime(now - timedelta(days=60)).replace(hour=hour, minute=rng.randint(0, 59))
    recorded = received + timedelta(minutes=rng.randint(2, 15))
    times: list[datetime] = []
    last = recorded
    for step in steps:
        last = _snap(last + timedelta(minutes=rng.randint(*GAPS[step])), office=step in OFFICE_STEPS, rng=rng)
        times.append(last)
    if plan.history:
        target = now - timedelta(days=rng.randint(*HISTORY_DAYS), minutes=rng.randint(0, 600))
    elif plan.path in CLOSED_PATHS:
        target = now - timedelta(days=rng.randint(1, 40), minutes=rng.randint(0, 600))
    elif plan.overdue:
        target = now - timedelta(days=rng.randint(2, 8), minutes=rng.randint(0, 300))
    else:
        target = now - timedelta(minutes=rng.randint(3, 240))
    # Shift by whole weeks (whole days when the last step is re-anchored anyway) to keep the
    # steps inside the working hours and weekdays they were planned in.
    days = (target - last).days
    on_time = not plan.overdue and plan.path not in CLOSED_PATHS
    shift = timedelta(days=days if on_time else days // 7 * 7)
    received, recorded, times = received + shift, recorded + shift, [t + shift for t in times]
    if on_time:
        # Land the last step at the target exactly, and make sure that leaves it genuinely not overdue.
        due = _deadline(plan, target)
        if due is None or due < now + timedelta(minutes=20):
            target = now - timedelta(minutes=rng.randint(2, 6))
        if times:
            earliest = (times[-2] if len(times) > 1 else recorded) + timedelta(minutes=5)
            times[-1] = min(max(target, earliest), now - timedelta(minutes=1))
        else:
            received = target
            recorded = min(target + timedelta(minutes=rng.randint(1, 3)), now - timedelta(minutes=1))
    elif plan.overdue:
        for _ in range(15):  # push further back until the current step is plainly overdue
            start = times[-1] if times else received
            due = _deadline(plan, start)
            if due is not None and due < now - timedelta(minutes=30):
                break
            received, recorded = received - timedelta(days=1), recorded - timedelta(days=1)
            times = [t - timedelta(days=1) for t in times]
    plan.received, plan.recorded_at, plan.times = received, recorded, times
    # The day the customer refers to ("on 11月3日 I paid…") lies shortly before the complaint.
    when = timezone.localtime(received) - timedelta(days=rng.randint(1, 12))
    plan.text["date"] = f"{when.month}月{when.day}日"


def _make_repeats(world: World, plans: list[Plan]) -> None:
    """Turn a few open complaints into repeats of an earlier one by the same customer about the same cause."""
    rng = world.rng
    earlier = [p for p in plans if p.case is not None and p.who is not None and p.path in CLOSED_PATHS]
    candidates = [p for p in plans if p.case is not None and p.path in ("recorded", "accepted", "assigned")]
    for plan in candidates[1::3]:
        window = [
            e for e in earlier
            if e.case is not None and plan.case is not None and e.case.group == plan.case.group
            and timedelta(days=2) < plan.received - e.received < timedelta(days=25)
        ]
        if not window:
            continue
        first = rng.choice(window)
        plan.case, plan.who, plan.repeat = first.case, first.who, True
        plan.text = {**plan.text, "company": first.text["company"]}


def plan_history(world: World, count: int, first_index: int) -> list[Plan]:
    """Complaints closed in the months before, so trends and period-over-period figures have a past.

    Each draws from its own random stream: the current complaints, and everything drawn
    from ``world.rng`` after them, stay exactly as they are without a history.
    """
    plans = []
    for index in range(first_index, first_index + count):
        rng = random.Random(world.seed * 104729 + index)
        path = rng.choices(list(HISTORY_PATHS), weights=list(HISTORY_PATHS.values()))[0]
        if path == "invalid":
            invalid = content.INVALID_CASES[index % len(content.INVALID_CASES)]
            who = rng.choice(world.people)
            plan = Plan(index, path, False, None, invalid, invalid[3], who, "low", Decimal(0),
                        _text_values(rng, world, who, Decimal(0)), history=True)
        else:
            case = _case_for(rng, path, None)
            channel = rng.choice([c for c in case.channels if c not in REGULATOR_CHANNELS] or ["hotline"])
            who = rng.choice(world.groups) if case.group else rng.choice(world.people)
            amount = _amount(rng, case, path)
            plan = Plan(index, path, False, case, None, channel, who, case.severity, amount,
                        _text_values(rng, world, who, amount), history=True)
        _schedule(world, plan)
        plans.append(plan)
    return plans


# ---------------------------------------------------------------------------- replay


def make_complaints(world: World, count: int, history: int = 0) -> None:
    plans = plan_complaints(world, count)
    if history:
        plans = sorted(plans + plan_history(world, history, count), key=lambda p: p.received)
    system = system_user()
    with simulated_clock(world.now) as clock:
        for plan in plans:
            complaint = _replay(world, plan, clock.set)
            if plan.overdue:
                _flag_breach(complaint, system, world.now, clock.set)


def _flag_breach(complaint: Complaint, system: User, now: datetime, set_clock: Callable[[datetime], None]) -> None:
    """Record the breach (and its notifications) as the sweep would have, a quarter of an hour after the deadline."""
    assert complaint.step_due_at is not None
    moment = complaint.step_due_at + timedelta(minutes=15)
    if moment < now:
        set_clock(moment)
        services.complaint_flag_breach(complaint=complaint, actor=system, now=moment)


def _complainant(plan: Plan) -> tuple[str, str]:
    if plan.who is None:
        return "匿名市民" if plan.channel == Channel.CITIZEN else "未登记客户", ""
    return plan.who.contact_person or plan.who.customer.name, plan.who.phone


def _recorder(world: World, plan: Plan) -> User:
    if plan.who is not None and plan.channel == Channel.ACCOUNT_MANAGER:
        return plan.who.customer.account_manager or world.staff["am"]
    return staff_for_channel(world, plan.channel)


def _form(plan: Plan) -> tuple[str, str, str]:
    """Subject, content and demands as the recording agent writes them."""
    if plan.invalid is not None:
        subject, text, demands = plan.invalid[0], plan.invalid[1], plan.invalid[2]
    else:
        assert plan.case is not None
        subject, text, demands = plan.case.subject, plan.case.content, plan.case.demands
    text = text.format(**plan.text)
    if plan.repeat:
        text = content.REPEAT_LEAD + text
    lead = content.REGULATOR_LEADS.get(plan.channel)
    if lead:
        text = lead.format(**plan.text) + text
    return subject, text, demands.format(**plan.text)


def _replay(world: World, plan: Plan, set_clock: Callable[[datetime], None]) -> Complaint:
    rng = world.rng
    set_clock(plan.recorded_at)
    recorder = _recorder(world, plan)
    name, phone = _complainant(plan)
    subject, text, demands = _form(plan)
    source = None
    if plan.channel not in REGULATOR_CHANNELS and rng.random() < 0.6:
        source = Contact.objects.create(
            customer=plan.who.customer if plan.who else None, phone=phone, channel=plan.channel,
            category="complaint", summary=f"投诉：{subject}", detail=text, agent=recorder,
            occurred_at=plan.received, created_at=plan.received,
            duration_seconds=rng.randint(180, 1200) if plan.channel in content.VOICE_CHANNELS else None,
        )
    case = plan.case
    complaint = services.complaint_record(
        actor=recorder,
        channel=plan.channel,
        complainant_name=name,
        complainant_phone=phone,
        customer=plan.who.customer if plan.who else None,
        subject=subject,
        content=text,
        demands=demands,
        received_at=plan.received,
        severity=plan.severity,
        source_contact=source,
        # The agent's first classification; for a repeat it is what flags the repeat at once.
        cause=case.cause if case is not None and (plan.repeat or rng.random() < 0.5) else "",
        hotspot=case.hotspot if case is not None else (plan.invalid[5] if plan.invalid else ""),
        needs=list(case.needs) if case is not None else [],
    )
    actors = _Actors(world, plan)
    for step, moment in zip(PATHS[plan.path], plan.times, strict=True):
        set_clock(moment)
        complaint = STEPS[step](complaint, plan, actors)
    return complaint


@dataclass
class _Actors:
    """Who does what on one complaint: the intake supervisor, the reviewer, the follow-up caller."""

    world: World
    plan: Plan
    intake: User = field(init=False)
    reviewer: User = field(init=False)
    follower: User = field(init=False)

    def __post_init__(self) -> None:
        rng, staff = self.world.rng, self.world.staff
        self.intake = staff["supervisor"] if rng.random() < 0.65 else staff["supervisor2"]
        self.reviewer = staff["qa"] if rng.random() < 0.5 else staff["supervisor"]
        who = self.plan.who
        manager = who.customer.account_manager if who is not None else None
        self.follower = manager or staff[rng.choice(("agent", "agent", "agent2", "agent3"))]

    def handler_of(self, department: str) -> User | None:
        key = content.DEPARTMENT_HANDLER.get(department)
        return self.world.staff[key] if key else None

    def approver(self, amount: Decimal, proposer: User) -> User:
        if amount > APPROVER_LIMIT:
            return self.world.staff["manager"]
        for key in ("supervisor2", "supervisor"):
            if self.world.staff[key] != proposer:
                return self.world.staff[key]
        return self.world.staff["manager"]


def _case(plan: Plan) -> content.Case:
    assert plan.case is not None
    return plan.case


def _accept(c: Complaint, plan: Plan, a: _Actors) -> Complaint:
    case = _case(plan)
    note = "经核实投诉内容属实，受理。" if not c.is_regulator else "监管转办件，受理并优先处理。"
    c = services.complaint_accept(complaint=c, actor=a.intake, note=note, expected_version=c.version)
    return services.complaint_classify(
        complaint=c, actor=a.intake, expected_version=c.version, degrees=list(case.degrees),
        complainer_type=case.complainer_type, complainer_intent=case.intent,
    )


def _reject(c: Complaint, plan: Plan, a: _Actors) -> Complaint:
    assert plan.invalid is not None
    explanation = plan.invalid[4].format(**plan.text)
    return services.complaint_reject(complaint=c, actor=a.intake, explanation=explanation, expected_version=c.version)


def _assign_to(c: Complaint, a: _Actors, department: str, comment: str = "") -> Complaint:
    departments = a.world.departments
    case = _case(a.plan)
    return services.complaint_assign(
        complaint=c, actor=a.intake, handling_department=departments[department],
        handler=a.handler_of(department),
        responsible_department=departments[case.at_fault or case.department], comment=comment,
        expected_version=c.version,
    )


def _assign(c: Complaint, plan: Plan, a: _Actors) -> Complaint:
    return _assign_to(c, a, _case(plan).department)


def _assign_wrong(c: Complaint, plan: Plan, a: _Actors) -> Complaint:
    return _assign_to(c, a, _case(plan).wrong_department)


def _reassign(c: Complaint, plan: Plan, a: _Actors) -> Complaint:
    case = _case(plan)
    wrong, right = a.world.departments[case.wrong_department], a.world.departments[case.department]
    comment = f"{wrong.name}核查后反馈不属本部门职责，经协调改派{right.name}处理。"
    return _assign_to(c, a, case.department, comment)


def _worker(c: Complaint, a: _Actors) -> User:
    return c.handler or a.world.staff["supervisor2"]


def _analyse(c: Complaint, plan: Plan, a: _Actors, *, again: bool = False) -> Complaint:
    case = _case(plan)
    analysis = case.analysis.format(**plan.text)
    if again:
        analysis = content.REOPEN_ANALYSIS.format(analysis=analysis)
    return services.complaint_analyse(
        complaint=c, actor=_worker(c, a), analysis=analysis, cause=case.cause, responsible_person=case.person,
        responsible_department=a.world.departments[case.at_fault or case.department], expected_version=c.version,
    )


def _propose(c: Complaint, plan: Plan, a: _Actors, *, again: bool = False) -> Complaint:
    case = _case(plan)
    plan_text = case.plan.format(**plan.text)
    if again:
        plan_text = content.REOPEN_PLAN.format(plan=plan_text)
    return services.complaint_propose(
        complaint=c, actor=_worker(c, a), remedy=case.remedy, plan=plan_text, amount=plan.amount,
        expected_version=c.version,
    )


def _approve(c: Complaint, plan: Plan, a: _Actors) -> Complaint:
    proposal = c.proposals.filter(decision="pending").order_by("-pk").first()
    assert proposal is not None
    approver = a.approver(proposal.amount, proposal.proposed_by)
    comment = a.world.rng.choice(content.APPROVE_COMMENTS)
    return services.complaint_approve(complaint=c, actor=approver, comment=comment, expected_version=c.version)


def _send_back(c: Complaint, plan: Plan, a: _Actors) -> Complaint:
    proposal = c.proposals.filter(decision="pending").order_by("-pk").first()
    assert proposal is not None
    approver = a.approver(Decimal(0), proposal.proposed_by)
    comment = a.world.rng.choice(content.SEND_BACK_COMMENTS)
    return services.complaint_send_back(complaint=c, actor=approver, comment=comment, expected_version=c.version)


def _implement(c: Complaint, plan: Plan, a: _Actors, *, again: bool = False) -> Complaint:
    case = _case(plan)
    done = case.done.format(**plan.text)
    if again:
        done = content.REOPEN_DONE.format(done=done)
    return services.complaint_implement(
        complaint=c, actor=_worker(c, a), what_was_done=done,
        notified_via=a.world.rng.choice(("phone", "phone", "sms", "visit")), penalty=case.penalty,
        customer_feedback=case.feedback, expected_version=c.version,
    )


def _follow_up(c: Complaint, plan: Plan, a: _Actors) -> Complaint:
    rng = a.world.rng
    return services.complaint_follow_up(
        complaint=c, actor=a.follower, method=rng.choice(("phone", "phone", "phone", "sms", "visit")), done=True,
        helped=True, satisfaction=rng.choice((4, 5, 5)), note=rng.choice(content.FOLLOW_UP_GOOD),
        expected_version=c.version,
    )


def _reopen(c: Complaint, plan: Plan, a: _Actors) -> Complaint:
    note, anything_else = a.world.rng.choice(content.FOLLOW_UP_BAD)
    return services.complaint_follow_up(
        complaint=c, actor=a.follower, method="phone", done=True, helped=False, satisfaction=2, note=note,
        anything_else=anything_else, expected_version=c.version,
    )


def _review(c: Complaint, plan: Plan, a: _Actors) -> Complaint:
    case = _case(plan)
    casebook = plan.path == "casebook" or (plan.path == "reopened_closed" and c.reopen_count > 0)
    return services.complaint_review(
        complaint=c, actor=a.reviewer, summary=case.summary, lessons=case.lessons, add_to_casebook=casebook,
        expected_version=c.version,
    )


Step = Callable[[Complaint, Plan, _Actors], Complaint]
STEPS: dict[str, Step] = {
    "accept": _accept,
    "reject": _reject,
    "assign": _assign,
    "assign_wrong": _assign_wrong,
    "reassign": _reassign,
    "analyse": _analyse,
    "analyse2": lambda c, p, a: _analyse(c, p, a, again=True),
    "propose": _propose,
    "propose2": lambda c, p, a: _propose(c, p, a, again=True),
    "approve": _approve,
    "send_back": _send_back,
    "implement": _implement,
    "implement2": lambda c, p, a: _implement(c, p, a, again=True),
    "follow_up": _follow_up,
    "reopen": _reopen,
    "review": _review,
}
