"""Load, detect and wipe the demo data set (星河通信, Hangzhou).

Staff, customers and contacts are written directly (they have no process);
complaints are driven through ``kefu.complaints.services`` by ``stories`` so
their events, SLA clocks, proposals and follow-ups are the real thing.

Demo rows are recognisable without a bookkeeping table: demo users have an
e-mail address at ``content.EMAIL_DOMAIN``, demo customers a note starting
with ``content.NOTE_MARK``, demo departments one of the codes in
``content.DEPARTMENTS``. ``demo_reset`` removes those and everything that
hangs off them (including whatever someone did while trying the demo).
"""

from __future__ import annotations

import importlib
import importlib.util
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kefu.accounts.models import Department, User
from kefu.complaints.models import Complaint
from kefu.customers.choices import Persona, Tier
from kefu.customers.models import Contact, Customer, PhoneNumber, RevealLog
from kefu.demo import content, identity, stories
from kefu.demo.world import SEED, DemoCustomer, World, staff_for_channel
from kefu.lib.masking import mask_address, mask_id_number, mask_phone
from kefu.lib.params import parse_id

# Tiers in the order the first customers take them (so even a tiny data set has every tier),
# then the weights for the rest.
TIER_FIRST = (
    Tier.VIP_DIAMOND, Tier.VIP_GOLD, Tier.VIP_SILVER, Tier.GROUP_A, Tier.GROUP_B, Tier.GROUP_C, Tier.ORDINARY,
)
TIER_WEIGHTS = {
    Tier.ORDINARY: 62, Tier.VIP_DIAMOND: 3, Tier.VIP_GOLD: 7, Tier.VIP_SILVER: 11,
    Tier.GROUP_A: 3, Tier.GROUP_B: 5, Tier.GROUP_C: 9,
}
GROUP_TIERS = frozenset({Tier.GROUP_A, Tier.GROUP_B, Tier.GROUP_C})
GROUP_LINES = {Tier.GROUP_A: (18, 30), Tier.GROUP_B: (12, 18), Tier.GROUP_C: (10, 12)}  # customer.vip_tiers: ≥10
PERSONAS = (Persona.DOVE, Persona.PEACOCK, Persona.TIGER, Persona.OWL)

MIN_CUSTOMERS = 10


@dataclass(frozen=True)
class Sizes:
    customers: int = 150
    contacts: int = 600
    complaints: int = 120
    history_complaints: int = 70  # closed in the months before, for trends and period-over-period figures


# ---------------------------------------------------------------------------- detection and reset


def demo_users() -> Q:
    return Q(email__iendswith="@" + content.EMAIL_DOMAIN)


def demo_loaded() -> bool:
    return User.objects.filter(demo_users()).exists()


def clashing_usernames() -> list[str]:
    """Demo usernames already taken by real (non-demo) users; loading would fail on them."""
    names = [s.username for s in content.STAFF]
    return sorted(User.objects.filter(username__in=names).exclude(demo_users()).values_list("username", flat=True))


@transaction.atomic
def demo_reset() -> dict[str, int]:
    """Delete every demo row and what hangs off it; real data is left alone."""
    users = User.objects.filter(demo_users())
    customers = Customer.objects.filter(note__startswith=content.NOTE_MARK)
    complaints = Complaint.objects.filter(
        Q(customer__in=customers)
        | Q(created_by__in=users)
        | Q(handler__in=users)
        | Q(events__actor__in=users)
        | Q(proposals__proposed_by__in=users)
        | Q(proposals__decided_by__in=users)
        | Q(follow_ups__by__in=users)
    ).distinct()
    deleted: dict[str, int] = {}

    def remove(label: str, qs: Any) -> None:
        deleted[label] = qs.delete()[1].get(qs.model._meta.label, 0)

    # Later apps first: their rows point at complaints, contacts, customers and users.
    for module in reversed(_app_demo_modules()):
        for label, count in module.reset(users=users, customers=customers).items():
            deleted[label] = count
    if apps.is_installed("kefu.quality"):
        from kefu.quality.models import Conversation

        remove("conversations", Conversation.objects.filter(Q(agent__in=users) | Q(imported_by__in=users)))
    remove("complaints", Complaint.objects.filter(pk__in=list(complaints.values_list("pk", flat=True))))
    Complaint.objects.filter(source_contact__in=Contact.objects.filter(agent__in=users)).update(source_contact=None)
    remove("contacts", Contact.objects.filter(Q(customer__in=customers) | Q(agent__in=users)))
    RevealLog.objects.filter(user__in=users).delete()
    remove("customers", customers)
    remove("users", users)
    codes = [code for code, _, _ in content.DEPARTMENTS]
    remove(
        "departments",
        Department.objects.filter(code__in=codes, members__isnull=True)
        .exclude(pk__in=Complaint.objects.values("handling_department"))
        .exclude(pk__in=Complaint.objects.values("responsible_department")),
    )
    return deleted


