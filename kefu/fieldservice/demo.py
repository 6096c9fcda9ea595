"""Demo rows for on-site service: technicians' shifts, a month of finished visits, today's orders in every
state (some late, one whose customer complained that the technician banged on the door), signatures,
feedback, sales leads, confirming calls and counter inspections.

Today's orders go through the real services, so every event row and message is what the product writes;
the month of history is written in bulk (with the same fields and events) to keep the load fast.
"""

from __future__ import annotations

import struct
import uuid
import zlib
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from kefu.accounts.models import User
from kefu.customers.models import Customer
from kefu.fieldservice import checklists, process, services
from kefu.fieldservice.models import (
    ChecklistRun,
    CounterInspection,
    FollowUpCall,
    Shift,
    Signature,
    WorkOrder,
    WorkOrderEvent,
)
from kefu.fieldservice.process import OrderType, State

FAULTS = (
    ("repair", "宽带无法上网，光猫LOS灯红", "光猫", "入户皮线光缆弯折过度", "重新熔接皮线光缆并理顺走线，测速正常"),
    ("repair", "电视机顶盒无信号，画面提示E102", "机顶盒", "机顶盒背板同轴接头氧化", "更换F头并清洁接口，信号恢复"),
    ("repair", "网速慢，晚上经常掉线", "光猫", "光猫过热、散热孔被杂物堵塞", "清理散热孔、调整摆放位置并升级固件"),
    ("install", "新装300M宽带并安装IPTV", "光猫、机顶盒", "新装", "布放皮线光缆，安装光猫和机顶盒，演示遥控器使用"),
    ("relocate", "客户搬家，需移机到新房", "光猫", "移机", "新址布线并迁移光猫，旧址拆除线路"),
    ("change", "光猫升级为千兆型号", "光猫", "设备老旧不支持千兆", "征得客户同意后更换千兆光猫，测速930M"),
    ("emergency", "整个单元断网，多户报修", "分纤箱", "楼道分纤箱尾纤被老鼠咬断", "更换尾纤并逐户测试恢复"),
)
LEADS = ("客户家中老人想办理亲情号", "客户询问千兆宽带升级资费", "客户有意加装全屋WiFi", "")
REMARKS = ("师傅很专业，准时到达", "服务态度好，解释清楚", "修好了，谢谢", "来得有点晚，但修得很快", "")
STAGES = [s.key for s in checklists.onsite().stages]


def _png(seed: int) -> bytes:
    """A small transparent PNG with a stroke: a stand-in for a signature drawn on the pad."""
    width, height = 120, 40
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            ink = abs(y - (20 + ((x + seed) % 17) - 8)) <= 1 and 10 <= x < 110
            row += b"\x10\x10\x40\xff" if ink else b"\x00\x00\x00\x00"
        rows.append(bytes(row))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b"")


def _people(world: Any) -> list[Customer]:
    return [p.customer for p in world.people if p.customer.address][:200]


def load(world: Any) -> None:
    staff = world.staff
    techs = [staff[k] for k in ("tech", "tech2", "tech3") if k in staff]
    dispatcher = staff.get("dispatch")
    if not techs or dispatcher is None:
        return
    customers = _people(world)
    if len(customers) < 20:
        return
    # Each technician covers every third district; the first is where their shift is listed.
    areas = sorted({services.area_of(c.address) for c in customers})
    cover = {t.pk: areas[i::len(techs)] or areas[:1] for i, t in enumerate(techs)}
    home = {t.pk: cover[t.pk][0] for t in techs}
    by_area = {t.pk: [c for c in customers if services.area_of(c.address) in cover[t.pk]] or customers for t in techs}
    today = timezone.localdate(world.now)
    Shift.objects.bulk_create([
        Shift(technician=t, day=today + timedelta(days=d), area=home[t.pk])
        for t in techs for d in range(-30, 8) if (today + timedelta(days=d)).weekday() != 6 or d >= 0
    ])
    _history(world, techs, dispatcher, by_area, home)
    _today(world, techs, dispatcher, by_area, home)
    _counter(world)


