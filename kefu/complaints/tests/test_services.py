from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from kefu.complaints import services
from kefu.complaints.flow import Action, State
from kefu.complaints.models import Complaint
from kefu.complaints.selectors import complaint_actions_for, queue_for, visible_complaints
from kefu.lib.errors import Conflict, InvalidInput, NotAllowed

pytestmark = pytest.mark.django_db


def record(cast, customer=None, **overrides):
    fields = dict(
        actor=cast["agent"],
        channel="hotline",
        complainant_name="张伟",
        complainant_phone="138 1234 5678",
        subject="宽带经常断线",
        content="家里宽带这周断了三次，影响在家办公。",
        demands="尽快修好并减免本月月租",
        customer=customer,
    )
    fields.update(overrides)
    return services.complaint_record(**fields)


def walk_to(cast, complaint, target):
    """Drive a complaint along the happy path until it reaches ``target``."""
    steps = [
        (State.RECORDED, lambda c: services.complaint_accept(complaint=c, actor=cast["handler"])),
        (State.ACCEPTED, lambda c: services.complaint_assign(
            complaint=c, actor=cast["supervisor"], handling_department=cast["handler"].department,
            handler=cast["handler"])),
        (State.ASSIGNED, lambda c: services.complaint_analyse(
            complaint=c, actor=cast["handler"], analysis="光猫老化导致掉线", cause="network",
            responsible_person="装维班组")),
        (State.ANALYSED, lambda c: services.complaint_propose(
            complaint=c, actor=cast["handler"], remedy="repair_replace", plan="上门更换光猫，减免半月月租", amount="60")),
        (State.PENDING_APPROVAL, lambda c: services.complaint_approve(complaint=c, actor=cast["supervisor"])),
        (State.APPROVED, lambda c: services.complaint_implement(
            complaint=c, actor=cast["handler"], what_was_done="已更换光猫", notified_via="phone")),
        (State.IMPLEMENTED, lambda c: services.complaint_follow_up(
            complaint=c, actor=cast["agent"], method="phone", done=True, helped=True, satisfaction=5)),
        (State.FOLLOWED_UP, lambda c: services.complaint_review(
            complaint=c, actor=cast["supervisor"], summary="设备老化类投诉，需主动巡检", add_to_casebook=True)),
    ]
    for state, step in steps:
        if complaint.state == target:
            return complaint
        assert complaint.state == state
        complaint = step(complaint)
    return complaint


def test_recording_numbers_the_complaint_normalises_text_and_starts_the_clocks(cast, customer):
    c = record(cast, customer, content="家裏寬帶這週斷了三次")
    assert c.number.startswith("TS") and str(c.pk) in c.number
    assert c.content == "家里宽带这周断了三次"
    assert c.complainant_phone == "13812345678"
    assert c.state == State.RECORDED and c.version == 1
    assert c.step_due_at > c.received_at and c.due_at > c.step_due_at
    assert [e.action for e in c.events.all()] == ["record"]


def test_recording_rejects_missing_fields_with_messages_and_writes_nothing(cast):
    with pytest.raises(InvalidInput) as info:
        record(cast, subject="  ", channel="carrier-pigeon", severity="apocalyptic", complainant_phone="12")
    assert set(info.value.errors) == {"subject", "channel", "severity", "complainant_phone"}
    assert Complaint.objects.count() == 0


def test_a_trainer_cannot_record_a_complaint(cast):
    with pytest.raises(NotAllowed):
        record(cast, actor=cast["outsider"])


def test_the_whole_process_closes_with_one_event_per_step(cast, customer):
    c = walk_to(cast, record(cast, customer), State.CLOSED)
    assert c.state == State.CLOSED and c.closed_outcome == "resolved" and c.in_casebook
    assert [e.action for e in c.events.all()] == [
        "record", "accept", "assign", "analyse", "propose", "approve", "implement", "follow_up", "review",
    ]
    assert c.closed_at is not None and c.step_due_at is None
    assert c.proposals.get().decision == "approved"


def test_an_invalid_complaint_closes_with_the_explanation(cast):
    c = services.complaint_reject(
        complaint=record(cast), actor=cast["handler"], explanation="经核实为国际漫游正常计费，已向客户耐心解释"
    )
    assert c.state == State.CLOSED and c.closed_outcome == "invalid"
    assert "国际漫游" in c.validity_note


def test_rejecting_without_an_explanation_is_refused(cast):
    with pytest.raises(InvalidInput):
        services.complaint_reject(complaint=record(cast), actor=cast["handler"], explanation=" ")


def test_nobody_approves_their_own_proposal(cast):
    c = walk_to(cast, record(cast), State.ANALYSED)
    c = services.complaint_propose(complaint=c, actor=cast["supervisor"], remedy="apology", plan="书面致歉", amount=0)
    with pytest.raises(NotAllowed, match=r"own|自己"):  # English source or the zh_Hans catalogue
        services.complaint_approve(complaint=c, actor=cast["supervisor"])
    assert Action.APPROVE not in complaint_actions_for(complaint=c, user=cast["supervisor"])
    assert services.complaint_approve(complaint=c, actor=cast["supervisor2"]).state == State.APPROVED


