"""Generate a realistic Kefu dataset into PostgreSQL fast, with COPY.

Customers, phone numbers, contacts, complaints at every step of the process
(with their event rows, proposals and follow-ups) and the users who worked
them. Text is built from Chinese phrase pools so that words occur with
realistic, uneven frequencies (宽带 and 话费 common, 光猫 or 漫游 rare).

Rows are written column by column from the models' own metadata; fields the
generator does not know get their model default, so a new column with a
default does not break the benchmark.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone

from kefu.accounts.models import Department, User
from kefu.accounts.roles import Role
from kefu.complaints.flow import State
from kefu.complaints.models import Complaint, ComplaintEvent, FollowUp, Proposal
from kefu.customers.models import Contact, Customer, PhoneNumber

PASSWORD = "bench12345"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰文辉鹏飞宇浩然欣怡子涵梓萱雨轩俊杰"
PLACES = [
    "幸福小区", "阳光花园", "金山新村", "鼓楼区", "仓山区", "台江区", "晋安区", "马尾区", "长乐区", "福清市",
    "东湖路", "五四路", "温泉公园", "万达广场", "大学城", "软件园", "火车站", "东街口", "西湖", "江滨路",
]
SEGMENTS = ["全球通", "动感地带", "神州行", "家庭宽带", "政企专线", "有线电视", "5G畅享", "校园套餐"]

# (subject, weight): weights make some words common and others rare.
SUBJECTS = [
    ("宽带经常断线", 12), ("宽带网速慢", 8), ("话费多扣", 10), ("话费账单有疑问", 6), ("手机信号差", 9),
    ("套餐变更未生效", 6), ("流量计费有误", 7), ("营业员态度差", 5), ("维修超时", 5), ("有线电视无信号", 4),
    ("携号转网受阻", 2), ("充值未到账", 4), ("垃圾短信骚扰", 3), ("国际漫游扣费", 1), ("光猫故障", 2),
    ("积分兑换失败", 2), ("发票开具错误", 2), ("停机未通知", 3), ("增值业务未订购却扣费", 4), ("装机预约爽约", 3),
]
OPENINGS = [
    "客户来电反映", "客户到营业厅反映", "用户在网上营业厅留言", "客户通过工信部申诉", "客户再次来电",
    "客户情绪激动，表示", "老客户反映", "客户家属代为反映",
]
PROBLEMS = [
    "家里宽带这周断了三次", "晚上宽带网速只有几兆", "本月话费比上月多了五十元", "话费账单里有不认识的收费项目",
    "在家里手机信号很差，经常打不通", "上月申请的套餐变更到现在还没有生效", "流量明明没用完却被收了超出费用",
    "营业员办理业务时态度恶劣，不耐烦", "报修已经三天了还没有人上门", "有线电视一直显示无信号",
    "携号转网时被告知有未结清费用", "充值一百元一直没有到账", "每天收到大量垃圾短信", "出国旅游回来发现漫游费用很高",
    "光猫指示灯一直闪红灯", "积分兑换的礼品一直没有收到", "开具的发票抬头错误", "没有任何通知就被停机",
    "被扣了从来没有订购过的增值业务费用", "约好上门装机的师傅没有来也没有打电话",
]
IMPACTS = [
    "影响在家办公", "孩子上网课受影响", "耽误了重要的工作电话", "客户非常不满", "已经是第二次反映这个问题",
    "客户表示要向工信部投诉", "客户表示要转网", "给生活带来很大不便", "", "",
]
DEMANDS = [
    "尽快修好并减免本月月租", "退还多扣的话费", "给出书面解释并道歉", "更换光猫", "恢复原套餐",
    "赔偿损失", "要求上门检测", "取消增值业务并退费", "尽快到账", "要求主管回电",
]
CONTACT_SUMMARIES = [
    ("咨询话费", 12), ("查询账单", 8), ("办理套餐变更", 8), ("宽带报修", 10), ("咨询宽带资费", 6),
    ("流量查询", 8), ("投诉信号差", 4), ("咨询携号转网", 2), ("充值问题", 4), ("机顶盒无信号", 4),
    ("咨询国际漫游", 1), ("补办SIM卡", 3), ("积分兑换", 2), ("开具发票", 3), ("建议增加营业网点", 1),
    ("骚扰电话", 1), ("预约上门安装", 4), ("停复机", 3), ("密码重置", 3), ("咨询5G套餐", 4),
]
CONTACT_DETAILS = [
    "客户询问本月话费为什么多了", "已为客户解释计费规则，客户表示理解", "已登记报修，预约明天上午上门",
    "客户要求办理更优惠的套餐", "已告知客户办理流程和所需证件", "客户对处理结果满意", "客户表示会考虑后再来电",
    "已发送短信告知客户详情", "转相关部门跟进处理", "客户反映宽带晚上经常掉线", "已为客户查询近三个月账单",
    "客户询问流量包的使用范围", "指导客户重启光猫后恢复正常", "客户咨询老人卡的资费", "已为客户充值补登",
]
CHANNELS = ["hotline"] * 12 + ["counter"] * 5 + ["online_chat", "web", "app", "sms", "ivr", "account_manager",
                                                    "onsite", "miit", "consumer", "citizen", "group_web"]
CATEGORIES = ["consult"] * 5 + ["help"] * 3 + ["transaction"] * 3 + ["complaint", "suggestion", "harassment"]
CAUSES = ["network", "call_quality", "service_quality", "attitude", "billing_error", "payment_not_credited",
          "sp_service", "spam_sms"]
REMEDIES = ["refund", "repair_replace", "apology", "gift", "discount"]
# Where complaints are in the process: most are closed, every open step is populated.
STATE_WEIGHTS = [
    (State.RECORDED, 3), (State.ACCEPTED, 2), (State.ASSIGNED, 4), (State.ANALYSED, 2),
    (State.PENDING_APPROVAL, 2), (State.APPROVED, 2), (State.IMPLEMENTED, 3), (State.FOLLOWED_UP, 2),
    (State.CLOSED, 80),
]
STEPS = [
    ("record", "", State.RECORDED), ("accept", State.RECORDED, State.ACCEPTED),
    ("assign", State.ACCEPTED, State.ASSIGNED), ("analyse", State.ASSIGNED, State.ANALYSED),
    ("propose", State.ANALYSED, State.PENDING_APPROVAL), ("approve", State.PENDING_APPROVAL, State.APPROVED),
    ("implement", State.APPROVED, State.IMPLEMENTED), ("follow_up", State.IMPLEMENTED, State.FOLLOWED_UP),
    ("review", State.FOLLOWED_UP, State.CLOSED),
]
STATE_INDEX = {target: i for i, (_, _, target) in enumerate(STEPS)}


def _weighted(rng: random.Random, pairs: list[tuple[Any, int]], k: int) -> list[Any]:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights, k=k)


# ---------------------------------------------------------------- COPY with model metadata


def _defaults(model: type[models.Model]) -> dict[str, Any]:
    out = {}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.has_default():
            out[f.attname] = f.get_default()
        elif f.null:
            out[f.attname] = None
        elif f.default is NOT_PROVIDED and isinstance(f, (models.CharField, models.TextField)):
            out[f.attname] = ""
    return out


def copy_rows(model: type[models.Model], rows: Iterable[dict[str, Any]]) -> int:
    """COPY ``rows`` (dicts by attname, with explicit ids) into ``model``'s table; defaults fill the rest."""
    fields = [f for f in model._meta.concrete_fields]
    defaults = _defaults(model)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    n = 0
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # Building each secondary index once after the load beats maintaining it row by row.
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                values = []
                for f in fields:
                    value = row[f.attname] if f.attname in row else defaults.get(f.attname)
                    if f.attname in json_fields and value is not None:
                        value = json.dumps(value, ensure_ascii=False)
                    values.append(value)
                copy.write_row(values)
                n += 1
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )
    return n


