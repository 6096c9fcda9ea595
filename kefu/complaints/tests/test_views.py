"""The complaint pages as their users see them: what is shown, what is refused, what gets written."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kefu.complaints.flow import State
from kefu.complaints.models import Complaint, ComplaintEvent
from kefu.complaints.tests.test_services import record, walk_to
from kefu.customers.models import Contact

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def act(client, complaint, action, **data):
    data.setdefault("expected_version", complaint.version)
    return client.post(reverse("complaints:act", args=[complaint.pk, action]), data)


def refreshed(complaint):
    return Complaint.objects.get(pk=complaint.pk)


# ---------------------------------------------------------------- record


def test_an_agent_records_a_complaint_and_lands_on_its_page(client, cast):
    login(client, cast["agent"])
    response = client.post(
        reverse("complaints:new"),
        {
            "complainant_name": "张伟",
            "complainant_phone": "13812345678",
            "channel": "hotline",
            "subject": "宽带经常断线",
            "content": "家里宽带这周断了三次",
            "demands": "尽快修好",
            "severity": "normal",
            "needs": ["solution", "respect"],
        },
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == complaint.get_absolute_url()
    page = client.get(response["Location"]).content.decode()
    assert complaint.number in page and "宽带经常断线" in page
    assert "已登记" in page  # the recorded state, in Chinese
    assert "138****5678" in page and "13812345678" not in page
    assert complaint.needs == ["solution", "respect"] and complaint.created_by == cast["agent"]


def test_recording_with_missing_fields_shows_errors_and_writes_nothing(client, cast):
    login(client, cast["agent"])
    response = client.post(reverse("complaints:new"), {"complainant_name": "张伟", "channel": "hotline"})
    assert response.status_code == 422
    assert response.context["form"].errors.keys() >= {"subject", "content"}
    assert "field-errors" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_service_errors_land_on_the_record_form(client, cast):
    login(client, cast["agent"])
    response = client.post(
        reverse("complaints:new"),
        {"complainant_name": "张伟", "complainant_phone": "12", "channel": "hotline", "subject": "断网",
         "content": "断网", "severity": "normal"},
    )
    assert response.status_code == 422
    assert "complainant_phone" in response.context["form"].errors
    assert Complaint.objects.count() == 0


def test_a_trainer_may_not_record_complaints(client, cast):
    login(client, cast["outsider"])
    assert client.get(reverse("complaints:new")).status_code == 403
    assert client.post(reverse("complaints:new"), {"complainant_name": "x"}).status_code == 403


def test_the_record_form_is_prefilled_from_a_contact_without_showing_the_full_number(client, cast, customer):
    contact = Contact.objects.create(
        customer=customer, phone="13812345678", channel="counter", category="complaint",
        summary="营业员态度差", detail="客户称营业员办理业务时不耐烦", agent=cast["agent"],
    )
    login(client, cast["agent"])
    url = reverse("complaints:new") + f"?contact={contact.pk}"
    page = client.get(url)
    html = page.content.decode()
    form = page.context["form"]
    assert form.initial["channel"] == "counter" and form.initial["subject"] == "营业员态度差"
    assert form.initial["complainant_name"] == "张伟"
    assert "138****5678" in html and "13812345678" not in html
    assert "autofocus" in html and "data-ctrl-enter" in html
    response = client.post(url, {**{k: form.initial[k] for k in ("complainant_name", "channel", "subject")},
                                 "content": form.initial["content"], "severity": "normal"})
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert complaint.customer == customer and complaint.source_contact == contact
    assert complaint.complainant_phone == "13812345678"
    detail = client.get(complaint.get_absolute_url()).content.decode()
    assert reverse("contacts:detail", args=[contact.pk]) in detail
    assert reverse("customers:detail", args=[customer.pk]) in detail


def test_even_a_supervisor_gets_the_prefilled_number_masked_and_it_is_still_recorded(client, cast, customer):
    """A full number reaches a page only through a logged reveal, whatever the role."""
    login(client, cast["supervisor"])
    url = reverse("complaints:new") + f"?customer={customer.pk}"
    html = client.get(url).content.decode()
    assert "13812345678" not in html and "138****5678" in html
    client.post(url, {"complainant_name": "张伟", "channel": "hotline", "subject": "宽带断线",
                      "content": "宽带断了三次", "severity": "normal"})
    assert Complaint.objects.get().complainant_phone == "13812345678"
    assert client.get(reverse("complaints:new") + "?customer=999999").status_code == 404


# ---------------------------------------------------------------- detail and permissions


def test_an_outsider_gets_404_on_the_detail_page(client, cast):
    complaint = record(cast)
    login(client, cast["outsider"])
    assert client.get(complaint.get_absolute_url()).status_code == 404
    assert act(client, complaint, "accept").status_code == 404


def test_a_handler_of_another_department_cannot_see_an_assigned_complaint(client, cast):
    complaint = walk_to(cast, record(cast), State.ASSIGNED)
    login(client, cast["other_handler"])
    assert client.get(complaint.get_absolute_url()).status_code == 404


def test_the_detail_page_shows_progress_sla_proposals_and_timeline(client, cast, customer):
    complaint = walk_to(cast, record(cast, customer), State.APPROVED)
    login(client, cast["handler"])
    response = client.get(complaint.get_absolute_url())
    html = response.content.decode()
    assert [s.status for s in response.context["progress"]] == ["done"] * 5 + ["current", "todo", "todo", "todo"]
    assert 'aria-current="step"' in html
    assert "上门更换光猫" in html and "60.00" in html  # the proposal and its amount
    assert [row.event.action for row in response.context["events"]] == [
        "record", "accept", "assign", "analyse", "propose", "approve",
    ]
    assert "李建国" in html and "网络维护部" in html  # the handler and department, by name in the timeline
    assert 'data-action="implement"' in html  # the handler's next step
    assert 'data-action="approve"' not in html
    assert 'name="expected_version"' in html


def test_an_agent_gets_403_on_an_action_they_cannot_take(client, cast):
    complaint = walk_to(cast, record(cast), State.PENDING_APPROVAL)
    login(client, cast["agent"])  # the agent recorded it and may see it
    assert client.get(complaint.get_absolute_url()).status_code == 200
    response = act(client, complaint, "approve")
    assert response.status_code == 403
    assert refreshed(complaint).state == State.PENDING_APPROVAL


def test_the_proposer_cannot_approve_their_own_proposal(client, cast):
    complaint = walk_to(cast, record(cast), State.ANALYSED)
    login(client, cast["supervisor"])
    assert act(client, complaint, "propose", remedy="apology", plan="书面致歉", amount="0").status_code == 302
    complaint = refreshed(complaint)
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert 'data-action="approve"' not in page
    response = act(client, complaint, "approve")
    assert response.status_code == 403
    assert "不能审批自己" in response.content.decode()
    assert refreshed(complaint).state == State.PENDING_APPROVAL
    login(client, cast["supervisor2"])
    assert act(client, complaint, "approve", comment="同意").status_code == 302
    assert refreshed(complaint).state == State.APPROVED


def test_an_action_by_plain_post_redirects_with_a_message(client, cast):
    complaint = record(cast)
    login(client, cast["handler"])
    response = act(client, complaint, "accept", note="属实")
    assert response.status_code == 302 and response["Location"] == complaint.get_absolute_url()
    assert refreshed(complaint).state == State.ACCEPTED
    page = client.get(response["Location"]).content.decode()
    assert "投诉已受理" in page  # the success message
    assert 'data-action="assign"' in page


def test_an_action_through_htmx_returns_the_detail_partial(client, cast):
    complaint = record(cast)
    login(client, cast["handler"])
    response = client.post(
        reverse("complaints:act", args=[complaint.pk, "accept"]),
        {"expected_version": complaint.version},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div id="complaint"' in html and "<html" not in html
    assert "hx-swap-oob" in html and "投诉已受理" in html  # the success message, out of band
    assert refreshed(complaint).state == State.ACCEPTED


def test_bad_input_on_an_action_shows_field_errors_and_writes_nothing(client, cast):
    complaint = record(cast)
    events = ComplaintEvent.objects.count()
    login(client, cast["handler"])
    response = act(client, complaint, "reject", explanation="  ")
    assert response.status_code == 422
    assert "field-errors" in response.content.decode()
    assert refreshed(complaint).state == State.RECORDED
    assert ComplaintEvent.objects.count() == events


def test_a_service_refusal_lands_on_the_field_it_concerns(client, cast, departments):
    complaint = walk_to(cast, record(cast), State.ACCEPTED)
    login(client, cast["supervisor"])
    response = act(
        client, complaint, "assign", handling_department=departments["billing"].pk, handler=cast["handler"].pk
    )
    assert response.status_code == 422
    panel = dict((spec.name, form) for spec, form in response.context["panel"])
    assert "handler" in panel["assign"].errors
    assert refreshed(complaint).state == State.ACCEPTED


def test_a_stale_form_shows_who_changed_the_complaint_and_the_fresh_state(client, cast):
    complaint = record(cast)
    walk_to(cast, complaint, State.ACCEPTED)  # 李建国 accepts first
    login(client, cast["supervisor"])
    response = act(client, complaint, "accept", expected_version=1)
    html = response.content.decode()
    assert response.status_code == 409
    assert "李建国" in html and "data-conflict" in html
    assert response.context["complaint"].state == State.ACCEPTED
    assert 'data-action="assign"' in html  # the panel offers what can be done now


def test_a_dissatisfied_follow_up_reopens_the_complaint_as_a_repeat(client, cast):
    complaint = walk_to(cast, record(cast), State.IMPLEMENTED)
    login(client, cast["agent"])
    response = act(client, complaint, "follow_up", method="phone", done="on", satisfaction="2",
                   anything_else="还是经常断")
    assert response.status_code == 302
    complaint = refreshed(complaint)
    assert complaint.state == State.ASSIGNED and complaint.is_repeat
    page = login(client, cast["supervisor"]).get(complaint.get_absolute_url()).content.decode()
    assert "客户不满意" in page and "还是经常断" in page


def test_the_review_closes_and_puts_the_complaint_in_the_case_book(client, cast):
    complaint = walk_to(cast, record(cast), State.FOLLOWED_UP)
    login(client, cast["supervisor"])
    act(client, complaint, "review", summary="设备老化", lessons="主动巡检", add_to_casebook="on")
    complaint = refreshed(complaint)
    assert complaint.state == State.CLOSED and complaint.in_casebook
    casebook = client.get(reverse("complaints:list") + "?casebook=on")
    assert [row.complaint for row in casebook.context["rows"]] == [complaint]


def test_classification_is_saved_by_the_intake_desk_only(client, cast):
    complaint = record(cast)
    login(client, cast["agent"])
    assert act(client, complaint, "classify", severity="high").status_code == 403
    login(client, cast["handler"])
    response = act(client, complaint, "classify", severity="high", hotspot="repair_overdue",
                   needs=["vent", "solution"], degrees=["speed"], complainer_type="emotional")
    assert response.status_code == 302
    complaint = refreshed(complaint)
    assert complaint.severity == "high" and complaint.degrees == ["speed"]
    assert complaint.complainer_type == "emotional"


def test_an_unknown_action_is_404(client, cast):
    complaint = record(cast)
    login(client, cast["handler"])
    assert act(client, complaint, "teleport").status_code == 404


# ---------------------------------------------------------------- queues and lists


def test_each_role_sees_its_own_queue(client, cast):
    fresh = record(cast, subject="新投诉待判定")
    approval = walk_to(cast, record(cast, subject="方案待审批"), State.PENDING_APPROVAL)
    visit = walk_to(cast, record(cast, subject="待回访"), State.IMPLEMENTED)

    def queue(user):
        response = login(client, user).get(reverse("home"))
        assert response.status_code == 200
        return {row.complaint.pk for row in response.context["rows"]}

    assert queue(cast["handler"]) == {fresh.pk}  # intake desk work; follow-ups belong to the service centre
    # Judging, approving and the follow-up visit: the supervisor holds all three capabilities.
    assert queue(cast["supervisor"]) == {fresh.pk, approval.pk, visit.pk}
    assert queue(cast["agent"]) == {visit.pk}
    assert queue(cast["qa"]) == set()


def test_a_trainer_gets_a_friendly_workbench_without_complaints(client, cast):
    record(cast)
    response = login(client, cast["outsider"]).get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200 and response.context["panels"] == []
    assert "工作台上暂时没有您的工作" in html and 'data-panel="complaints"' not in html
    assert login(client, cast["outsider"]).get(reverse("complaints:list")).status_code == 403


def test_overdue_work_comes_first_and_is_counted(client, cast):
    on_time = record(cast, subject="按时")
    late = record(cast, subject="超时", channel="miit")
    Complaint.objects.filter(pk=late.pk).update(step_due_at=timezone.now() - timedelta(hours=3), priority=0)
    Complaint.objects.filter(pk=on_time.pk).update(priority=90)
    response = login(client, cast["handler"]).get(reverse("home"))
    rows = response.context["rows"]
    assert [r.complaint.pk for r in rows] == [late.pk, on_time.pk]
    assert rows[0].overdue and not rows[1].overdue
    # A regulator complaint runs on the 24×7 clock: overdue by the whole time elapsed, even off hours.
    assert not rows[0].countdown.working and rows[0].countdown.left <= -timedelta(hours=2, minutes=59)
    assert response.context["counters"] == {"total": 2, "overdue": 1, "awaiting_approval": 0, "regulator": 1}
    html = response.content.decode()
    assert "is-overdue" in html and "sla-late" in html and "监管" in html
    only = client.get(reverse("home") + "?overdue=1")
    assert [r.complaint.pk for r in only.context["rows"]] == [late.pk]


def test_the_home_page_needs_a_fixed_number_of_queries(client, cast, customer, django_assert_max_num_queries):
    for i in range(30):
        record(cast, customer, subject=f"投诉{i}")
    login(client, cast["supervisor"])
    # Six for the complaint queue and the page; one each for the training and on-site panels' checks.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("home"))
    assert len(response.context["rows"]) == 25
    assert "VIP" in response.content.decode()


def test_the_list_needs_a_fixed_number_of_queries(client, cast, customer, django_assert_max_num_queries):
    for i in range(30):
        walk_to(cast, record(cast, customer, subject=f"投诉{i}"), State.ASSIGNED)
    login(client, cast["supervisor"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("complaints:list") + "?state=assigned&channel=hotline")
    assert len(response.context["rows"]) == 25


def test_the_list_filters_by_flags_state_and_department(client, cast, departments):
    plain = record(cast, subject="普通")
    regulator = record(cast, subject="工信部转来", channel="miit")
    assigned = walk_to(cast, record(cast, subject="已分派"), State.ASSIGNED)
    login(client, cast["supervisor"])

    def listed(query):
        return {row.complaint.pk for row in client.get(reverse("complaints:list") + query).context["rows"]}

    assert listed("") == {plain.pk, regulator.pk, assigned.pk}
    assert listed("?regulator=on") == {regulator.pk}
    assert listed("?state=assigned") == {assigned.pk}
    assert listed(f"?department={departments['network'].pk}") == {assigned.pk}
    assert listed(f"?handler={cast['handler'].pk}") == {assigned.pk}
    today = timezone.localdate().isoformat()
    assert listed(f"?date_from={today}&date_to={today}") == {plain.pk, regulator.pk, assigned.pk}
    assert listed("?date_to=2000-01-01") == set()


def test_the_list_only_shows_what_the_user_may_see(client, cast):
    assigned = walk_to(cast, record(cast), State.ASSIGNED)
    login(client, cast["other_handler"])
    rows = client.get(reverse("complaints:list")).context["rows"]
    assert assigned.pk not in {row.complaint.pk for row in rows}


def test_a_conflict_through_htmx_swaps_in_the_fresh_state_with_the_message(client, cast):
    complaint = record(cast)
    walk_to(cast, complaint, State.ACCEPTED)
    login(client, cast["supervisor"])
    response = client.post(
        reverse("complaints:act", args=[complaint.pk, "reject"]),
        {"expected_version": 1, "explanation": "经核实为正常计费"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200  # htmx only swaps 2xx answers
    assert "data-conflict" in html and "李建国" in html and 'data-state="accepted"' in html
    assert refreshed(complaint).state == State.ACCEPTED


def test_an_amount_above_the_approval_limit_is_refused_with_the_reason(client, cast):
    complaint = walk_to(cast, record(cast), State.ANALYSED)
    login(client, cast["handler"])
    act(client, complaint, "propose", remedy="refund", plan="退还多扣费用", amount="800")
    complaint = refreshed(complaint)
    login(client, cast["supervisor"])
    response = act(client, complaint, "approve")
    assert response.status_code == 403
    assert "审批权限" in response.content.decode()
    login(client, cast["manager"])
    assert act(client, complaint, "approve").status_code == 302
    assert refreshed(complaint).state == State.APPROVED


def test_a_supervisor_sends_a_proposal_back_and_the_handler_sees_why(client, cast):
    complaint = walk_to(cast, record(cast), State.PENDING_APPROVAL)
    login(client, cast["supervisor"])
    assert act(client, complaint, "send_back").status_code == 422  # the instruction is required
    assert act(client, complaint, "send_back", comment="补充减免金额依据").status_code == 302
    complaint = refreshed(complaint)
    assert complaint.state == State.ANALYSED
    page = login(client, cast["handler"]).get(complaint.get_absolute_url()).content.decode()
    assert "补充减免金额依据" in page and "已退回" in page
    assert 'data-action="propose"' in page


def test_a_handler_of_another_department_cannot_work_on_it_even_by_posting(client, cast):
    complaint = walk_to(cast, record(cast), State.ASSIGNED)
    login(client, cast["other_handler"])
    response = act(client, complaint, "analyse", cause="network", analysis="x")
    assert response.status_code == 404  # not even visible to them
    assert refreshed(complaint).state == State.ASSIGNED


def test_the_list_filters_through_htmx_return_only_the_results(client, cast):
    record(cast, channel="miit")
    login(client, cast["supervisor"])
    response = client.get(reverse("complaints:list") + "?regulator=on", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and '<div id="results">' in html and "<html" not in html
    assert len(response.context["rows"]) == 1


def test_the_record_form_keeps_what_was_typed_after_an_error(client, cast):
    login(client, cast["agent"])
    response = client.post(reverse("complaints:new"), {"complainant_name": "李四", "channel": "hotline",
                                                       "content": "资费不清楚", "severity": "normal"})
    html = response.content.decode()
    assert response.status_code == 422 and "李四" in html and "资费不清楚" in html


def test_reclassifying_a_closed_complaint_explains_why_it_cannot(client, cast):
    complaint = walk_to(cast, record(cast), State.CLOSED)
    login(client, cast["supervisor"])
    response = act(client, complaint, "classify", severity="high")
    assert response.status_code == 422
    assert "已结案的投诉不能重新分类" in response.content.decode()
    assert refreshed(complaint).severity == "normal"


def test_the_approver_sees_the_proposal_and_their_limit_next_to_the_button(client, cast):
    complaint = walk_to(cast, record(cast), State.ANALYSED)
    login(client, cast["handler"])
    act(client, complaint, "propose", remedy="refund", plan="退还多扣费用", amount="800")
    page = login(client, cast["supervisor"]).get(complaint.get_absolute_url())
    html = page.content.decode()
    assert page.context["approval"].over_limit
    assert "退还多扣费用" in html and "800.00" in html and "超出您 500.00 元的审批权限" in html
    page = login(client, cast["manager"]).get(complaint.get_absolute_url())
    assert not page.context["approval"].over_limit


def test_the_pages_speak_english_when_the_user_picks_it(client, cast, settings):
    complaint = walk_to(cast, record(cast), State.ASSIGNED)
    login(client, cast["handler"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    home = client.get(reverse("home")).content.decode()
    detail = client.get(complaint.get_absolute_url()).content.decode()
    assert "My work queue" in home and "Assigned" in home
    assert "Cause and person responsible" in detail and "Timeline" in detail


def test_whoever_takes_a_step_keeps_sight_of_the_complaint(client, cast, django_user_model):
    complaint = walk_to(cast, record(cast), State.IMPLEMENTED)
    colleague = django_user_model.objects.create_user(username="agent2", password="x", role="agent")
    login(client, colleague)  # may follow up any implemented complaint
    response = act(client, complaint, "follow_up", method="phone", done="on", helped="on", satisfaction="4")
    assert response.status_code == 302 and response["Location"] == complaint.get_absolute_url()
    assert refreshed(complaint).state == State.FOLLOWED_UP
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert "回访已记录" in page


def test_an_account_manager_sees_the_complaints_of_their_customers_only(client, cast, customer, django_user_model):
    manager = django_user_model.objects.create_user(username="am", password="x", role="account_manager")
    customer.account_manager = manager
    customer.save()
    theirs = walk_to(cast, record(cast, customer, subject="VIP客户投诉"), State.ASSIGNED)
    other = walk_to(cast, record(cast, subject="其他客户"), State.ASSIGNED)
    login(client, manager)
    listed = {row.complaint.pk for row in client.get(reverse("complaints:list")).context["rows"]}
    assert listed == {theirs.pk}
    assert client.get(other.get_absolute_url()).status_code == 404


def test_the_workbench_pages_through_htmx_with_only_the_queue(client, cast):
    for i in range(30):
        record(cast, subject=f"投诉{i}")
    login(client, cast["handler"])
    first = client.get(reverse("home")).content.decode()
    assert 'hx-get="?page=2"' in first and 'hx-target="#queue"' in first
    second = client.get(reverse("home") + "?page=2", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue")
    html = second.content.decode()
    assert '<div id="queue">' in html and "<html" not in html
    assert len(second.context["rows"]) == 5


def test_a_refusal_through_htmx_is_a_403_with_the_reason_as_a_message(client, cast):
    complaint = walk_to(cast, record(cast), State.PENDING_APPROVAL)
    login(client, cast["agent"])
    response = client.post(
        reverse("complaints:act", args=[complaint.pk, "approve"]),
        {"expected_version": complaint.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 403
    assert json.loads(response["HX-Trigger"])["kefu:message"]["text"] == "您无权执行此操作。"


def test_a_complaint_typed_in_is_linked_to_the_customer_owning_the_number(client, cast, customer):
    login(client, cast["agent"])
    response = client.post(
        reverse("complaints:new"),
        {"complainant_name": "张先生", "complainant_phone": "138 1234 5678", "channel": "hotline",
         "subject": "网速慢", "content": "晚上网速很慢", "severity": "normal"},
        follow=True,
    )
    complaint = Complaint.objects.get()
    assert complaint.customer == customer
    assert "已按电话号码关联客户张伟" in response.content.decode()


def test_a_rejected_complaint_shows_the_explanation_and_skips_to_closed(client, cast):
    complaint = record(cast)
    login(client, cast["handler"])
    act(client, complaint, "reject", explanation="经核实为国际漫游正常计费，已耐心解释")
    response = login(client, cast["agent"]).get(complaint.get_absolute_url())  # who recorded it
    html = response.content.decode()
    assert [s.status for s in response.context["progress"]] == ["done"] + ["skipped"] * 7 + ["current"]
    assert "对客户的解释" in html and "国际漫游正常计费" in html and "不成立" in html
    assert "data-no-actions" in html  # nothing left to do


def test_recording_a_contact_twice_warns_about_the_first_complaint(client, cast, customer):
    contact = Contact.objects.create(
        customer=customer, phone="13812345678", channel="hotline", category="complaint",
        summary="宽带断线", agent=cast["agent"],
    )
    first = record(cast, customer, source_contact=contact)
    page = login(client, cast["agent"]).get(reverse("complaints:new") + f"?contact={contact.pk}").content.decode()
    assert "data-already" in page and first.number in page