# ---------------------------------------------------------------------------- staff


def make_departments() -> dict[str, Department]:
    departments = {}
    for code, name, handles in content.DEPARTMENTS:
        dept, _ = Department.objects.get_or_create(code=code, defaults={"name": name, "handles_complaints": handles})
        departments[code] = dept
    return departments


def make_staff(departments: dict[str, Department]) -> dict[str, User]:
    # One hash for everyone: hashing is deliberately slow, and the demo password is public anyway.
    password = make_password(content.PASSWORD)
    staff = {}
    for s in content.STAFF:
        staff[s.key] = User.objects.create(
            username=s.username,
            password=password,
            email=f"{s.username}@{content.EMAIL_DOMAIN}",
            role=s.role,
            department=departments[s.department],
            full_name=s.full_name,
            employee_no=s.employee_no,
            is_staff=s.superuser or s.role in ("supervisor", "manager"),
            is_superuser=s.superuser,
        )
    return staff


# ---------------------------------------------------------------------------- customers


def _tier(rng: random.Random, index: int) -> str:
    if index < len(TIER_FIRST):
        return TIER_FIRST[index]
    return rng.choices(list(TIER_WEIGHTS), weights=list(TIER_WEIGHTS.values()))[0]


def _since(rng: random.Random, tier: str) -> date:
    first_year = 1998 if tier != Tier.ORDINARY else 2005
    return date(rng.randint(first_year, 2025), rng.randint(1, 12), rng.randint(1, 28))


def _note(rng: random.Random) -> str:
    return content.NOTE_MARK + rng.choice(content.CUSTOMER_NOTES)