# ---------------------------------------------------------------- the dataset


class Generator:
    def __init__(self, *, complaints: int, contacts: int, seed: int = 20261122,
                 log: Callable[[str], None] = print) -> None:
        self.n_complaints = complaints
        self.n_contacts = contacts
        self.n_customers = max(1000, contacts // 5)
        self.rng = random.Random(seed)
        self.log = log
        self.now = timezone.now()
        self.start = self.now - timedelta(days=730)

    def _name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))

    def _phone(self) -> str:
        return self.rng.choice(("13", "15", "18", "17", "19")) + f"{self.rng.randrange(10**9):09d}"

    def _when(self) -> datetime:
        # Skewed towards recent: more traffic now than two years ago.
        return self.now - timedelta(seconds=int((self.rng.random() ** 1.5) * 730 * 86400))

    def _timed(self, label: str, func: Callable[[], int]) -> None:
        t = time.perf_counter()
        n = func()
        self.log(f"  {label}: {n:,} rows in {time.perf_counter() - t:.1f}s")

    def run(self) -> dict[str, Any]:
        self._people()
        self._timed("customers", self._customers)
        self._timed("phone numbers", self._phones)
        self._timed("contacts", self._contacts)
        self._timed("complaints", self._complaints)
        self._timed("complaint events", self._events)
        self._timed("proposals", self._proposals)
        self._timed("follow-ups", self._follow_ups)
        return {"agent": self.agents[0].username, "supervisor": self.supervisors[0].username}

    # -------------------------------------------------------------- people

    def _people(self) -> None:
        depts = [
            Department.objects.get_or_create(code=code, defaults={"name": name})[0]
            for code, name in (("b-network", "网络维护部"), ("b-billing", "计费账务部"), ("b-sales", "市场营销部"),
                               ("b-field", "装维服务部"))
        ]
        front = Department.objects.get_or_create(
            code="b-front", defaults={"name": "客服中心", "handles_complaints": False})[0]
        password = make_password(PASSWORD)

        def users(prefix: str, role: str, n: int, dept: Callable[[int], Department]) -> list[User]:
            User.objects.bulk_create(
                [User(username=f"{prefix}{i:03d}", password=password, role=role, department=dept(i),
                      full_name=self._name()) for i in range(n)],
                ignore_conflicts=True,
            )
            return list(User.objects.filter(username__startswith=prefix).order_by("username"))

        self.agents = users("b-agent", Role.AGENT, 200, lambda i: front)
        self.handlers = users("b-handler", Role.HANDLER, 60, lambda i: depts[i % len(depts)])
        self.supervisors = users("b-super", Role.SUPERVISOR, 10, lambda i: front)
        self.depts = depts

    # -------------------------------------------------------------- customers and contacts

    def _customers(self) -> int:
        rng = self.rng
        tiers = [("ordinary", 80), ("vip_silver", 8), ("vip_gold", 5), ("vip_diamond", 2), ("group_a", 1),
                 ("group_b", 2), ("group_c", 2)]
        tier_list = _weighted(rng, tiers, self.n_customers)

        def rows() -> Iterator[dict[str, Any]]:
            for i in range(1, self.n_customers + 1):
                created = self.start - timedelta(days=rng.randrange(3000))
                yield {
                    "id": i, "name": self._name(), "tier": tier_list[i - 1], "segment": rng.choice(SEGMENTS),
                    "persona": rng.choice(("", "", "dove", "peacock", "tiger", "owl")),
                    "id_number": f"350102{rng.randrange(1950, 2005)}{rng.randrange(10**8):08d}",
                    "customer_since": created.date(), "address": f"福州市{rng.choice(PLACES)}{rng.randrange(1, 40)}号",
                    "created_at": created,
                }

        return copy_rows(Customer, rows())

    def _phones(self) -> int:
        rng = self.rng
        self.customer_phone: dict[int, str] = {}

        def rows() -> Iterator[dict[str, Any]]:
            pk = 0
            for customer_id in range(1, self.n_customers + 1):
                for k in range(1 if rng.random() < 0.75 else 2):
                    pk += 1
                    number = self._phone()
                    if k == 0:
                        self.customer_phone[customer_id] = number
                    yield {"id": pk, "customer_id": customer_id, "number": number, "is_primary": k == 0}

        return copy_rows(PhoneNumber, rows())

    def _contacts(self) -> int:
        rng = self.rng
        summaries = _weighted(rng, CONTACT_SUMMARIES, self.n_contacts)
        agent_ids = [a.pk for a in self.agents]

        def rows() -> Iterator[dict[str, Any]]:
            for i in range(1, self.n_contacts + 1):
                linked = rng.random() < 0.7
                customer_id = rng.randrange(1, self.n_customers + 1) if linked else None
                at = self._when()
                detail = rng.choice(CONTACT_DETAILS)
                if rng.random() < 0.5:
                    detail += "，" + rng.choice(CONTACT_DETAILS)
                yield {
                    "id": i, "customer_id": customer_id,
                    "phone": self.customer_phone[customer_id] if customer_id else self._phone(),
                    "channel": rng.choice(CHANNELS), "category": rng.choice(CATEGORIES),
                    "summary": summaries[i - 1], "detail": detail, "agent_id": rng.choice(agent_ids),
                    "occurred_at": at, "duration_seconds": rng.randrange(30, 900), "created_at": at,
                }

        return copy_rows(Contact, rows())

    # -------------------------------------------------------------- complaints

    def _complaints(self) -> int:
        rng = self.rng
        subjects = _weighted(rng, SUBJECTS, self.n_complaints)
        states = _weighted(rng, STATE_WEIGHTS, self.n_complaints)
        self.complaint_steps: list[tuple[int, int, datetime, int, int | None]] = []

        def rows() -> Iterator[dict[str, Any]]:
            for i in range(1, self.n_complaints + 1):
                state = states[i - 1]
                # Open complaints are recent; closed ones spread over two years.
                received = (self.now - timedelta(hours=rng.randrange(1, 24 * 20)) if state != State.CLOSED
                            else self._when())
                customer_id = rng.randrange(1, self.n_customers + 1) if rng.random() < 0.8 else None
                phone = self.customer_phone[customer_id] if customer_id else self._phone()
                subject = subjects[i - 1]
                problem = PROBLEMS[[s for s, _ in SUBJECTS].index(subject)]
                content = f"{rng.choice(OPENINGS)}{problem}，{rng.choice(IMPACTS)}".rstrip("，") + "。"
                channel = rng.choice(CHANNELS)
                step = STATE_INDEX[state]
                handler = rng.choice(self.handlers) if step >= STATE_INDEX[State.ASSIGNED] else None
                creator = rng.choice(self.agents).pk
                cause = rng.choice(CAUSES) if step >= STATE_INDEX[State.ANALYSED] else ""
                self.complaint_steps.append((i, step, received, creator, handler.pk if handler else None))
                due = received + timedelta(days=rng.choice((3, 5, 7)))
                yield {
                    "id": i, "number": f"TS{timezone.localtime(received):%Y%m%d}{i:06d}", "state": state,
                    "version": step + 1, "customer_id": customer_id, "complainant_name": self._name(),
                    "complainant_phone": phone, "received_at": received, "channel": channel,
                    "subject": subject, "content": content, "demands": rng.choice(DEMANDS),
                    "severity": rng.choice(("low", "normal", "normal", "normal", "high", "critical")),
                    "cause": cause, "cause_category": "", "is_regulator": channel in ("miit", "consumer", "citizen", "group_web"),
                    "priority": rng.randrange(0, 80), "handling_department_id": handler.department_id if handler else None,
                    "responsible_department_id": handler.department_id if handler else None,
                    "handler_id": handler.pk if handler else None,
                    "cause_analysis": "经查，" + problem if cause else "",
                    "step_started_at": received, "step_due_at": received + timedelta(days=1), "due_at": due,
                    "sla_breached": state != State.CLOSED and due < self.now,
                    "created_by_id": creator, "created_at": received, "updated_at": received,
                    "closed_at": received + timedelta(days=3) if state == State.CLOSED else None,
                    "closed_outcome": "resolved" if state == State.CLOSED else "",
                }

        return copy_rows(Complaint, rows())

    def _events(self) -> int:
        supervisor = self.supervisors[0].pk

        def rows() -> Iterator[dict[str, Any]]:
            pk = 0
            for complaint_id, step, received, creator, handler in self.complaint_steps:
                for k in range(step + 1):
                    action, from_state, to_state = STEPS[k]
                    pk += 1
                    actor = creator if k in (0, 7) else (handler or supervisor) if k in (3, 4, 6) else supervisor
                    yield {"id": pk, "complaint_id": complaint_id, "seq": k + 1, "action": action,
                           "from_state": from_state, "to_state": to_state, "actor_id": actor,
                           "at": received + timedelta(hours=4 * k), "reason": "", "data": {}}

        return copy_rows(ComplaintEvent, rows())

    def _proposals(self) -> int:
        rng = self.rng
        supervisor = self.supervisors[0].pk

        def rows() -> Iterator[dict[str, Any]]:
            pk = 0
            for complaint_id, step, received, _creator, handler in self.complaint_steps:
                if step < STATE_INDEX[State.PENDING_APPROVAL]:
                    continue
                pk += 1
                decided = step > STATE_INDEX[State.PENDING_APPROVAL]
                yield {"id": pk, "complaint_id": complaint_id, "remedy": rng.choice(REMEDIES),
                       "amount": Decimal(rng.choice((0, 20, 50, 100, 300))), "plan": "上门处理并减免部分费用",
                       "proposed_by_id": handler or supervisor, "proposed_at": received + timedelta(hours=16),
                       "decision": "approved" if decided else "pending",
                       "decided_by_id": supervisor if decided else None,
                       "decided_at": received + timedelta(hours=20) if decided else None}

        return copy_rows(Proposal, rows())

    def _follow_ups(self) -> int:
        rng = self.rng

        def rows() -> Iterator[dict[str, Any]]:
            pk = 0
            for complaint_id, step, received, creator, _handler in self.complaint_steps:
                if step < STATE_INDEX[State.FOLLOWED_UP]:
                    continue
                pk += 1
                yield {"id": pk, "complaint_id": complaint_id, "method": "phone", "done": True, "helped": True,
                       "satisfaction": rng.choice((3, 4, 5, 5)), "by_id": creator,
                       "at": received + timedelta(hours=28)}

        return copy_rows(FollowUp, rows())
