"""The complaint process through the API, with token auth, as the different roles."""

from __future__ import annotations

import pytest

from kefu.complaints.models import Complaint, ComplaintEvent, FollowUp, Proposal
from kefu.complaints.tests.api_client import Api
from kefu.complaints.tests.test_services import record, walk_to

pytestmark = pytest.mark.django_db

NEW = {
    "channel": "hotline",
    "complainant_name": "张伟",
    "complainant_phone": "138 1234 5678",
    "subject": "宽带经常断线",
    "content": "家里寬帶這週斷了三次",
    "demands": "尽快修好",
}


@pytest.fixture
def api(cast):  # type: ignore[no-untyped-def]
    return {role: Api(user) for role, user in cast.items()}


def actions(body: dict) -> list[str]:
    return [a["action"] for a in body["next_actions"]]


def step(api_client: Api, complaint: dict, path: str, **body: object) -> dict:
    response = api_client.post(f"/complaints/{complaint['id']}/{path}", {"expected_version": complaint["version"], **body})
    assert response.status_code == 200, response.content
    return response.json()


def test_a_complaint_runs_from_record_to_closed_through_the_api_as_each_role(api, cast, customer):
    created = api["agent"].post("/complaints", {**NEW, "customer_id": customer.pk})
    assert created.status_code == 201
    c = created.json()
    assert c["state"] == "recorded" and c["version"] == 1 and c["number"].startswith("TS")
    assert c["content"] == "家里宽带这周断了三次"  # Traditional input normalised
    assert c["complainant_phone"] == "138****5678"
    assert c["sla"]["step_due_at"] and c["sla"]["overdue"] is False
    assert actions(c) == []  # an agent does not judge validity

    assert actions(api["handler"].get(f"/complaints/{c['id']}").json()) == ["accept", "reject", "classify"]
    c = step(api["handler"], c, "accept", note="投诉成立")
    assert c["state"] == "accepted" and actions(c) == ["assign", "classify"]

    c = step(
        api["supervisor"], c, "assign",
        handling_department_id=cast["handler"].department_id, handler_id=cast["handler"].pk,
    )
    assert c["state"] == "assigned" and c["handler"]["username"] == "handler"
    assert c["handling_department"]["code"] == "network"

    c = step(api["handler"], c, "analyse", analysis="光猫老化", cause="network", responsible_person="装维班组")
    assert c["state"] == "analysed" and c["cause_category"] == "product"

    c = step(api["handler"], c, "propose", remedy="repair_replace", plan="更换光猫", amount="60.00")
    assert c["state"] == "pending_approval"
    assert c["proposals"][0]["amount"] == "60.00" and c["proposals"][0]["decision"] == "pending"
    assert "approve" not in actions(c)  # nobody approves their own proposal
    assert actions(api["supervisor"].get(f"/complaints/{c['id']}").json())[:2] == ["approve", "send_back"]

    c = step(api["supervisor"], c, "send-back", comment="请补充减免月租")
    assert c["state"] == "analysed" and c["proposals"][0]["decision"] == "sent_back"
    c = step(api["handler"], c, "propose", remedy="repair_replace", plan="更换光猫并减免半月月租", amount=60)
    c = step(api["supervisor"], c, "approve", comment="同意")
    assert c["state"] == "approved"

    c = step(api["handler"], c, "implement", what_was_done="已更换光猫", notified_via="phone")
    assert c["state"] == "implemented" and c["notified_via"] == "phone"

    assert actions(api["agent"].get(f"/complaints/{c['id']}").json()) == ["follow_up"]
    c = step(api["agent"], c, "follow-up", method="phone", done=True, helped=True, satisfaction=5)
    assert c["state"] == "followed_up" and c["follow_ups"][0]["satisfaction"] == 5

    c = step(api["supervisor"], c, "review", summary="设备老化类投诉", lessons="主动巡检", add_to_casebook=True)
    assert c["state"] == "closed" and c["closed_outcome"] == "resolved" and c["in_casebook"] is True
    assert c["sla"]["step_seconds_left"] is None and actions(c) == []

    events = api["supervisor"].get(f"/complaints/{c['id']}/events").json()
    assert [e["action"] for e in events] == [
        "record", "accept", "assign", "analyse", "propose", "send_back", "propose", "approve",
        "implement", "follow_up", "review",
    ]
    assert events[1]["actor"]["full_name"] == "李建国" and events[1]["reason"] == "投诉成立"


