"""A customer answers the survey about a closed complaint on a phone; the manager sees the low answer
on the dashboard and drills down to the complaint."""

from __future__ import annotations

import pytest

from kefu.complaints.flow import State
from kefu.complaints.tests.test_services import record, walk_to
from kefu.surveys import services, tokens
from kefu.surveys.models import FollowUpTask, Rule, Survey

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_a_customer_answers_on_a_phone_and_the_manager_drills_down_to_the_complaint(live_server, new_page, cast,
                                                                                       customer):
    base = live_server.url
    Rule.objects.create(source_kind="complaint", delay_minutes=0)
    complaint = walk_to(cast, record(cast, customer), State.CLOSED)
    services.surveys_send_due()  # the scheduler's part
    survey = Survey.objects.get(source_kind="complaint", source_id=complaint.pk)

    phone = new_page(width=390, height=844)
    phone.goto(f"{base}/s/{tokens.make(survey.pk, survey.nonce)}/")
    expect(phone.locator("h1")).to_have_text("服务评价")
    for choice in phone.locator("label.nps-choice span").all():  # 0–10, a thumb's width each (WCAG 2.5.5)
        box = choice.bounding_box()
        assert box is not None and box["width"] >= 44 and box["height"] >= 44, box
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the side
    reasons = phone.locator("[data-low-reasons]")
    expect(reasons).to_be_hidden()  # asked only for a low answer
    phone.locator("label.csat-choice[data-csat='1']").click()
    expect(reasons).to_be_visible()
    reasons.get_by_text("被推来推去").click()
    phone.fill("textarea[name=comment]", "转了三个部门才有人管")
    phone.get_by_role("button", name="提交").click()
    expect(phone.locator("[data-survey-message]")).to_have_attribute("data-survey-message", "answered")
    assert FollowUpTask.objects.filter(survey=survey).exists()

    manager = new_page()
    manager.goto(f"{base}/login/")
    manager.fill("input[name=username]", "manager")
    manager.fill("input[name=password]", "pass12345")
    manager.press("input[name=password]", "Enter")
    expect(manager.locator("h1")).to_have_text("工作台")
    manager.locator('[data-nav="surveys"]').click()
    expect(manager.locator('[data-stat="low"]')).to_have_text("1")
    row = manager.locator(f'tr[data-low-survey="{survey.pk}"]')
    expect(row).to_contain_text("转了三个部门才有人管")
    expect(row).to_contain_text("被推来推去")
    row.locator("[data-source-link]").click()
    expect(manager).to_have_url(f"{base}/complaints/{complaint.pk}/")
    expect(manager.locator("h1")).to_contain_text(complaint.number or "")
