"""Complaint lists over the API: filters like the UI's, the work queue, bounded queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.complaints.models import Complaint
from kefu.complaints.selectors import complaint_actions_for, with_pending_proposer
from kefu.complaints.tests.api_client import Api
from kefu.complaints.tests.test_services import record, walk_to

pytestmark = pytest.mark.django_db


def numbers(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return [c["number"] for c in response.json()["items"]]


@pytest.fixture
def mix(cast, customer):  # type: ignore[no-untyped-def]
    """A hotline complaint in approval, a regulator one just recorded, a serious one overdue."""
    pending = walk_to(cast, record(cast, customer), "pending_approval")
    regulator = record(cast, channel="miit", subject="工信部申诉：携号转网受阻")
    overdue = record(cast, severity="high", subject="营业员态度恶劣")
    Complaint.objects.filter(pk=overdue.pk).update(step_due_at=timezone.now() - timedelta(hours=3))
    return {"pending": pending, "regulator": regulator, "overdue": overdue}


def test_the_list_filters_like_the_ui(cast, mix):
    api = Api(cast["supervisor"])
    number = {k: c.number for k, c in mix.items()}
    assert numbers(api.get("/complaints", state="pending_approval")) == [number["pending"]]
    assert numbers(api.get("/complaints", regulator=True)) == [number["regulator"]]
    assert numbers(api.get("/complaints", channel="miit")) == [number["regulator"]]
    assert numbers(api.get("/complaints", severity="high")) == [number["overdue"]]
    assert numbers(api.get("/complaints", overdue=True)) == [number["overdue"]]
    assert number["overdue"] not in numbers(api.get("/complaints", overdue=False))
    assert numbers(api.get("/complaints", handler=cast["handler"].pk)) == [number["pending"]]
    assert numbers(api.get("/complaints", department=cast["handler"].department_id)) == [number["pending"]]
    assert numbers(api.get("/complaints", repeat=True)) == []
    assert len(numbers(api.get("/complaints"))) == 3


def test_a_bad_filter_value_is_a_readable_422(cast):
    response = Api(cast["supervisor"]).get("/complaints", state="lost")
    assert response.status_code == 422 and "state" in response.json()["errors"]


def test_the_list_is_paginated_and_masks_phone_numbers(cast, mix):
    body = Api(cast["supervisor"]).get("/complaints", limit=2).json()
    assert body["count"] == 3 and len(body["items"]) == 2
    assert all(c["complainant_phone"] == "138****5678" for c in body["items"])
    assert "13812345678" not in str(body)


def test_each_role_sees_only_its_own_queue_with_its_next_actions(cast, mix):
    supervisor_queue = Api(cast["supervisor"]).get("/complaints/queue").json()["items"]
    by_number = {c["number"]: c for c in supervisor_queue}
    assert by_number[mix["pending"].number]["next_actions"][0]["action"] == "approve"
    assert supervisor_queue[0]["number"] == mix["regulator"].number  # regulator complaints come first

    handler_queue = Api(cast["handler"]).get("/complaints/queue").json()["items"]
    assert mix["pending"].number not in [c["number"] for c in handler_queue]  # waiting on the supervisor

    assert Api(cast["outsider"]).get("/complaints/queue").json() == {"items": [], "count": 0}


def test_an_agent_lists_only_complaints_they_may_see(cast, mix):
    other_agent_complaint = record(cast, actor=cast["supervisor"], subject="主管代录")
    listed = numbers(Api(cast["agent"]).get("/complaints"))
    assert other_agent_complaint.number not in listed and mix["regulator"].number in listed


def test_list_and_queue_take_a_bounded_number_of_queries(cast, customer, django_assert_max_num_queries):
    for _ in range(6):
        walk_to(cast, record(cast, customer), "pending_approval")
    for _ in range(6):
        record(cast)
    api = Api(cast["supervisor"])
    api.get("/me")  # stamps the token's last use outside the measured blocks
    # token, count, one page with everything joined, the caller's approval limit (once, not per row)
    with django_assert_max_num_queries(4):
        assert len(api.get("/complaints").json()["items"]) == 12
    with django_assert_max_num_queries(4):
        assert len(api.get("/complaints/queue").json()["items"]) == 12


def test_with_pending_proposer_gives_the_same_next_actions_without_a_query_each(
    cast, django_assert_num_queries
):
    complaint = walk_to(cast, record(cast), "pending_approval")
    for user in (cast["handler"], cast["supervisor"]):
        expected = complaint_actions_for(complaint=complaint, user=user)
        annotated = with_pending_proposer(Complaint.objects.filter(pk=complaint.pk)).get()
        with django_assert_num_queries(0):
            assert complaint_actions_for(complaint=annotated, user=user) == expected
