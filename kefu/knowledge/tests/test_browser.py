"""The assist panel in a real Chromium: turns in, suggestions and draft warnings out, without a reload."""

from __future__ import annotations

import re

import pytest

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def page(new_page, live_server):  # type: ignore[no-untyped-def]
    # The first assist in a process loads the emotion model and the QA rules.
    return new_page(timeout_ms=30_000)


def test_an_agent_follows_a_call_in_the_assist_panel(page, live_server, cast) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "agent")
    page.fill("input[name=password]", "pass12345")
    page.click(".login-card button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))

    page.goto(f"{live_server.url}/knowledge/assist/")
    page.fill("input[name=title]", "张先生来电")
    page.select_option("select[name=persona]", "tiger")
    page.click("form.card button[type=submit]")
    page.wait_for_url(re.compile(r"/knowledge/assist/\d+/$"))

    page.fill("textarea[name=text]", "你们怎么回事！号码停机才三个多月就被收回了！")
    page.click("text=添加一句")
    panel = page.locator("[data-testid=assist-panel]")
    expect(panel).to_contain_text("投诉", timeout=30_000)
    expect(page.locator("textarea[name=text]")).to_have_value("")  # cleared for the next turn
    expect(panel).to_contain_text("转怒为喜五步话术")
    expect(panel).to_contain_text("号码归国家所有")
    expect(panel).to_contain_text("老虎型客户")

    page.fill("textarea[name=draft]", "这不归我们管，我保证明天修好")
    page.click("text=检查草稿")
    expect(page.locator("[data-testid=warnings]")).to_contain_text("推诿", timeout=30_000)
    expect(page.locator("[data-testid=warnings]")).to_contain_text("轻率承诺")
