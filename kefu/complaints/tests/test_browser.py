"""One complaint walked from intake to closed in a real Chromium, by the people who do each step.

Runs against pytest-django's live server; each person has their own browser
context (own session). Debian's chromium is used, never a downloaded one.
"""

from __future__ import annotations

import pytest

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = [
    pytest.mark.browser,
]


class Person:
    """One signed-in user in their own browser context."""

    def __init__(self, browser, base_url: str, username: str) -> None:  # type: ignore[no-untyped-def]
        self.base_url = base_url
        self.context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.page.goto(f"{base_url}/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", "pass12345")
        self.page.click(".login-card button[type=submit]")
        expect(self.page.locator("h1")).to_have_text("工作台")

    def home(self):  # type: ignore[no-untyped-def]
        self.page.goto(f"{self.base_url}/")
        return self.page

    def open_from_queue(self, number: str):  # type: ignore[no-untyped-def]
        page = self.home()
        page.locator(f'tr[data-complaint="{number}"] a').first.click()
        expect(page.locator("#complaint h1")).to_contain_text(number)
        return page

    def open_action(self, name: str):  # type: ignore[no-untyped-def]
        details = self.page.locator(f'details[data-action="{name}"]')
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        return details

    def submit(self, name: str, state: str) -> None:
        # htmx is loaded with defer: under load a click can come before it has wired the forms.
        self.page.wait_for_function("() => window.htmx !== undefined && document.readyState === 'complete'")
        self.page.locator(f'details[data-action="{name}"] .form-actions button[type=submit]').click()
        expect(self.page.locator("#complaint")).to_have_attribute("data-state", state)

    def actions(self) -> list[str]:
        return self.page.locator("#actions details").evaluate_all("els => els.map(e => e.dataset.action)")