def _history(world: Any, techs: list[User], dispatcher: User, by_area: dict[int, list[Customer]],
             home: dict[int, str]) -> None:
    """A month of finished visits, written in bulk with their events, checklists and signatures."""
    rng = world.rng
    today = timezone.localdate(world.now)
    orders: list[WorkOrder] = []
    plans: list[dict[str, Any]] = []
    n = 0
    cycles = {t.pk: rng.sample(by_area[t.pk], k=len(by_area[t.pk])) for t in techs}
    for back in range(28, 0, -1):
        day = today - timedelta(days=back)
        for tech in techs:
            for hour in rng.sample(process.WINDOW_STARTS, k=rng.randint(1, 2)):
                n += 1
                kind, desc, equip, cause, done = rng.choice(FAULTS)
                customer = cycles[tech.pk][n % len(cycles[tech.pk])]
                start = timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour))
                late = rng.random() < 0.12
                arrived = start + timedelta(minutes=rng.randint(130, 200)) if late else start - timedelta(
                    minutes=rng.choice((8, 6, 15, 0, -20)))
                arrival = process.arrival_status(window_start=start, window_end=start + timedelta(hours=2),
                                                 arrived_at=arrived)
                finished = arrived + timedelta(minutes=rng.randint(35, 110))
                created = start - timedelta(hours=rng.randint(3, 40))
                second_visit = rng.random() < 0.08
                mot = {m: rng.choice((1, 1, 2, 2, 3, 0, -1)) for m in rng.sample(process.MOT_MOMENTS, k=3)}
                if late:
                    mot["visit"] = rng.choice((-1, -2))
                score = rng.choice((5, 5, 4, 4, 3)) if not late else rng.choice((2, 3, 4))
                fee = Decimal("0.00") if kind != "relocate" else Decimal("50.00")
                orders.append(WorkOrder(
                    number=f"WO{day:%Y%m%d}9{n:05d}", order_type=kind, state=State.CLOSED, version=8,
                    priority=process.TYPE_RULES[OrderType(kind)].priority,
                    due_at=process.promised_by(kind, created), customer=customer, contact_name=customer.name,
                    address=customer.address, area=services.area_of(customer.address), equipment=equip, description=desc,
                    technician=tech, window_start=start, window_end=start + timedelta(hours=2), confirmation="confirmed",
                    departed_at=arrived - timedelta(minutes=25), arrived_at=arrived, arrival=arrival.value,
                    call_ahead_at=start + timedelta(minutes=90) if late else None,
                    call_ahead_note="提前电话告知客户前一单抢修延误，致歉并征得同意顺延" if late else "",
                    cause=cause, work_done=done, parts=[{"name": equip.split("、")[0], "serial": f"ZX{rng.randint(10**7, 10**8 - 1)}"}]
                    if kind in ("install", "change") else [], line_tests={"rx_dbm": f"-{rng.randint(15, 24)}.{rng.randint(0, 9)}",
                                                                          "speed_mbps": str(rng.randint(280, 320))},
                    replaced=kind == "change", consent_at=arrived + timedelta(minutes=10) if kind == "change" else None,
                    consent_note="说明旧光猫不支持千兆，客户同意更换" if kind == "change" else "",
                    fees=[{"code": "relocate", "name": "移机服务费", "qty": 1, "amount": "50.00"}] if fee else [],
                    fee_total=fee, mot=mot, leads=rng.choice(LEADS), feedback_score=score,
                    feedback_remarks=rng.choice(REMARKS), feedback_at=finished,
                    reopen_count=1 if second_visit else 0, visits=2 if second_visit else 1, outcome="fixed",
                    created_by=dispatcher, created_at=created, updated_at=finished, finished_at=finished,
                    closed_at=finished + timedelta(hours=3),
                ))
                plans.append({"tech": tech, "created": created, "start": start, "arrived": arrived,
                              "finished": finished, "skip_stage": rng.random() < 0.1, "late": late})
    WorkOrder.objects.bulk_create(orders, batch_size=500)
    saved = list(WorkOrder.objects.filter(number__in=[o.number for o in orders]).order_by("number"))
    plans_by = {o.number: p for o, p in zip(orders, plans, strict=True)}
    events: list[WorkOrderEvent] = []
    runs: list[ChecklistRun] = []
    signatures: list[Signature] = []
    calls: list[FollowUpCall] = []
    for order in saved:
        p = plans_by[order.number]
        tech = p["tech"]
        steps = [("create", "", State.NEW, dispatcher, p["created"]),
                 ("book", State.NEW, State.BOOKED, dispatcher, p["created"] + timedelta(minutes=20)),
                 ("depart", State.BOOKED, State.EN_ROUTE, tech, order.departed_at),
                 ("arrive", State.EN_ROUTE, State.ON_SITE, tech, p["arrived"]),
                 ("sign", State.ON_SITE, State.ON_SITE, tech, p["finished"] - timedelta(minutes=3)),
                 ("finish", State.ON_SITE, State.FIXED, tech, p["finished"]),
                 ("confirm", State.FIXED, State.CLOSED, dispatcher, order.closed_at)]
        for seq, (action, src, dst, actor, at) in enumerate(steps, start=1):
            events.append(WorkOrderEvent(order=order, seq=seq, action=action, from_state=src, to_state=dst,
                                         actor=actor, at=at, data={}))
        for i, stage in enumerate(STAGES):
            if p["skip_stage"] and stage == "work":
                continue
            found = checklists.onsite().stage(stage)
            items = {item.key: True for item in found.items} if found else {}
            at = p["arrived"] - timedelta(minutes=30) if i == 0 else p["arrived"] + timedelta(minutes=2 * i)
            runs.append(ChecklistRun(order=order, stage=stage, items=items, by=tech, done_at=at, device_at=at,
                                     visit=order.visits))
        signatures.append(Signature(order=order, visit=order.visits, png=_png(order.pk), signer_name=order.contact_name,
                                    signed_at=p["finished"] - timedelta(minutes=3), device_at=p["finished"],
                                    content_hash=services.content_hash(order)))
        calls.append(FollowUpCall(order=order, due_at=p["finished"] + timedelta(hours=2), done_at=order.closed_at,
                                  by=dispatcher, result="satisfied", note="客户确认使用正常"))
    WorkOrderEvent.objects.bulk_create(events, batch_size=1000)
    ChecklistRun.objects.bulk_create(runs, batch_size=1000)
    Signature.objects.bulk_create(signatures, batch_size=200)
    FollowUpCall.objects.bulk_create(calls, batch_size=500)