class _Numbers:
    """Unique phone numbers across the data set."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def mobile(self) -> str:
        while (number := identity.mobile(self.rng)) in self.used:
            pass
        self.used.add(number)
        return number

    def landline(self) -> str:
        while (number := identity.landline(self.rng)) in self.used:
            pass
        self.used.add(number)
        return number


def make_customers(world: World, count: int) -> None:
    rng = world.rng
    numbers = _Numbers(rng)
    managers = [world.staff["am"], world.staff["am"], world.staff["am2"]]
    companies = list(content.COMPANIES)
    rng.shuffle(companies)
    rows: list[tuple[Customer, list[PhoneNumber], str]] = []
    for i in range(count):
        tier = _tier(rng, i)
        created = world.now - timedelta(days=rng.randint(90, 900))
        if tier in GROUP_TIERS:
            company = companies[len(world.groups) % len(companies)]
            if len(world.groups) >= len(companies):  # large data sets: branches of the same organisations
                branch = len(world.groups) // len(companies) + 1
                company = (
                    company.replace("有限公司", f"第{branch}分公司") if "有限公司" in company else f"{company}第{branch}分部"
                )
            contact = identity.person(rng, oldest=1965, youngest=1995)
            customer = Customer(
                name=company, tier=tier, segment=rng.choice(content.SEGMENTS[tier]), persona=rng.choice(PERSONAS),
                id_number=identity.uscc(rng), customer_since=_since(rng, tier), address=identity.office_address(rng),
                account_manager=rng.choice(managers), note=_note(rng), created_at=created,
            )
            phones = [PhoneNumber(number=numbers.landline(), label="总机", is_primary=False)]
            first = numbers.mobile()
            phones.insert(0, PhoneNumber(number=first, label=f"联系人 {contact.name}", is_primary=True))
            phones += [
                PhoneNumber(number=numbers.mobile(), label="集团成员") for _ in range(rng.randint(*GROUP_LINES[Tier(tier)]))
            ]
            title = rng.choice(content.COMPANY_CONTACT_TITLES)
            world.groups.append(DemoCustomer(customer, first, f"{contact.name}（{company}{title}）"))
        else:
            p = identity.person(rng)
            customer = Customer(
                name=p.name, tier=tier, segment=rng.choice(content.SEGMENTS[tier]),
                persona=rng.choice(PERSONAS) if rng.random() < 0.75 else Persona.UNKNOWN,
                id_number=p.id_number, customer_since=_since(rng, tier), address=identity.home_address(rng),
                account_manager=rng.choice(managers) if tier != Tier.ORDINARY else None,
                note=_note(rng), created_at=created,
            )
            first = numbers.mobile()
            phones = [PhoneNumber(number=first, label="主号", is_primary=True)]
            if rng.random() < 0.3:
                phones.append(PhoneNumber(number=numbers.mobile(), label="副卡"))
            if rng.random() < 0.4:
                phones.append(PhoneNumber(number=numbers.landline(), label="宽带固话"))
            world.people.append(DemoCustomer(customer, first))
        rows.append((customer, phones, first))
    Customer.objects.bulk_create([c for c, _, _ in rows], batch_size=500)
    phone_rows = []
    for customer, phones, _ in rows:
        for phone in phones:
            phone.customer = customer
            phone_rows.append(phone)
    PhoneNumber.objects.bulk_create(phone_rows, batch_size=1000)


# ---------------------------------------------------------------------------- contacts


def _contact_time(rng: random.Random, now: datetime) -> datetime:
    local = timezone.localtime(now - timedelta(days=rng.randint(0, 89)))
    hour = rng.choices(range(24), weights=[1, 1, 1, 1, 1, 1, 2, 4, 9, 12, 12, 10, 8, 9, 11, 11, 10, 9, 8, 7, 6, 4, 2, 1])[0]
    moment = local.replace(hour=hour, minute=rng.randint(0, 59), second=rng.randint(0, 59), microsecond=0)
    return min(moment, now - timedelta(minutes=rng.randint(2, 30)))


def make_contacts(world: World, count: int) -> None:
    rng = world.rng
    templates = content.CONTACTS
    rows = []
    for i in range(count):
        # Every template once first, so even a small data set has every channel and category.
        channel, category, summary, detail = templates[i] if i < len(templates) else rng.choice(templates)
        if category == "harassment":
            who, phone = None, identity.mobile(rng)
        elif channel == "account_manager" or (channel == "group_web" and rng.random() < 0.5):
            pick = rng.choice(world.groups)
            who, phone = pick.customer, pick.phone
        elif rng.random() < 0.08:  # not (yet) a customer: a prospect asking
            who, phone = None, identity.mobile(rng)
        else:
            pick = rng.choice(world.people)
            who, phone = pick.customer, pick.phone
        occurred = _contact_time(rng, world.now)
        rows.append(
            Contact(
                customer=who,
                phone=phone,
                channel=channel,
                category=category,
                summary=summary,
                detail=detail,
                agent=staff_for_channel(world, channel),
                occurred_at=occurred,
                duration_seconds=rng.randint(40, 900) if channel in content.VOICE_CHANNELS else None,
                created_at=occurred,
            )
        )
    Contact.objects.bulk_create(rows, batch_size=1000)


REVEAL_REASONS = (
    "回访时核实机主身份",
    "客户要求寄送纸质发票，核对联系电话",
    "集团客户新增成员卡，核对证件信息",
    "投诉处理需联系客户本人",
)


def make_reveals(world: World, count: int = 12) -> None:
    """A few logged reveals of full numbers (PIPL), so the audit log is not empty in the demo."""
    rng = world.rng
    customers = [c for c in world.people + world.groups if c.customer.account_manager is not None]
    rows = []
    for _ in range(min(count, len(customers))):
        pick = rng.choice(customers)
        field = rng.choice((RevealLog.Field.PHONE, RevealLog.Field.PHONE, RevealLog.Field.ID_NUMBER,
                            RevealLog.Field.ADDRESS))
        target = {
            RevealLog.Field.PHONE: lambda c: mask_phone(c.phones.first().number) if c.phones.exists() else "",
            RevealLog.Field.ID_NUMBER: lambda c: mask_id_number(c.id_number),
            RevealLog.Field.ADDRESS: lambda c: mask_address(c.address),
        }[field](pick.customer)
        rows.append(
            RevealLog(
                user=pick.customer.account_manager or world.staff["supervisor"],
                customer=pick.customer,
                field=field,
                target=target,
                reason=rng.choice(REVEAL_REASONS),
                at=world.now - timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 600)),
            )
        )
    RevealLog.objects.bulk_create(rows)


# ---------------------------------------------------------------------------- the whole set


@dataclass
class Loaded:
    customers: int
    contacts: int
    complaints: int
    by_state: dict[str, int]
    overdue: int
    regulator: int
    repeat: int
    seconds: float = 0.0


@transaction.atomic
def demo_load(*, sizes: Sizes, seed: int = SEED, now: datetime | None = None) -> Loaded:
    """Create the whole demo data set in one transaction (all or nothing)."""
    now = now or timezone.now()
    world = World(now=now, rng=random.Random(seed), staff={}, departments={}, seed=seed)
    world.departments = make_departments()
    world.staff = make_staff(world.departments)
    make_customers(world, sizes.customers)
    make_contacts(world, sizes.contacts)
    make_reveals(world)
    stories.make_complaints(world, sizes.complaints, sizes.history_complaints)
    make_quality(world)
    for module in _app_demo_modules():
        module.load(world)
    settle_notifications(now)
    index_for_search()
    return summary(now=now)


# Apps that bring their own demo rows, in load order (a later one may read an earlier one's rows).
# Each has a ``demo`` module with ``load(world)`` and ``reset(*, users, customers) -> {label: count}``.
DEMO_APPS = ("kefu.training", "kefu.fieldservice", "kefu.surveys", "kefu.insights")


def _app_demo_modules() -> list[Any]:
    modules = []
    for app in DEMO_APPS:
        if apps.is_installed(app) and importlib.util.find_spec(f"{app}.demo") is not None:
            modules.append(importlib.import_module(f"{app}.demo"))
    return modules


def make_quality(world: World, calls: int = 60) -> None:
    """Call transcripts for quality inspection: imported and scored, sampled into the review queue,
    one reviewed with a withdrawn deduction and one appealed (the QA lead has a ruling to make)."""
    if not apps.is_installed("kefu.quality"):
        return
    from kefu.qa import synth
    from kefu.quality import reviews, services
    from kefu.quality.models import Review, SamplingPolicy

    agents = [u for u in world.staff.values() if u.role == "agent"]
    inspector = next((u for u in world.staff.values() if u.role == "qa"), None)
    if not agents or inspector is None:
        return
    rng = random.Random(world.seed + 10)
    items = []
    for i, call in enumerate(synth.hotline_calls(calls, seed=world.seed, turns=14)):
        call["id"] = f"DEMO-CALL-{i + 1:04d}"
        call["agent"] = agents[i % len(agents)].username
        days = rng.randint(0, 6) if i < 14 else rng.randint(7, 55)  # this week's to sample, eight weeks of trend
        call["started_at"] = (world.now - timedelta(days=days, minutes=rng.randint(0, 600))).isoformat()
        items.append((i + 1, call))
    services.conversations_import(actor=inspector, items=items)
    _rate_calls(rng, [call["id"] for _, call in items])
    if not SamplingPolicy.objects.exists():  # the demo QA lead's policies
        SamplingPolicy.objects.bulk_create([
            SamplingPolicy(kind=SamplingPolicy.Kind.RANDOM, value=20),
            SamplingPolicy(kind=SamplingPolicy.Kind.CRITICAL),
            SamplingPolicy(kind=SamplingPolicy.Kind.LOW_SCORE, value=70),
        ])
    reviews.sample(now=world.now)
    queue = list(Review.objects.filter(state="queued").select_related("auto_card", "conversation__agent"))
    for index, review in enumerate(queue[:2]):
        review = reviews.review_claim(review=review, actor=inspector)
        failed = [h["rule"] for h in review.auto_card.data.get("hits", []) if h.get("outcome") == "fail"]
        decisions = {failed[0]: {"upheld": False, "comment": "录音中客户先挂断，非坐席原因"}} if failed else {}
        review = reviews.review_submit(review=review, actor=inspector, decisions=decisions, manual=[])
        agent = review.conversation.agent
        if index == 1 and len(failed) > 1 and agent is not None:
            reviews.appeal_file(review=review, actor=agent, rule=failed[1],
                                reason="我已按规范致歉并给出处理时限，请复听录音第 5 句。")


def _rate_calls(rng: random.Random, source_ids: list[str]) -> None:
    """Customers rate most calls 1–5 on the IVR after hanging up (stored 0–100), loosely following how the
    call went; the demo's predictor learns from these ratings, as an operator's learns from its own."""
    from kefu.quality import learning
    from kefu.quality.models import Conversation, Scorecard

    scores = dict(
        Scorecard.objects.filter(conversation__source_id__in=source_ids, kind=Scorecard.Kind.AUTO, current=True)
        .values_list("conversation_id", "score")
    )
    rated = []
    for conv in Conversation.objects.filter(pk__in=list(scores)).order_by("pk"):
        if rng.random() < 0.15:  # hung up before the IVR asked
            continue
        stars = round(1 + 4 * (float(scores[conv.pk]) - 55) / 45 + rng.gauss(0, 0.8))
        conv.labels = {**conv.labels, "satisfaction": (min(5, max(1, stars)) - 1) * 25}
        rated.append(conv)
    Conversation.objects.bulk_update(rated, ["labels"])
    learning.train_and_store(actor=None)


def settle_notifications(now: datetime) -> None:
    """People read their notifications: only the last two days' stay unread in the demo's bells,
    and an approval request is read once the proposal was decided."""
    if not apps.is_installed("kefu.notifications"):
        return
    from kefu.notifications.models import Notification

    Notification.objects.filter(created_at__lt=now - timedelta(days=2), read_at__isnull=True).update(
        read_at=now - timedelta(days=1)
    )
    decided = set(Complaint.objects.exclude(state="pending_approval").values_list("pk", flat=True))
    stale = Notification.objects.filter(kind="approval_waiting", read_at__isnull=True)
    read = [
        note.pk
        for note in stale.only("pk", "url")
        if parse_id(note.url.rstrip("/").rsplit("/", 1)[-1]) in decided
    ]
    Notification.objects.filter(pk__in=read).update(read_at=now)


def index_for_search() -> None:
    """Index the whole demo now (bulk writes report nothing, and queued indexing would wait for a worker)."""
    if not apps.is_installed("kefu.search"):
        return
    from kefu.search import services as search
    from kefu.search.models import Kind

    search.reindex(kinds=(Kind.CUSTOMER, Kind.CONTACT, Kind.COMPLAINT))


def summary(*, now: datetime | None = None) -> Loaded:
    now = now or timezone.now()
    customers = Customer.objects.filter(note__startswith=content.NOTE_MARK)
    complaints = Complaint.objects.filter(created_by__in=User.objects.filter(demo_users()))
    by_state: dict[str, int] = {}
    for state in complaints.values_list("state", flat=True):
        by_state[state] = by_state.get(state, 0) + 1
    return Loaded(
        customers=customers.count(),
        contacts=Contact.objects.filter(agent__in=User.objects.filter(demo_users())).count(),
        complaints=complaints.count(),
        by_state=by_state,
        overdue=complaints.exclude(state="closed").filter(step_due_at__lt=now).count(),
        regulator=complaints.filter(is_regulator=True).count(),
        repeat=complaints.filter(is_repeat=True).count(),
    )