@pytest.mark.django_db(transaction=True)
def test_a_complaint_goes_from_intake_to_closed_by_clicking(live_server, chromium, cast, customer):
    url = live_server.url

    # The agent records the complaint from the keyboard: autofocus on the name, Ctrl+Enter saves.
    agent = Person(chromium, url, "agent")
    page = agent.page
    page.click("text=登记投诉")
    expect(page.locator("#id_complainant_name")).to_be_focused()
    page.keyboard.type("张伟")
    page.fill("#id_complainant_phone", "13812345678")
    page.select_option("#id_channel", "hotline")
    page.fill("#id_subject", "宽带经常断线")
    page.fill("#id_content", "家里宽带这周断了三次，影响在家办公。")
    page.fill("#id_demands", "尽快修好并减免本月月租")
    page.locator("#id_demands").press("Control+Enter")
    expect(page.locator("#complaint")).to_have_attribute("data-state", "recorded")
    expect(page.locator("#messages")).to_contain_text("已登记")
    number = page.locator("#complaint h1 .nowrap").inner_text()
    assert agent.actions() == []  # judging validity is not the agent's step
    expect(page.locator("#complaint")).to_contain_text("138****5678")

    # The intake desk (a handler) judges it valid.
    handler = Person(chromium, url, "handler")
    handler.open_from_queue(number)
    assert "accept" in handler.actions() and "reject" in handler.actions()
    handler.page.evaluate("window.kefuSamePage = true")
    handler.submit("accept", "accepted")
    expect(handler.page.locator("#messages")).to_contain_text("投诉已受理")
    assert handler.page.evaluate("window.kefuSamePage") is True  # htmx swapped the page body, no reload

    # Two supervisors open it at once; the first assigns, the second's stale form loses with a clear message.
    supervisor = Person(chromium, url, "supervisor")
    approver = Person(chromium, url, "supervisor2")
    late = approver.open_from_queue(number)
    page = supervisor.open_from_queue(number)
    supervisor.open_action("assign")
    page.select_option("#id_assign_handling_department", label="网络维护部")
    page.select_option("#id_assign_handler", label="李建国 · 网络维护部")
    supervisor.submit("assign", "assigned")
    expect(page.locator("#complaint")).to_contain_text("李建国")
    approver.open_action("assign")
    late.select_option("#id_assign_handling_department", label="计费账务部")
    late.locator('details[data-action="assign"] button[type=submit]').click()
    expect(late.locator("[data-conflict]")).to_contain_text("陈主管 已于")
    expect(late.locator("#complaint")).to_have_attribute("data-state", "assigned")
    expect(late.locator("#complaint")).to_contain_text("网络维护部")

    # The handler analyses the cause and proposes a remedy; approving is not theirs.
    page = handler.open_from_queue(number)
    handler.open_action("analyse")
    page.locator('details[data-action="analyse"] button[type=submit]').click()  # nothing filled in yet
    expect(page.locator('details[data-action="analyse"] .field-errors').first).to_be_visible()
    expect(page.locator("#id_analyse_cause")).to_be_focused()  # the cursor waits on the first error
    expect(page.locator("#complaint")).to_have_attribute("data-state", "assigned")
    page.select_option("#id_analyse_cause", "network")
    page.fill("#id_analyse_analysis", "光猫老化导致频繁掉线")
    page.fill("#id_analyse_responsible_person", "装维班组")
    handler.submit("analyse", "analysed")
    handler.open_action("propose")
    page.select_option("#id_propose_remedy", "repair_replace")
    page.fill("#id_propose_amount", "60")
    page.fill("#id_propose_plan", "上门更换光猫，减免半月月租")
    handler.submit("propose", "pending_approval")
    assert "approve" not in handler.actions()
    expect(page.locator("tr[data-proposal=pending]")).to_contain_text("上门更换光猫")

    # The second supervisor sees it waiting for approval and approves.
    expect(approver.home().locator('[data-counter="awaiting_approval"]')).to_have_text("1")
    page = approver.open_from_queue(number)
    assert "approve" in approver.actions() and "send_back" in approver.actions()
    approver.open_action("approve")
    page.fill("#id_approve_comment", "同意，尽快上门")
    approver.submit("approve", "approved")
    expect(page.locator("tr[data-proposal=approved]")).to_contain_text("周主管")

    # The handler implements and tells the customer.
    page = handler.open_from_queue(number)
    handler.open_action("implement")
    page.fill("#id_implement_what_was_done", "已上门更换光猫，减免半月月租")
    page.select_option("#id_implement_notified_via", "phone")
    page.fill("#id_implement_customer_feedback", "客户表示感谢")
    handler.submit("implement", "implemented")

    # The agent follows up: done, helped, very satisfied.
    page = agent.open_from_queue(number)
    agent.open_action("follow_up")
    page.check("#id_follow_up_done")
    page.check("#id_follow_up_helped")
    page.check('input[name="satisfaction"][value="5"]')
    agent.submit("follow_up", "followed_up")
    expect(page.locator("#complaint")).to_contain_text("5/5")

    # The supervisor reviews, adds it to the case book, and the complaint is closed.
    page = supervisor.open_from_queue(number)
    supervisor.open_action("review")
    page.fill("#id_review_summary", "设备老化类投诉，需主动巡检")
    page.fill("#id_review_lessons", "老旧小区光猫批量排查")
    page.check("#id_review_add_to_casebook")
    supervisor.submit("review", "closed")
    expect(page.locator("[data-no-actions]")).to_contain_text("已结案")
    expect(page.locator(".timeline-item")).to_have_count(9)
    expect(page.locator(".progress-steps li.current")).to_have_text("已结案")

    # Everyone's queue is empty of it again; the case book lists it.
    for person in (agent, handler, supervisor, approver):
        expect(person.home().locator(f'tr[data-complaint="{number}"]')).to_have_count(0)
    supervisor.page.goto(f"{url}/complaints/?casebook=on")
    expect(supervisor.page.locator(f'tr[data-complaint="{number}"]')).to_have_count(1)
