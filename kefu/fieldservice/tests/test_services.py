"""The work order from creation to the confirming call, and every bad input refused with nothing half-written."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kefu.customers.models import RevealLog
from kefu.fieldservice import checklists, selectors, services
from kefu.fieldservice.models import (
    ChecklistRun,
    Confirmation,
    FollowUpCall,
    OutboundMessage,
    Signature,
    SyncAction,
    WorkOrder,
    WorkOrderEvent,
)
from kefu.fieldservice.process import State
from kefu.fieldservice.tests.conftest import data_url, png_bytes, window
from kefu.lib import outcomes
from kefu.lib.errors import Conflict, InvalidInput, NotAllowed
from kefu.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _items(stage: str) -> list[str]:
    found = checklists.onsite().stage(stage)
    assert found is not None
    return [i.key for i in found.items]


def step(order: WorkOrder, tech: Any, kind: str, **data: Any) -> WorkOrder:
    return services.step_apply(actor=tech, order=order, kind=kind, data=data)


def checklist(order: WorkOrder, tech: Any, stage: str) -> WorkOrder:
    return step(order, tech, "checklist", stage=stage, items=_items(stage))


def work_to_signature(order: WorkOrder, tech: Any, *, at_window: bool = True) -> WorkOrder:
    order = checklist(order, tech, "prepare")
    order = step(order, tech, "depart")
    if at_window:  # the booked window starts in 8 minutes: the ideal arrival
        start = timezone.now() + timedelta(minutes=8)
        WorkOrder.objects.filter(pk=order.pk).update(window_start=start, window_end=start + timedelta(hours=2))
        order.refresh_from_db()
    order = step(order, tech, "arrive")
    for stage in ("door", "enter"):
        order = checklist(order, tech, stage)
    order = step(order, tech, "record", cause="光猫电源适配器老化", work_done="更换电源适配器，测试正常",
                 parts=[{"name": "电源适配器", "serial": "PA-2291"}], rx_dbm="-18.5", speed_mbps="298")
    order = step(order, tech, "fees", lines=[{"code": "visit_free", "qty": 1}])
    order = checklist(order, tech, "work")
    return step(order, tech, "sign", image=data_url(png_bytes()), signer_name="张伟", feedback_score="5",
                feedback_remarks="师傅很专业")


# ---------------------------------------------------------------- create and book


def test_a_new_order_takes_the_customers_address_and_the_types_promise(onsite: dict[str, Any]) -> None:
    order = services.order_create(actor=onsite["dispatcher"], customer=onsite["customer"], order_type="emergency",
                                  description="整栋楼断网")
    assert order.address == onsite["customer"].address
    assert order.area == "浙江省杭州市西湖区"
    assert order.priority == 5
    assert order.due_at == order.created_at + timedelta(hours=4)
    assert order.number.startswith("WO")


def test_only_a_dispatcher_creates_work_orders(onsite: dict[str, Any]) -> None:
    with pytest.raises(NotAllowed):
        services.order_create(actor=onsite["tech"], customer=onsite["customer"], order_type="repair", description="x")


def test_an_order_without_a_description_is_refused_and_nothing_is_written(onsite: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.order_create(actor=onsite["dispatcher"], customer=onsite["customer"], order_type="bogus",
                              description=" ")
    assert set(exc.value.errors) == {"order_type", "description"}
    assert not WorkOrder.objects.exists()


def test_booking_tells_the_customer_the_window_technician_and_badge(booked: WorkOrder) -> None:
    message = OutboundMessage.objects.get(order=booked, kind="booked")
    assert "孙志刚" in message.body and "XH21208" in message.body and "10:00" in message.body
    assert message.to_masked == "138****5678"
    assert "/onsite/c/" in message.body
    assert Notification.objects.filter(user=booked.technician, kind="onsite").exists()


def test_a_window_already_booked_for_the_technician_is_refused(onsite: dict[str, Any], booked: WorkOrder) -> None:
    other = services.order_create(actor=onsite["dispatcher"], customer=onsite["customer"], order_type="install",
                                  description="新装IPTV")
    with pytest.raises(Conflict, match=r"孙志刚"):
        services.order_book(actor=onsite["dispatcher"], order=other, technician=onsite["tech"],
                            window_start=booked.window_start)  # type: ignore[arg-type]


def test_a_technician_off_duty_cannot_be_booked(onsite: dict[str, Any]) -> None:
    order = services.order_create(actor=onsite["dispatcher"], customer=onsite["customer"], order_type="repair",
                                  description="无信号")
    with pytest.raises(InvalidInput, match=r"not on duty|不在班"):
        services.order_book(actor=onsite["dispatcher"], order=order, technician=onsite["tech"],
                            window_start=window(onsite["today"] + timedelta(days=5), 10))


def test_a_stale_version_loses_and_is_told_who_won(onsite: dict[str, Any], booked: WorkOrder) -> None:
    with pytest.raises(Conflict, match=r"钱卫东"):
        services.order_cancel(actor=onsite["dispatcher"], order=booked, reason="客户取消", expected_version=1)


def test_phone_guidance_closes_the_order_and_announces_it_finished(onsite: dict[str, Any]) -> None:
    heard: list[tuple[str, int]] = []
    listener = lambda kind, pk: heard.append((kind, pk))  # noqa: E731
    outcomes.subscribe(listener)
    try:
        order = services.order_create(actor=onsite["dispatcher"], customer=onsite["customer"], order_type="repair",
                                      description="机顶盒无信号")
        order = services.order_solve_by_phone(actor=onsite["dispatcher"], order=order,
                                              note="指导客户重启机顶盒后恢复")
    finally:
        outcomes.unsubscribe(listener)
    assert order.state == State.CLOSED and order.outcome == "phone"
    assert heard == [(outcomes.WORK_ORDER, order.pk)]


# ---------------------------------------------------------------- the customer's link


def _link(order: WorkOrder, kind: str = "booked") -> str:
    return services.link_token(OutboundMessage.objects.filter(order=order, kind=kind).latest("pk"))


def test_the_customer_confirms_once_and_a_reused_link_changes_nothing(booked: WorkOrder) -> None:
    token = _link(booked)
    services.link_answer(token=token, answer="confirm")
    booked.refresh_from_db()
    assert booked.confirmation == Confirmation.CONFIRMED
    version = booked.version
    with pytest.raises(services.LinkProblem, match=r"already answered|已经"):
        services.link_answer(token=token, answer="change")
    booked.refresh_from_db()
    assert booked.version == version and booked.confirmation == Confirmation.CONFIRMED


def test_an_expired_or_tampered_link_is_refused(booked: WorkOrder) -> None:
    token = _link(booked)
    with pytest.raises(services.LinkProblem, match=r"expired|过期"):
        services.link_message(token, max_age=-1)
    with pytest.raises(services.LinkProblem, match=r"not valid|无效"):
        services.link_message(token[:-2] + "xx")


def test_asking_for_another_time_tells_the_dispatchers(onsite: dict[str, Any], booked: WorkOrder) -> None:
    services.link_answer(token=_link(booked), answer="change", remarks="周六上午更方便")
    booked.refresh_from_db()
    assert booked.confirmation == Confirmation.CHANGE
    assert Notification.objects.filter(user=onsite["dispatcher"], body__contains="周六上午").exists()


def test_a_link_to_a_booking_that_changed_since_is_refused(onsite: dict[str, Any], booked: WorkOrder) -> None:
    token = _link(booked)
    services.order_book(actor=onsite["dispatcher"], order=booked, technician=onsite["tech2"],
                        window_start=booked.window_start)  # type: ignore[arg-type]
    with pytest.raises(services.LinkProblem, match=r"changed|变更"):
        services.link_answer(token=token, answer="confirm")


# ---------------------------------------------------------------- the visit


def test_a_visit_from_departure_to_the_confirming_call(onsite: dict[str, Any], booked: WorkOrder) -> None:
    tech = onsite["tech"]
    order = work_to_signature(booked, tech)
    assert order.arrival == "ideal"
    assert order.feedback_score == 5
    assert OutboundMessage.objects.filter(order=order, kind="departed", body__contains="孙志刚").exists()
    signature = Signature.objects.get(order=order)
    assert signature.signer_name == "张伟" and signature.content_hash == services.content_hash(order)
    order = step(order, tech, "mot", scores={"visit": 2, "operate": 3}, leads="客户想升级千兆宽带")
    order = step(order, tech, "finish")
    assert order.state == State.FIXED
    call = FollowUpCall.objects.get(order=order)
    services.followup_record(actor=onsite["agent"], call=call, result="satisfied", note="")
    order.refresh_from_db()
    assert order.state == State.CLOSED
    actions = list(WorkOrderEvent.objects.filter(order=order).values_list("action", flat=True))
    assert actions[:4] == ["create", "book", "checklist", "depart"] and actions[-1] == "confirm"
    assert [e.seq for e in WorkOrderEvent.objects.filter(order=order)] == list(range(1, len(actions) + 1))


def test_a_checklist_out_of_order_is_refused(onsite: dict[str, Any], booked: WorkOrder) -> None:
    tech = onsite["tech"]
    with pytest.raises(InvalidInput, match=r"出发前准备"):
        step(booked, tech, "depart")
    order = checklist(booked, tech, "prepare")
    order = step(order, tech, "depart")
    with pytest.raises(InvalidInput):
        checklist(order, tech, "door")  # not arrived yet
    order = step(order, tech, "arrive")
    with pytest.raises(InvalidInput, match=r"敲门与进门前"):
        checklist(order, tech, "enter")
    assert set(ChecklistRun.objects.filter(order=order).values_list("stage", flat=True)) == {"prepare"}


def test_a_checklist_with_an_item_left_out_is_refused(onsite: dict[str, Any], booked: WorkOrder) -> None:
    with pytest.raises(InvalidInput, match=r"四个一"):
        step(booked, onsite["tech"], "checklist", stage="prepare", items=["uniform", "badge", "tools", "forms", "time"])
    assert not ChecklistRun.objects.exists()


def test_an_arrival_recorded_twice_is_refused(onsite: dict[str, Any], booked: WorkOrder) -> None:
    tech = onsite["tech"]
    order = step(step(checklist(booked, tech, "prepare"), tech, "depart"), tech, "arrive")
    first = order.arrived_at
    with pytest.raises(Conflict, match=r"不能重复记录"):
        step(order, tech, "arrive")
    order.refresh_from_db()
    assert order.arrived_at == first and order.visits == 1


def test_a_late_arrival_needs_a_recorded_call_ahead(onsite: dict[str, Any]) -> None:
    tech = onsite["tech"]
    order = services.order_create(actor=onsite["dispatcher"], customer=onsite["customer"], order_type="repair",
                                  description="断网")
    start = window(onsite["today"] - timedelta(days=1), 8)  # yesterday's morning window
    WorkOrder.objects.filter(pk=order.pk).update(state=State.EN_ROUTE, technician=tech, window_start=start,
                                                 window_end=start + timedelta(hours=2))
    order.refresh_from_db()
    late = start + timedelta(hours=3)
    with pytest.raises(InvalidInput, match=r"late|迟到"):
        services.step_apply(actor=tech, order=order, kind="arrive", data={}, device_at=late.isoformat())
    order = services.step_apply(actor=tech, order=order, kind="arrive", device_at=late.isoformat(),
                                data={"called_ahead": True, "call_ahead_note": "10:20致电客户说明堵车并致歉"})
    assert order.arrival == "late" and "致歉" in order.call_ahead_note


def test_replacing_equipment_needs_the_customers_consent_first(onsite: dict[str, Any], booked: WorkOrder) -> None:
    tech = onsite["tech"]
    order = step(step(checklist(booked, tech, "prepare"), tech, "depart"), tech, "arrive")
    order = checklist(checklist(order, tech, "door"), tech, "enter")
    with pytest.raises(InvalidInput, match=r"consent|同意"):
        step(order, tech, "record", cause="光猫损坏", work_done="更换光猫", replaced=True)
    order = step(order, tech, "consent", note="说明光猫主板损坏需更换，客户同意")
    order = step(order, tech, "record", cause="光猫损坏", work_done="更换光猫", replaced=True)
    assert order.replaced and order.consent_at is not None


def test_a_fee_not_on_the_price_list_is_refused(onsite: dict[str, Any], booked: WorkOrder) -> None:
    tech = onsite["tech"]
    order = step(step(checklist(booked, tech, "prepare"), tech, "depart"), tech, "arrive")
    with pytest.raises(InvalidInput, match=r"price list|价目表"):
        step(order, tech, "fees", lines=[{"code": "socket", "qty": 1}, {"code": "tip", "qty": 1}])
    order.refresh_from_db()
    assert order.fees == [] and order.fee_total == 0
    order = step(order, tech, "fees", lines=[{"code": "cable_m", "qty": 5}])
    assert str(order.fee_total) == "10.00"


@pytest.mark.parametrize(
    ("image", "reason"),
    [("", "empty"), (data_url(png_bytes(ink=False)), "empty"), ("data:image/png;base64," + "A" * 400_000, "large"),
     ("data:image/jpeg;base64,AAAA", "not")],
)
def test_a_bad_signature_is_refused(onsite: dict[str, Any], booked: WorkOrder, image: str, reason: str) -> None:
    tech = onsite["tech"]
    order = step(step(checklist(booked, tech, "prepare"), tech, "depart"), tech, "arrive")
    order = step(order, tech, "record", cause="接头松动", work_done="重新压接水晶头")
    with pytest.raises(InvalidInput) as exc:
        step(order, tech, "sign", image=image, signer_name="张伟")
    assert "image" in exc.value.errors
    assert not Signature.objects.exists()


def test_the_visit_cannot_finish_without_a_signature(onsite: dict[str, Any], booked: WorkOrder) -> None:
    tech = onsite["tech"]
    order = step(step(checklist(booked, tech, "prepare"), tech, "depart"), tech, "arrive")
    for stage in ("door", "enter", "work"):
        order = checklist(order, tech, stage)
    with pytest.raises(InvalidInput, match=r"signature|签字"):
        step(order, tech, "finish")


def test_another_technician_cannot_work_the_order(onsite: dict[str, Any], booked: WorkOrder) -> None:
    with pytest.raises(NotAllowed):
        checklist(booked, onsite["tech2"], "prepare")


def test_needing_support_sends_it_back_to_the_dispatchers(onsite: dict[str, Any], booked: WorkOrder) -> None:
    tech = onsite["tech"]
    order = step(step(checklist(booked, tech, "prepare"), tech, "depart"), tech, "arrive")
    order = step(order, tech, "support", note="楼道分纤箱故障，需线路班支撑，已向客户解释并约明天")
    assert order.state == State.NEW
    assert Notification.objects.filter(user=onsite["dispatcher"], title__contains=order.number).exists()


def test_a_sales_lead_reaches_the_account_manager(onsite: dict[str, Any], booked: WorkOrder) -> None:
    customer = onsite["customer"]
    from kefu.accounts.models import User

    am = User.objects.create_user(username="am", password="x", role="account_manager", full_name="客户经理")
    customer.account_manager = am
    customer.save()
    order = work_to_signature(booked, onsite["tech"])
    step(order, onsite["tech"], "mot", scores={"communicate": 1}, leads="家中老人想办固话")
    note = Notification.objects.get(user=am)
    assert "家中老人想办固话" in note.body
    assert selectors.order_get_for_user(pk=order.pk, user=am) == order


def test_a_moment_of_truth_outside_minus_three_to_three_is_refused(onsite: dict[str, Any], booked: WorkOrder) -> None:
    order = work_to_signature(booked, onsite["tech"])
    with pytest.raises(InvalidInput):
        step(order, onsite["tech"], "mot", scores={"visit": 5})


# ---------------------------------------------------------------- offline replay


def test_a_replayed_offline_queue_is_applied_once(onsite: dict[str, Any], booked: WorkOrder) -> None:
    tech = onsite["tech"]
    actions = [
        {"uuid": str(uuid.uuid4()), "order": booked.pk, "kind": "checklist",
         "data": {"stage": "prepare", "items": _items("prepare")}, "device_at": timezone.now().isoformat()},
        {"uuid": str(uuid.uuid4()), "order": booked.pk, "kind": "depart", "data": {}},
    ]
    first = services.sync_apply(actor=tech, actions=actions)
    again = services.sync_apply(actor=tech, actions=actions)
    assert [r["ok"] for r in first] == [True, True] and [r["ok"] for r in again] == [True, True]
    assert ChecklistRun.objects.filter(order=booked).count() == 1
    assert WorkOrderEvent.objects.filter(order=booked, action="depart").count() == 1
    assert OutboundMessage.objects.filter(order=booked, kind="departed").count() == 1
    assert SyncAction.objects.count() == 2


def test_a_refused_action_in_the_queue_does_not_stop_the_others(onsite: dict[str, Any], booked: WorkOrder) -> None:
    results = services.sync_apply(actor=onsite["tech"], actions=[
        {"uuid": str(uuid.uuid4()), "order": booked.pk, "kind": "depart", "data": {}},
        {"uuid": str(uuid.uuid4()), "order": booked.pk, "kind": "checklist",
         "data": {"stage": "prepare", "items": _items("prepare")}},
        {"uuid": str(uuid.uuid4()), "order": 999999, "kind": "depart", "data": {}},
    ])
    assert [r["ok"] for r in results] == [False, True, False]
    assert "出发前准备" in results[0]["message"]


# ---------------------------------------------------------------- after the visit


def test_a_dissatisfied_customer_gets_a_linked_complaint(onsite: dict[str, Any], booked: WorkOrder) -> None:
    order = step(work_to_signature(booked, onsite["tech"]), onsite["tech"], "finish")
    call = FollowUpCall.objects.get(order=order)
    services.followup_record(actor=onsite["agent"], call=call, result="complaint", note="客户称师傅砸门，态度差")
    order.refresh_from_db()
    assert order.complaint is not None and "砸门" in order.complaint.content
    with pytest.raises(Conflict):
        services.followup_record(actor=onsite["agent"], call=call, result="satisfied", note="")


def test_not_fixed_reopens_the_order_for_booking(onsite: dict[str, Any], booked: WorkOrder) -> None:
    order = step(work_to_signature(booked, onsite["tech"]), onsite["tech"], "finish")
    services.followup_record(actor=onsite["agent"], call=FollowUpCall.objects.get(order=order), result="reopened",
                             note="仍然断网")
    order.refresh_from_db()
    assert order.state == State.NEW and order.reopen_count == 1


def test_the_five_gap_selectors_count_kept_appointments_and_complete_checklists(
    onsite: dict[str, Any], booked: WorkOrder
) -> None:
    step(work_to_signature(booked, onsite["tech"]), onsite["tech"], "finish")
    start, end = timezone.now() - timedelta(days=3), timezone.now() + timedelta(days=3)
    assert selectors.kept_appointment_rate(start, end) == (1.0, 1)
    assert selectors.checklist_compliance(start, end) == (1.0, 1)
    assert selectors.kept_appointment_rate(start - timedelta(days=30), start) == (None, 0)


# ---------------------------------------------------------------- privacy


def test_the_technician_reveals_the_address_only_for_an_open_visit_and_it_is_logged(
    onsite: dict[str, Any], booked: WorkOrder
) -> None:
    assert services.address_for_visit(actor=onsite["tech"], order=booked) == booked.address
    assert RevealLog.objects.filter(user=onsite["tech"], field="address").count() == 1
    with pytest.raises(NotAllowed):
        services.address_for_visit(actor=onsite["tech2"], order=booked)


# ---------------------------------------------------------------- counter


def test_a_counter_inspection_scores_the_agent_and_tells_them(onsite: dict[str, Any]) -> None:
    stage = checklists.counter().stages[0]
    results = {i.key: "pass" for i in stage.items}
    results["eye_smile"] = "fail"
    results["venting_place"] = "na"
    inspection = services.counter_inspect(actor=onsite["qa"], agent=onsite["agent"], results=results, remarks="眼神交流不足")
    assert inspection.score == 90
    assert Notification.objects.filter(user=onsite["agent"], title__contains="90").exists()


def test_a_counter_inspection_with_an_item_unmarked_is_refused(onsite: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        services.counter_inspect(actor=onsite["supervisor"], agent=onsite["agent"], results={"smile": "pass"})
    with pytest.raises(NotAllowed):
        services.counter_inspect(actor=onsite["agent"], agent=onsite["agent"], results={})


def test_feedback_given_later_through_the_link_is_recorded_once(onsite: dict[str, Any], booked: WorkOrder) -> None:
    tech = onsite["tech"]
    order = work_to_signature(booked, tech)
    WorkOrder.objects.filter(pk=order.pk).update(feedback_score=None, feedback_at=None, feedback_remarks="")
    order = step(order, tech, "finish")
    token = _link(order, kind="feedback")
    services.link_answer(token=token, answer="feedback", score="4", remarks="很满意")
    order.refresh_from_db()
    assert order.feedback_score == 4 and order.feedback_remarks == "很满意"
    with pytest.raises(services.LinkProblem):
        services.link_answer(token=token, answer="feedback", score="1")
    order.refresh_from_db()
    assert order.feedback_score == 4


def test_a_feedback_score_outside_one_to_five_is_refused_and_the_link_stays_usable(
    onsite: dict[str, Any], booked: WorkOrder
) -> None:
    tech = onsite["tech"]
    order = work_to_signature(booked, tech)
    WorkOrder.objects.filter(pk=order.pk).update(feedback_score=None, feedback_at=None)
    order = step(order, tech, "finish")
    token = _link(order, kind="feedback")
    with pytest.raises(InvalidInput):
        services.link_answer(token=token, answer="feedback", score="9")
    assert OutboundMessage.objects.get(order=order, kind="feedback").used_at is None