def _today(world: Any, techs: list[User], dispatcher: User, by_area: dict[int, list[Customer]],
           home: dict[int, str]) -> None:
    """Today's orders through the real services: one in every state, some late, one complaint (砸门)."""
    rng = world.rng
    today = timezone.localdate(world.now)
    agent = world.staff.get("agent")
    tech, tech2, tech3 = (techs + techs + techs)[:3]
    pool = {t.pk: list(by_area[t.pk]) for t in techs}
    faults: dict[int, tuple[str, ...]] = {}

    def new(t: User, kind: str = "", desc: str = "") -> WorkOrder:
        fault = rng.choice([f for f in FAULTS if not kind or f[0] == kind])
        if not pool[t.pk]:
            pool[t.pk] = list(by_area[t.pk])
        customer = pool[t.pk].pop(rng.randrange(len(pool[t.pk])))
        order = services.order_create(actor=dispatcher, customer=customer, order_type=fault[0],
                                      description=desc or fault[1], equipment=fault[2])
        faults[order.pk] = fault
        return order

    def book(order: WorkOrder, t: User, hour: int, day: Any = today) -> WorkOrder:
        return services.order_book(actor=dispatcher, order=order, technician=t,
                                   window_start=services.window_for(day, hour)[0])

    def act(order: WorkOrder, t: User, kind: str, **data: Any) -> WorkOrder:
        return services.step_apply(actor=t, order=order, kind=kind, data=data, client_uuid=str(uuid.uuid4()))

    def stage(order: WorkOrder, t: User, key: str) -> WorkOrder:
        found = checklists.onsite().stage(key)
        return act(order, t, "checklist", stage=key, items=[i.key for i in found.items] if found else [])

    def visit(order: WorkOrder, t: User, *, sign: bool = True, score: int = 5, remarks: str = "") -> WorkOrder:
        order = act(stage(order, t, "prepare"), t, "depart")
        order = act(order, t, "arrive", called_ahead=True, call_ahead_note="出发前电话告知客户可能晚到，已致歉")
        order = stage(stage(order, t, "door"), t, "enter")
        fault = faults.get(order.pk, FAULTS[0])
        order = act(order, t, "record", cause=fault[3], work_done=fault[4], rx_dbm="-19.2", speed_mbps="301",
                    parts=[{"name": "尾纤", "serial": f"WX{rng.randint(10**6, 10**7 - 1)}"}])
        order = stage(order, t, "work")
        if sign:
            order = act(order, t, "sign", image="data:image/png;base64," + __import__("base64").b64encode(_png(order.pk)).decode(),
                        signer_name=order.contact_name, feedback_score=str(score),
                        feedback_remarks=remarks or rng.choice(REMARKS))
        return order

    hours = [h for h in process.WINDOW_STARTS]
    # To book: an emergency past its 4-hour promise (late), a reopened repair, a new installation.
    late_new = new(tech3, "emergency")
    WorkOrder.objects.filter(pk=late_new.pk).update(created_at=world.now - timedelta(hours=6),
                                                    due_at=world.now - timedelta(hours=2))
    new(tech2, "install")
    new(tech, "repair")
    # Booked for the technicians' day (tomorrow's once today's windows are nearly over), one confirmed by
    # the customer through the link.
    now_local = timezone.localtime(world.now)
    ahead = today if now_local.hour < 14 else today + timedelta(days=1)
    first = book(new(tech, "repair"), tech, hours[-2], ahead)
    message = first.messages.filter(kind="booked").latest("pk")
    services.link_answer(token=services.link_token(message), answer="confirm")
    book(new(tech, "install"), tech, hours[-1], ahead)
    book(new(tech2, "relocate"), tech2, hours[-1], ahead)
    # The customer asked for another time through the link.
    changed = book(new(tech3, "change"), tech3, hours[-1], ahead)
    services.link_answer(token=services.link_token(changed.messages.latest("pk")), answer="change",
                         remarks="今天临时有事，明天上午更方便")
    # Late: booked this morning (or yesterday afternoon), the technician has not arrived.
    late_day, late_hour = (today, 8) if now_local.hour >= 10 else (today - timedelta(days=1), 15)
    book(new(tech3, "repair"), tech3, late_hour, late_day)
    # On the way and on site.
    act(stage(book(new(tech, "repair"), tech, hours[1]), tech, "prepare"), tech, "depart")
    on_site = book(new(tech2, "repair"), tech2, hours[1])
    on_site = act(stage(on_site, tech2, "prepare"), tech2, "depart")
    on_site = act(on_site, tech2, "arrive", called_ahead=True, call_ahead_note="已提前电话致歉")
    stage(stage(on_site, tech2, "door"), tech2, "enter")
    # Done today, waiting for the confirming call; one with a sales lead for the account manager.
    done = visit(book(new(tech, "change"), tech, hours[0]), tech)
    act(done, tech, "mot", scores={"visit": 2, "operate": 3, "communicate": 2}, leads="客户询问千兆宽带和全屋WiFi套餐")
    act(done, tech, "finish")
    # The banged door (seed 000): the confirming call hears it and records a linked complaint.
    banged = visit(book(new(tech2, "repair"), tech2, hours[0]), tech2, score=2, remarks="敲门声太大，吓到家里老人")
    act(banged, tech2, "mot", scores={"visit": -3, "operate": 1})
    banged = act(banged, tech2, "finish")
    if agent is not None:
        services.followup_record(
            actor=agent, call=banged.follow_ups.get(), result="complaint",
            note="客户反映：装维人员到达后连续用力砸门，没有按规范轻敲两次、三分钟后电话联系，吓到了家中老人，要求道歉。",
        )
    # Solved on the phone, and cancelled.
    services.order_solve_by_phone(actor=dispatcher, order=new(tech3, "repair"),
                                  note="电话指导客户重启光猫并重新插拔网线，恢复上网")
    services.order_cancel(actor=dispatcher, order=new(tech3, "install"), reason="客户决定暂不安装")