def test_amounts_above_the_supervisor_limit_need_a_manager(cast):
    c = walk_to(cast, record(cast), State.ANALYSED)
    c = services.complaint_propose(complaint=c, actor=cast["handler"], remedy="refund", plan="退还多扣费用", amount="800")
    with pytest.raises(NotAllowed, match=r"limit|权限"):
        services.complaint_approve(complaint=c, actor=cast["supervisor"])
    assert Complaint.objects.get(pk=c.pk).state == State.PENDING_APPROVAL
    assert services.complaint_approve(complaint=c, actor=cast["manager"]).state == State.APPROVED
    assert services.approval_limit(cast["supervisor"]) == Decimal(500)


def test_send_back_needs_a_comment_and_returns_to_the_department(cast):
    c = walk_to(cast, record(cast), State.PENDING_APPROVAL)
    with pytest.raises(InvalidInput):
        services.complaint_send_back(complaint=c, actor=cast["supervisor"], comment="")
    c = services.complaint_send_back(complaint=c, actor=cast["supervisor"], comment="补偿方案需与客户协商")
    assert c.state == State.ANALYSED
    assert c.proposals.get().decision == "sent_back"


def test_a_dissatisfied_follow_up_reopens_and_marks_a_repeat(cast):
    c = walk_to(cast, record(cast), State.IMPLEMENTED)
    c = services.complaint_follow_up(
        complaint=c, actor=cast["agent"], method="phone", done=True, helped=False, satisfaction=2,
        anything_else="还是会断线",
    )
    assert c.state == State.ASSIGNED and c.is_repeat and c.reopen_count == 1
    assert c.events.last().action == "reopen"
    assert c.follow_ups.get().satisfied is False


def test_department_work_is_limited_to_the_handling_department(cast):
    c = walk_to(cast, record(cast), State.ASSIGNED)
    with pytest.raises(NotAllowed):
        services.complaint_analyse(complaint=c, actor=cast["other_handler"], analysis="x", cause="network")
    assert complaint_actions_for(complaint=c, user=cast["other_handler"]) == [Action.REASSIGN]


def test_a_stale_version_is_a_conflict_naming_who_won(cast):
    c = record(cast)
    stale_version = c.version
    services.complaint_accept(complaint=c, actor=cast["handler"])
    with pytest.raises(Conflict, match="李建国"):
        services.complaint_reject(
            complaint=Complaint.objects.get(pk=c.pk), actor=cast["supervisor"], explanation="不成立",
            expected_version=stale_version,
        )
    assert Complaint.objects.get(pk=c.pk).state == State.ACCEPTED


def test_a_second_complaint_on_the_same_cause_within_the_window_is_a_repeat(cast, customer):
    first = record(cast, customer, cause="network")
    second = record(cast, customer, cause="network", subject="又断网了")
    third = record(cast, customer, cause="billing_error", subject="多扣费")
    assert not first.is_repeat
    assert second.is_repeat and second.repeat_of == first and second.priority > first.priority
    assert not third.is_repeat


def test_regulator_complaints_are_flagged_prioritised_and_on_a_shorter_clock(cast):
    normal = record(cast)
    regulator = record(cast, channel="miit", subject="工信部转来的申诉")
    assert regulator.is_regulator and not normal.is_regulator
    assert regulator.priority > normal.priority
    assert regulator.due_at - regulator.received_at < timedelta(days=3)


def test_queues_show_each_role_its_own_work(cast):
    recorded = record(cast)
    assigned = walk_to(cast, record(cast), State.ASSIGNED)
    pending = walk_to(cast, record(cast), State.PENDING_APPROVAL)
    assert set(queue_for(cast["handler"])) == {recorded, assigned}
    assert pending in set(queue_for(cast["supervisor"]))
    assert set(queue_for(cast["other_handler"])) == {recorded}
    assert list(queue_for(cast["outsider"])) == []
    assert list(visible_complaints(cast["outsider"])) == []


def test_sla_breach_is_flagged_once(cast):
    c = record(cast)
    later = timezone.now() + timedelta(days=30)
    assert services.complaint_flag_breach(complaint=c, actor=cast["supervisor"], now=later) is True
    c.refresh_from_db()
    assert c.sla_breached
    assert services.complaint_flag_breach(complaint=c, actor=cast["supervisor"], now=later) is False


def test_a_receipt_time_in_the_future_or_years_ago_is_refused(cast):
    for when in (timezone.now() + timedelta(days=1), timezone.now() - timedelta(days=800)):
        with pytest.raises(InvalidInput) as info:
            record(cast, received_at=when)
        assert "received_at" in info.value.errors
    assert Complaint.objects.count() == 0


def test_a_handler_who_reassigned_a_complaint_still_sees_it_but_does_not_follow_up(cast):
    c = walk_to(cast, record(cast), State.ASSIGNED)
    c = services.complaint_assign(
        complaint=c, actor=cast["handler"], handling_department=cast["other_handler"].department,
        handler=cast["other_handler"], comment="属于计费问题，转计费账务部",
    )
    assert c in set(visible_complaints(cast["handler"]))
    implemented = walk_to(cast, record(cast), State.IMPLEMENTED)
    assert Action.FOLLOW_UP not in complaint_actions_for(complaint=implemented, user=cast["handler"])
    with pytest.raises(NotAllowed):
        services.complaint_follow_up(
            complaint=implemented, actor=cast["handler"], method="phone", done=True, helped=True, satisfaction=5
        )
