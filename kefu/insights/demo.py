"""Demo rows of the insight app: harassment numbers in every state with their calls (silent calls at
night, abuse, sales), churn scores and a retention queue with care actions taken, the complaint
classifier learned from the demo's classified complaints, and the report summaries built.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from kefu.accounts.models import User
from kefu.customers.choices import CallerCategory, Channel
from kefu.customers.models import Contact, Customer
from kefu.demo.world import World
from kefu.insights import churn, classifier, summary
from kefu.insights.models import (
    ChurnRisk,
    ComplaintStat,
    ContactStat,
    HarassCall,
    HarassEntry,
    RetentionAction,
    SummaryRun,
)
from kefu.learning.models import LearnedModel
from kefu.lib.errors import InvalidInput

# (number, level, pattern, reason, expires in days or None, removed, calls, night share)
HARASSERS = (
    ("17012345001", "block", "silent", "每天深夜拨打热线后不说话，单日最多 40 次", None, False, 36, 0.8),
    ("17012345002", "block", "abuse", "多次辱骂坐席，已录音留证并报公安备案", 180, False, 14, 0.3),
    ("02187654321", "watch", "sales", "冒充客户咨询后推销贷款业务", 90, False, 9, 0.0),
    ("17012345004", "watch", "nonsense", "开始胡言乱语，东拉西扯，对产品不感兴趣", 30, False, 6, 0.5),
    ("17012345005", "watch", "silent", "响一声即挂，已核实为呼死你软件", -5, False, 4, 0.5),  # expired
    ("17012345006", "block", "abuse", "误列：实为听力障碍客户，已移出名单", None, True, 2, 0.0),
)
SUMMARIES = ("拨通后无人说话", "辱骂坐席后挂断", "推销贷款业务", "东拉西扯，与业务无关")
PATTERN_SUMMARY = {"silent": 0, "abuse": 1, "sales": 2, "nonsense": 3}


def load(world: World) -> None:
    now, rng = world.now, world.rng
    supervisor, manager = world.staff["supervisor"], world.staff["manager"]
    agents = [world.staff[k] for k in ("agent", "agent2", "agent3")]
    contacts: list[Contact] = []
    plan: list[tuple[HarassEntry, Contact]] = []
    for number, level, pattern, reason, days, removed, calls, night in HARASSERS:
        added = now - timedelta(days=rng.randint(40, 70))
        entry = HarassEntry.objects.create(
            number=number, level=level, pattern=pattern, reason=reason, added_by=rng.choice([supervisor, manager]),
            added_at=added, updated_at=added, expires_at=now + timedelta(days=days) if days is not None else None,
            removed_at=now - timedelta(days=3) if removed else None,
        )
        for _ in range(calls):
            hour = rng.choice([0, 1, 2, 3, 23]) if rng.random() < night else rng.randint(9, 20)
            at = timezone.localtime(now - timedelta(days=rng.randint(0, 55))).replace(hour=hour, minute=rng.randint(0, 59))
            contact = Contact(phone=number, channel=Channel.HOTLINE, category=CallerCategory.HARASSMENT,
                              summary=SUMMARIES[PATTERN_SUMMARY.get(pattern, 3)], agent=rng.choice(agents),
                              occurred_at=at, created_at=at, duration_seconds=rng.randint(3, 90))
            contacts.append(contact)
            plan.append((entry, contact))
    Contact.objects.bulk_create(contacts)
    HarassCall.objects.bulk_create(
        HarassCall(entry=entry, contact_id=contact.pk, at=contact.occurred_at, pattern=entry.pattern,
                   seconds=contact.duration_seconds or 0, handled=contact.occurred_at < now - timedelta(days=2))
        for entry, contact in plan
    )
    _porting_enquiries(world)
    churn.refresh(now)
    _retention_actions(world)
    summary.refresh()
    try:
        classifier.train_from_db()
    except InvalidInput:  # too few classified complaints in a tiny demo: no suggestions
        pass


PORTING_NOTE = "携号转网"  # the demo's customer note "曾多次咨询携号转网，属离网风险客户"


def _porting_enquiries(world: World) -> None:
    """The enquiries the at-risk note speaks of ("has asked about porting several times"), in the last 90 days.

    The note is the demo's label of a churn story; without these contacts the stored facts would
    not tell that story (the note is drawn at random, independent of the complaint history)."""
    rng, now = world.rng, world.now
    rows = []
    for customer in Customer.objects.filter(note__contains=PORTING_NOTE):
        for _ in range(rng.randint(1, 3)):
            at = now - timedelta(days=rng.randint(1, 85), hours=rng.randint(0, 8))
            rows.append(Contact(customer=customer, channel=Channel.HOTLINE, category=CallerCategory.CONSULT,
                                summary="咨询携号转网条件及办理流程",
                                detail="告知需实名一致、无欠费、无在网合约，客户表示再考虑。",
                                agent=world.staff["agent3"], occurred_at=at, created_at=at,
                                duration_seconds=rng.randint(120, 400)))
    Contact.objects.bulk_create(rows)


def _retention_actions(world: World) -> None:
    """Care actions already taken for some customers at risk: every kind and outcome."""
    rng, now = world.rng, world.now
    risks = list(ChurnRisk.objects.filter(score__gte=churn.QUEUE_THRESHOLD).order_by("-score")[:12])
    customers = Customer.objects.in_bulk([r.customer_id for r in risks])
    kinds = list(RetentionAction.Kind.values)
    outcomes = list(RetentionAction.Outcome.values)
    notes = ("客户表示会再考虑，约定下周回电", "赠送 10GB 流量包，客户表示满意", "生日短信问候并送积分",
             "上门拜访，了解到对宽带速度不满，已报障", "电话未接通，短信留言")
    rows = []
    for i, risk in enumerate(risks[::2]):
        customer = customers.get(risk.customer_id)
        if customer is None:
            continue
        by = customer.account_manager or world.staff["am"]
        rows.append(RetentionAction(customer_id=risk.customer_id, kind=kinds[i % len(kinds)],
                                    outcome=outcomes[i % len(outcomes)], note=notes[i % len(notes)],
                                    score_at=risk.score, by=by, at=now - timedelta(days=rng.randint(1, 40))))
    RetentionAction.objects.bulk_create(rows)


def reset(*, users: QuerySet[User], customers: QuerySet[Customer]) -> dict[str, int]:
    deleted = {
        "retention actions": RetentionAction.objects.filter(
            Q(by__in=users) | Q(customer_id__in=customers.values("pk"))).delete()[1].get("insights.RetentionAction", 0),
        "churn scores": ChurnRisk.objects.filter(customer_id__in=customers.values("pk")).delete()[1].get("insights.ChurnRisk", 0),
        "harassment numbers": HarassEntry.objects.filter(added_by__in=users).delete()[1].get("insights.HarassEntry", 0),
    }
    # Summaries are derived: rebuilt from whatever remains.
    for model in (ComplaintStat, ContactStat, SummaryRun):
        model.objects.all().delete()
    LearnedModel.objects.filter(kind=classifier.KIND, created_by__isnull=True).delete()
    return deleted