def _counter(world: Any) -> None:
    """Counter inspections of the counter agents by supervisors and QA over the last weeks."""
    staff = world.staff
    inspectors = [staff[k] for k in ("supervisor", "qa", "supervisor2") if k in staff]
    agents = [staff[k] for k in ("counter", "agent", "agent2") if k in staff]
    if not inspectors or not agents:
        return
    rng = world.rng
    stage = checklists.counter().stages[0]
    for i in range(9):
        results = {item.key: "pass" for item in stage.items}
        for item in rng.sample(stage.items, k=rng.randint(0, 3)):
            results[item.key] = "na" if item.optional else "fail"
        inspection = services.counter_inspect(
            actor=inspectors[i % len(inspectors)], agent=agents[i % len(agents)], results=results,
            remarks=rng.choice(("起立迎客、双手递送到位", "客户等候时未主动致歉", "对视露笑不足，需加强", "激动客户已请到休息区并递水")),
        )
        CounterInspection.objects.filter(pk=inspection.pk).update(at=world.now - timedelta(days=3 * i + 1))


def reset(*, users: QuerySet[User], customers: QuerySet[Customer]) -> dict[str, int]:
    orders = WorkOrder.objects.filter(Q(customer__in=customers) | Q(technician__in=users) | Q(created_by__in=users))
    counts = {"work orders": orders.count()}
    WorkOrderEvent.objects.filter(order__in=orders).delete()
    orders.delete()
    counts["counter inspections"] = CounterInspection.objects.filter(
        Q(agent__in=users) | Q(inspector__in=users)).delete()[0]
    counts["shifts"] = Shift.objects.filter(technician__in=users).delete()[0]
    return counts