def test_a_dissatisfied_follow_up_reopens_the_complaint_as_a_repeat(api, cast):
    complaint = walk_to(cast, record(cast), "implemented")
    c = api["agent"].get(f"/complaints/{complaint.pk}").json()
    c = step(api["agent"], c, "follow-up", method="phone", done=True, helped=False, satisfaction=1)
    assert c["state"] == "assigned" and c["is_repeat"] is True and c["reopen_count"] == 1


def test_an_invalid_complaint_is_rejected_with_an_explanation_and_closed(api, cast):
    c = api["agent"].post("/complaints", NEW).json()
    c = step(api["handler"], c, "reject", explanation="经核查为用户误操作，已耐心解释")
    assert c["state"] == "closed" and c["closed_outcome"] == "invalid"
    assert c["validity_note"] == "经核查为用户误操作，已耐心解释"


def test_classify_changes_only_the_fields_sent(api, cast):
    c = api["agent"].post("/complaints", NEW).json()
    c = step(api["handler"], c, "classify", severity="high", degrees=["speed", "attitude"])
    assert c["severity"] == "high" and c["degrees"] == ["speed", "attitude"] and c["hotspot"] == ""
    assert c["version"] == 2


def test_a_complaint_recorded_from_a_contact_belongs_to_the_contacts_customer(api, cast, customer):
    contact = api["agent"].post(
        "/contacts", {"channel": "hotline", "category": "complaint", "summary": "投诉断网", "phone": "13812345678"}
    ).json()
    c = api["agent"].post("/complaints", {**NEW, "source_contact_id": contact["id"]}).json()
    assert c["source_contact_id"] == contact["id"]
    assert c["customer"] == {"id": customer.pk, "name": "张伟", "tier": "vip_gold", "is_vip": True}
    listed = api["agent"].get("/complaints", customer=customer.pk).json()
    assert [x["id"] for x in listed["items"]] == [c["id"]]


# ---------------------------------------------------------------- errors


def test_missing_required_fields_get_422_with_a_message_per_field_and_nothing_is_written(api):
    response = api["agent"].post("/complaints", {**NEW, "subject": " ", "complainant_name": ""})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] and set(body["errors"]) == {"subject", "complainant_name"}
    response = api["agent"].post("/complaints", {**NEW, "channel": "carrier-pigeon"})
    assert response.status_code == 422 and set(response.json()["errors"]) == {"channel"}
    assert Complaint.objects.count() == 0


def test_a_malformed_body_gets_a_readable_422(api, cast):
    complaint = record(cast)
    response = api["handler"].post(f"/complaints/{complaint.pk}/accept", {"expected_version": "latest"})
    assert response.status_code == 422
    body = response.json()
    assert "expected_version" in body["errors"] and "expected_version" in body["detail"]
    response = api["agent"].post("/complaints", {"channel": "hotline"})
    assert response.status_code == 422 and {"complainant_name", "subject", "content"} <= set(response.json()["errors"])


def test_an_action_without_the_capability_gets_403(api, cast):
    complaint = record(cast)  # recorded by the agent, so the agent can see it
    response = api["agent"].post(f"/complaints/{complaint.pk}/accept", {"expected_version": 1})
    assert response.status_code == 403 and response.json()["detail"]
    assert Complaint.objects.get().state == "recorded"


def test_a_complaint_the_caller_may_not_see_is_404_for_reads_and_actions(api, cast):
    complaint = record(cast)
    assert api["outsider"].get(f"/complaints/{complaint.pk}").status_code == 404
    assert api["outsider"].get(f"/complaints/{complaint.pk}/events").status_code == 404
    assert api["outsider"].post(f"/complaints/{complaint.pk}/accept", {"expected_version": 1}).status_code == 404
    assert api["supervisor"].get("/complaints/999999").status_code == 404


