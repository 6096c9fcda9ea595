"""Approvals explain themselves: own proposals, amounts above the limit (上报), remedies that need an amount."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kefu.complaints.flow import State
from kefu.complaints.models import Proposal
from kefu.complaints.tests.test_views import act, login, record, refreshed, walk_to

pytestmark = pytest.mark.django_db


def _proposed(client, cast, *, by="handler", amount="800"):
    complaint = walk_to(cast, record(cast), State.ANALYSED)
    login(client, cast[by])
    response = act(client, complaint, "propose", remedy="refund", plan="退还多扣费用", amount=amount)
    assert response.status_code == 302, response.content.decode()[:3000]
    return refreshed(complaint)


def _page(client, user, complaint) -> str:
    return login(client, user).get(complaint.get_absolute_url()).content.decode()


def test_on_my_own_proposal_the_page_says_why_i_cannot_approve(client, cast):
    complaint = _proposed(client, cast, by="supervisor", amount="100")
    html = _page(client, cast["supervisor"], complaint)
    assert "data-approval-own" in html and "这是您提交的方案，需由其他有审批权限的人员审批。" in html
    assert 'data-action="approve"' not in html
    response = act(client, complaint, "approve")
    assert response.status_code == 403 and "不能" in response.content.decode()


def test_above_my_limit_i_am_offered_escalation_not_approval(client, cast):
    complaint = _proposed(client, cast)
    html = _page(client, cast["supervisor"], complaint)
    assert 'data-action="approve"' not in html and 'data-action="escalate"' in html
    assert "请上报服务经理审批" in html and "500" in html
    refused = act(client, complaint, "approve")
    assert refused.status_code == 403 and "请上报审批" in refused.content.decode()
    assert "请求失败" not in refused.content.decode()
    assert act(client, complaint, "escalate", comment="金额较大，请经理定夺").status_code == 302
    complaint = refreshed(complaint)
    proposal = Proposal.objects.get(complaint=complaint)
    assert (proposal.escalated_to, proposal.escalated_by) == ("manager", cast["supervisor"])
    assert complaint.state == State.PENDING_APPROVAL
    assert complaint.events.last().action == "escalate"
    html = _page(client, cast["supervisor"], complaint)
    assert "已上报至服务经理审批" in html and 'data-action="escalate"' not in html
    assert act(client, complaint, "escalate").status_code == 403  # once is enough
    html = _page(client, cast["manager"], complaint)
    assert f"由 {cast['supervisor']} 上报，请您审批。" in html and 'data-action="approve"' in html
    assert act(client, complaint, "approve").status_code == 302
    assert refreshed(complaint).state == State.APPROVED


def test_escalation_keeps_the_approval_deadline(client, cast):
    complaint = _proposed(client, cast)
    due = complaint.step_due_at
    login(client, cast["supervisor"])
    act(client, complaint, "escalate")
    assert refreshed(complaint).step_due_at == due


def test_within_my_limit_there_is_nothing_to_escalate(client, cast):
    complaint = _proposed(client, cast, amount="200")
    html = _page(client, cast["supervisor"], complaint)
    assert 'data-action="approve"' in html and 'data-action="escalate"' not in html


@pytest.mark.parametrize(
    ("remedy", "amount", "message"),
    [
        ("refund", "", "“退款”需要填写金额（元）。"),
        ("refund", "0", "“退款”需要填写金额（元）。"),
        ("apology", "50", "不涉及金额"),
    ],
)
def test_each_remedy_checks_the_amount_it_needs(client, cast, remedy, amount, message):
    complaint = walk_to(cast, record(cast), State.ANALYSED)
    login(client, cast["handler"])
    response = act(client, complaint, "propose", remedy=remedy, plan="方案", amount=amount)
    assert response.status_code == 422 and message in response.content.decode()
    assert refreshed(complaint).state == State.ANALYSED and not Proposal.objects.exists()


def test_an_apology_needs_no_amount(client, cast):
    complaint = walk_to(cast, record(cast), State.ANALYSED)
    login(client, cast["handler"])
    assert act(client, complaint, "propose", remedy="apology", plan="当面致歉", amount="").status_code == 302
    assert Proposal.objects.get().amount == Decimal(0)
