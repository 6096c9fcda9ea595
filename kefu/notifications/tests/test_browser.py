"""The approver's bell rises while the page stays open; opening the notification clears it."""

from __future__ import annotations

import pytest

from kefu.complaints import services
from kefu.complaints.flow import State
from kefu.complaints.tests.test_services import record, walk_to

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = [pytest.mark.browser]


@pytest.mark.django_db(transaction=True)
def test_an_approval_request_raises_the_approvers_bell_without_a_reload(live_server, new_page, cast, settings):
    settings.KEFU_BELL_POLL_SECONDS = 1
    complaint = walk_to(cast, record(cast), State.ANALYSED)
    page = new_page()
    documents: list[str] = []
    page.on("request", lambda r: documents.append(r.url) if r.resource_type == "document" else None)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", "pass12345")
    page.press("input[name=password]", "Enter")
    expect(page.locator("h1")).to_have_text("工作台")
    bell = page.locator("a.bell")
    expect(bell.locator(".bell-count")).to_have_attribute("data-unread", "0")
    loaded = len(documents)

    services.complaint_propose(complaint=complaint, actor=cast["handler"], remedy="refund", plan="退费", amount="800")

    expect(bell.locator(".bell-count")).to_have_text("1", timeout=8_000)
    assert len(documents) == loaded  # polled in place: no page load
    bell.click()
    expect(page.locator("h1")).to_have_text("通知")
    page.locator(".notification.is-unread button").first.click()
    expect(page.locator("#complaint h1")).to_contain_text(complaint.number)
    expect(page.locator("a.bell .bell-count")).to_have_attribute("data-unread", "0")
