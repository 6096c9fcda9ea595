"""Demo training data: two papers, assignments with due dates for the demo agents (done, to do and
overdue), finished and timed-out exam attempts over the past weeks, and sparring sessions that ended
resolved, hung up and time up — so the trainee home, the dashboard and the item analysis have data."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from kefu.accounts.models import User
from kefu.customers.models import Customer
from kefu.lib.errors import Conflict, InvalidInput
from kefu.training import bank, services
from kefu.training.models import Assignment, ExamAttempt, OperatorScenario, Paper, SparringSession

# How often each demo trainee answers right: a spread the item analysis can separate.
SKILL = {"agent": 0.85, "agent2": 0.7, "agent3": 0.55, "counter": 0.45}

GOOD_CALL = [
    "您好，客服中心工号1024为您服务，请问有什么可以帮您？",
    "王先生，非常理解您的心情，给您添麻烦了，我马上帮您查。您是说这个月银行卡被扣了两次话费，对吗？",
    "请问是哪张银行卡扣的款？扣款日期和金额是多少？",
    "好的，已经为您查到确实重复扣了58元。我们可以3个工作日内原路退回您的银行卡，也可以转为您下个月的话费，您看哪种方式方便？",
    "好的，那就为您原路退回银行卡，3个工作日内到账，我已经为您登记。还有其他可以帮您的吗？感谢您的来电，祝您生活愉快，再见！",
]
BAD_CALL = ["喂，什么事？", "这个我不清楚，你去银行问吧。", "不行就是不行，这是规定。", "你到底想怎样？"]
COUNTER_CALL = [
    "您好，请您稍等，我马上为您办理。",
    "抱歉让您久等了，请问您要办理什么业务？",
    "好的，我帮您查一下，请您出示一下身份证。",
    "已经为您办好了，温馨提示：新套餐下个月生效。请问还有其他需要吗？感谢您的光临，请慢走。",
]


def _answer(item: bank.Item, right: bool, rng: random.Random) -> Any:
    if item.kind == "single":
        return item.answer[0] if right else (item.answer[0] + rng.randrange(1, len(item.options))) % len(item.options)
    if item.kind == "multiple":
        return list(item.answer) if right else [item.answer[0]]
    if item.kind == "truefalse":
        return item.truth if right else not item.truth
    return item.model if right else "好的，我知道了，您等通知吧。"


def _sit(paper: Paper, trainee: User, skill: float, at: datetime, rng: random.Random, *,
         assignment: Assignment | None = None, finish: bool = True) -> ExamAttempt:
    attempt = services.attempt_start(paper=paper, trainee=trainee, assignment=assignment, now=at,
                                     seed=rng.randrange(2**31))
    step = timedelta(seconds=40)
    when = at
    for item_id in attempt.item_ids:
        item = bank.get_item(item_id)
        if item is None:
            continue
        when += step
        # Harder categories (open answers) are missed more often by everyone.
        p = skill - (0.15 if item.kind == "open" else 0.0)
        services.answer_save(attempt=attempt, actor=trainee, item_id=item_id, response=_answer(item, rng.random() < p, rng),
                             now=when)
    if finish:
        return services.attempt_submit(attempt=attempt, actor=trainee, now=when + step)
    return services.attempt_expire_if_due(attempt, now=attempt.deadline_at + step)


def _spar(trainee: User, scenario_id: str, lines: list[str], at: datetime, *, seed: int,
          assignment: Assignment | None = None) -> SparringSession | None:
    try:
        session = services.session_start(trainee=trainee, scenario_id=scenario_id, seed=seed, assignment=assignment, now=at)
    except InvalidInput:  # the scenario is not there: the demo skips this sparring
        return None
    when = at
    for line in lines:
        when += timedelta(seconds=45)
        session.refresh_from_db()
        if session.state != SparringSession.State.ACTIVE:
            break
        session = services.session_say(session=session, actor=trainee, text=line, now=when)
    if session.state == SparringSession.State.ACTIVE:
        if lines:
            session = services.session_end(session=session, actor=trainee, now=when + timedelta(seconds=30))
        else:  # never said a word: the time limit ends it
            session = services.session_expire_if_idle(
                session, now=at + timedelta(minutes=session.time_limit_minutes, seconds=5))
    return session


def load(world: Any) -> None:
    staff = world.staff
    trainer = staff["trainer"]
    rng = random.Random(world.seed + 11)
    now = world.now
    trainees = {key: staff[key] for key in SKILL if key in staff}
    month_ago = now - timedelta(days=30)

    paper = services.paper_create(
        actor=trainer, title="服务规范综合测验", time_limit_minutes=30, pass_mark=70,
        description="柜台规范用语、现场随机抽答、电话礼仪、投诉处理步骤与技巧、客户性格、难应付的客户、法规常识、服务忌语。",
        quotas={"counter": 2, "random": 1, "phone": 2, "complaint": 2, "technique": 2, "persona": 2, "difficult": 1,
                "regulation": 2, "phrases": 2},
    )
    reg_paper = services.paper_create(actor=trainer, title="法规与案例小测", time_limit_minutes=15, pass_mark=60,
                                      quotas={"regulation": 5, "complaint": 3})
    Paper.objects.filter(pk__in=[paper.pk, reg_paper.pk]).update(created_at=month_ago)

    main = services.assignment_create(
        actor=trainer, kind="paper", paper=paper, trainees=list(trainees.values()), due_at=now + timedelta(days=5),
        note="本月服务规范考核，70分及格，可重考。", now=month_ago + timedelta(days=1),
    )
    sparring = services.assignment_create(
        actor=trainer, kind="scenario", scenario_id="case.bank_deduction", trainees=list(trainees.values()),
        due_at=now + timedelta(days=3), note="按投诉处理六步骤练习：先安抚情绪，再复述确认。", now=now - timedelta(days=6),
    ) if _has_scenario("case.bank_deduction") else None
    overdue = services.assignment_create(
        actor=trainer, kind="paper", paper=reg_paper, trainees=[trainees["agent3"], trainees["counter"]],
        due_at=now - timedelta(days=1), now=now - timedelta(days=8),
    )
    if _has_scenario("counter.busy_internal"):
        services.assignment_create(actor=trainer, kind="scenario", scenario_id="counter.busy_internal",
                                   trainees=[trainees["counter"]], due_at=now + timedelta(days=10), now=now - timedelta(days=2))

    # Exams over the past month: most trainees improve on the retake.
    for n, (key, user) in enumerate(trainees.items()):
        first = month_ago + timedelta(days=3 + n, hours=9)
        _sit(paper, user, SKILL[key] - 0.1, first, rng, assignment=main)
        _sit(paper, user, SKILL[key], first + timedelta(days=9), rng, assignment=main)
        if key == "agent2":
            _sit(reg_paper, user, SKILL[key], first + timedelta(days=14), rng)
    _sit(reg_paper, trainees["agent3"], 0.5, now - timedelta(days=4, hours=3), rng, assignment=overdue, finish=False)

    # Sparring: resolved, broken norms (the customer gives up or escalates), and a silent trainee (time up).
    if sparring is not None:
        _spar(trainees["agent"], "case.bank_deduction", GOOD_CALL, now - timedelta(days=5, hours=2), seed=101,
              assignment=sparring)
        _spar(trainees["agent2"], "case.bank_deduction", BAD_CALL, now - timedelta(days=4, hours=5), seed=102,
              assignment=sparring)
        _spar(trainees["agent2"], "case.bank_deduction", GOOD_CALL, now - timedelta(days=2, hours=1), seed=103,
              assignment=sparring)
        _spar(trainees["agent3"], "case.bank_deduction", [], now - timedelta(days=3, hours=4), seed=104)
    if _has_scenario("counter.busy_internal"):
        _spar(trainees["counter"], "counter.busy_internal", COUNTER_CALL, now - timedelta(days=1, hours=6), seed=105)
    _draft_from_casebook(trainer)


def _has_scenario(scenario_id: str) -> bool:
    try:
        from kefu.training import scenarios

        return scenarios.builtin(scenario_id) is not None
    except ImportError:
        return False


def _draft_from_casebook(trainer: User) -> None:
    """A draft scenario a trainer made from a case-book complaint (to edit and publish)."""
    try:
        from kefu.complaints.models import Complaint
        from kefu.simulator import draft_from_complaint
    except ImportError:
        return
    complaint = Complaint.objects.filter(in_casebook=True).order_by("pk").first()
    if complaint is None:
        return
    text = draft_from_complaint({
        "id": complaint.number or complaint.pk, "summary": f"{complaint.subject}：{complaint.content}",
        "cause": complaint.cause_analysis, "demands": complaint.demands, "complainer_type": complaint.complainer_type,
        "remedy": complaint.implementation_note, "category": complaint.get_cause_display() if complaint.cause else "",
    })
    try:
        services.scenario_save(actor=trainer, text=text, source="casebook", complaint_id=complaint.pk)
    except (InvalidInput, Conflict):  # a draft that does not parse is left out of the demo
        return


def reset(*, users: QuerySet[User], customers: QuerySet[Customer]) -> dict[str, int]:
    staff = list(users.values_list("pk", flat=True))
    deleted: dict[str, int] = {}
    sessions = SparringSession.objects.filter(trainee_id__in=staff)
    deleted["sparring sessions"] = sessions.delete()[1].get("training.SparringSession", 0)
    attempts = ExamAttempt.objects.filter(Q(trainee_id__in=staff) | Q(paper__created_by_id__in=staff))
    deleted["exam attempts"] = attempts.delete()[1].get("training.ExamAttempt", 0)
    assignments = Assignment.objects.filter(assigned_by_id__in=staff)
    deleted["training assignments"] = assignments.delete()[1].get("training.Assignment", 0)
    deleted["exam papers"] = Paper.objects.filter(created_by_id__in=staff).delete()[1].get("training.Paper", 0)
    deleted["operator scenarios"] = OperatorScenario.objects.filter(
        Q(created_by_id__in=staff) | Q(updated_by_id__in=staff)).delete()[1].get("training.OperatorScenario", 0)
    return deleted
