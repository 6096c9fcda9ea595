"""Churn risk: the score and its reasons, the retention queue, recorded actions, the demo's labelled stories."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kefu.accounts.models import User
from kefu.accounts.roles import Role
from kefu.complaints.models import Complaint, FollowUp
from kefu.customers.models import Contact, Customer
from kefu.insights import churn
from kefu.insights.models import ChurnRisk, RetentionAction
from kefu.lib.errors import Conflict, InvalidInput, NotAllowed


def test_points_are_capped_and_each_has_a_reason() -> None:
    value, reasons = churn.score({"complaints": 5, "regulator": 1, "porting": 2})
    assert value == 30 + 20 + 30
    assert [r["code"] for r in reasons] == ["complaints", "porting", "regulator"] or reasons[0]["points"] == 30
    assert churn.score({"complaints": 50, "porting": 9, "regulator": 3, "repeat": 2, "dissatisfied": 3})[0] == 100


def test_a_birthday_near_suggests_a_greeting_and_a_diamond_customer_a_visit() -> None:
    today = date(2026, 3, 1)
    assert churn.suggested_action(tier="ordinary", id_number="110101199003051234", today=today) == "greeting"
    assert churn.suggested_action(tier="ordinary", id_number="110101199009051234", today=today) == "call"
    assert churn.suggested_action(tier="vip_diamond", id_number="", today=today) == "visit"
    assert churn.birthday("bad") is None


@pytest.fixture
def am(departments):  # type: ignore[no-untyped-def]
    return User.objects.create_user(username="am", password="x", role=Role.ACCOUNT_MANAGER, full_name="客户经理")


@pytest.fixture
def at_risk(cast, am):  # type: ignore[no-untyped-def]
    now = timezone.now()
    risky = Customer.objects.create(name="刘强", account_manager=am, customer_since=date.today() - timedelta(days=100))
    calm = Customer.objects.create(name="王芳", account_manager=am)
    other = Customer.objects.create(name="别人的客户")
    for i in range(3):
        Complaint.objects.create(customer=risky, complainant_name="刘强", channel="miit" if i == 0 else "hotline",
                                 is_regulator=i == 0, is_repeat=i == 2, subject="信号", content="信号差",
                                 created_by=cast["agent"], received_at=now - timedelta(days=10 * i))
    c = Complaint.objects.create(customer=calm, complainant_name="王芳", channel="hotline", subject="咨询",
                                 content="账单", created_by=cast["agent"])
    FollowUp.objects.create(complaint=c, method="phone", done=True, helped=True, satisfaction=5, by=cast["agent"])
    Complaint.objects.create(customer=other, complainant_name="x", channel="miit", is_regulator=True, subject="s",
                             content="c", created_by=cast["agent"])
    Contact.objects.create(customer=risky, channel="hotline", category="consult", summary="咨询携号转网条件",
                           agent=cast["agent"])
    churn.refresh()
    return risky, calm, other


@pytest.mark.django_db
def test_the_score_ranks_the_unhappy_customer_first_with_reasons(at_risk, am) -> None:  # type: ignore[no-untyped-def]
    risky, calm, _other = at_risk
    risk = ChurnRisk.objects.get(customer_id=risky.pk)
    assert risk.score == 100 or risk.score > ChurnRisk.objects.get(customer_id=calm.pk).score
    queue = churn.retention_queue(user=am)
    assert [item.customer.name for item in queue] == ["刘强"]  # the calm one is under the threshold; the other not mine
    assert any("携号转网" in r for r in queue[0].reasons) and any("监管" in r or "12300" in r or "工信部" in r
                                                                   for r in queue[0].reasons)


@pytest.mark.django_db
def test_a_recorded_action_takes_the_customer_out_of_the_queue_for_a_while(at_risk, am, client) -> None:  # type: ignore[no-untyped-def]
    risky, *_ = at_risk
    client.force_login(am)
    page = client.get(reverse("insights:retention")).content.decode()
    assert "刘强" in page and "建议关怀" in page
    response = client.post(reverse("insights:retention_act", args=[risky.pk]),
                           {f"{risky.pk}-kind": "call", f"{risky.pk}-outcome": "staying", f"{risky.pk}-note": "已赠送流量包"})
    assert response.status_code == 302
    action = RetentionAction.objects.get()
    assert action.by == am and action.score_at > 0
    assert "刘强" not in client.get(reverse("insights:retention")).content.decode().split("data-retention")[1].split("</div>")[0]


@pytest.mark.django_db
def test_nobody_records_an_action_for_a_customer_they_do_not_look_after(at_risk, am, cast) -> None:  # type: ignore[no-untyped-def]
    _risky, _calm, other = at_risk
    with pytest.raises(NotAllowed):
        churn.retention_record(actor=am, customer_id=other.pk, kind="call", outcome="staying")
    with pytest.raises(NotAllowed):
        churn.retention_queue(user=cast["agent"])
    with pytest.raises(InvalidInput):
        churn.retention_record(actor=cast["manager"], customer_id=other.pk, kind="bribe", outcome="staying")
    assert not RetentionAction.objects.exists()


@pytest.mark.django_db
def test_a_double_submitted_action_is_recorded_once_and_the_second_is_told_who_recorded_it(at_risk, am, client) -> None:  # type: ignore[no-untyped-def]
    risky, *_ = at_risk
    churn.retention_record(actor=am, customer_id=risky.pk, kind="call", outcome="staying")
    with pytest.raises(Conflict) as caught:
        churn.retention_record(actor=am, customer_id=risky.pk, kind="call", outcome="staying")
    assert am.full_name in caught.value.message and "记录" in caught.value.message
    assert RetentionAction.objects.count() == 1