def test_a_stale_expected_version_gets_409_naming_who_changed_it_and_changes_nothing(api, cast):
    complaint = record(cast)
    assert api["handler"].post(f"/complaints/{complaint.pk}/accept", {"expected_version": 1}).status_code == 200
    late = api["supervisor"].post(f"/complaints/{complaint.pk}/reject", {"expected_version": 1, "explanation": "不成立"})
    assert late.status_code == 409
    assert "李建国" in late.json()["detail"]
    complaint.refresh_from_db()
    assert complaint.state == "accepted" and complaint.version == 2
    assert complaint.events.count() == 2


def test_an_action_not_possible_in_the_current_state_gets_422(api, cast):
    complaint = record(cast)
    response = api["supervisor"].post(f"/complaints/{complaint.pk}/approve", {"expected_version": 1})
    assert response.status_code == 422 and response.json()["detail"]


def test_approval_above_the_limit_is_403_and_leaves_nothing_half_written(api, cast):
    complaint = walk_to(cast, record(cast), "analysed")
    c = api["handler"].get(f"/complaints/{complaint.pk}").json()
    c = step(api["handler"], c, "propose", remedy="refund", plan="退还三个月月租", amount="1200")
    events_before = ComplaintEvent.objects.count()
    response = api["supervisor"].post(f"/complaints/{c['id']}/approve", {"expected_version": c["version"]})
    assert response.status_code == 403 and "1200" in response.json()["detail"]
    assert ComplaintEvent.objects.count() == events_before
    assert Proposal.objects.get().decision == "pending"
    assert Complaint.objects.get().version == c["version"]
    c = step(api["manager"], c, "approve")  # a higher role may
    assert c["state"] == "approved"


def test_an_invalid_follow_up_writes_neither_a_follow_up_nor_an_event(api, cast):
    complaint = walk_to(cast, record(cast), "implemented")
    events_before = complaint.events.count()
    response = api["agent"].post(
        f"/complaints/{complaint.pk}/follow-up",
        {"expected_version": complaint.version, "method": "phone", "done": True, "helped": True, "satisfaction": 9},
    )
    assert response.status_code == 422 and set(response.json()["errors"]) == {"satisfaction"}
    assert FollowUp.objects.count() == 0 and complaint.events.count() == events_before


def test_assigning_to_an_unknown_department_is_a_field_error(api, cast):
    complaint = walk_to(cast, record(cast), "accepted")
    response = api["supervisor"].post(
        f"/complaints/{complaint.pk}/assign", {"expected_version": complaint.version, "handling_department_id": 9999}
    )
    assert response.status_code == 422 and "handling_department_id" in response.json()["errors"]


def test_overdue_means_the_same_in_the_api_as_on_the_pages(cast):
    """A step flagged by the SLA sweep is overdue even if its deadline was later moved (one definition)."""
    from datetime import timedelta

    from django.utils import timezone

    from kefu.complaints.models import Complaint
    from kefu.complaints.tests.api_client import Api
    from kefu.complaints.tests.test_services import record

    flagged = record(cast)
    Complaint.objects.filter(pk=flagged.pk).update(sla_breached=True, step_due_at=timezone.now() + timedelta(days=1))
    late = record(cast)
    Complaint.objects.filter(pk=late.pk).update(step_due_at=timezone.now() - timedelta(hours=1))
    on_time = record(cast)
    Complaint.objects.filter(pk=on_time.pk).update(step_due_at=timezone.now() + timedelta(days=1))
    api = Api(cast["supervisor"])
    overdue = {c["id"] for c in api.get("/complaints", overdue="true").json()["items"]}
    not_overdue = {c["id"] for c in api.get("/complaints", overdue="false").json()["items"]}
    assert overdue == {flagged.pk, late.pk} and not_overdue == {on_time.pk}
