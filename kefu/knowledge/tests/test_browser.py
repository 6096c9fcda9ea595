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


def _sign_in(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass12345")
    page.click(".login-card button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def test_five_turns_typed_quickly_are_all_saved_in_the_order_typed(
    page, live_server, cast, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import time

    from kefu.knowledge import services
    from kefu.knowledge.models import AssistSession

    # A server busy enough that the agent types the next turn before the last one is saved.
    answer = services.assist_session_result

    def slow_answer(**kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.4)
        return answer(**kwargs)

    monkeypatch.setattr(services, "assist_session_result", slow_answer)
    session = AssistSession.objects.create(agent=cast["agent"], title="快速录入")
    _sign_in(page, live_server, "agent")
    page.goto(f"{live_server.url}/knowledge/assist/{session.pk}/")

    said = ["宽带又断了", "这个月第三次了", "你们到底管不管", "那你们赔我多少钱？", "我就打12300投诉你们"]
    for text in said:
        page.fill("textarea[name=text]", text)
        page.click("text=添加一句")
    turns = page.locator("[data-testid=turns] li")
    expect(turns).to_have_count(5, timeout=30_000)
    expect(turns).to_have_text([re.compile(text.replace("？", ".")) for text in said])
    expect(page.locator("[data-testid=pending-turns] li")).to_have_count(0)
    assert list(session.turns.values_list("text", flat=True)) == said
    expect(page.locator("[data-testid=assist-panel]")).to_contain_text("客户扬言向工信部（12300）投诉")


def test_an_empty_turn_is_refused_with_a_message(page, live_server, cast) -> None:  # type: ignore[no-untyped-def]
    from kefu.knowledge.models import AssistSession

    session = AssistSession.objects.create(agent=cast["agent"])
    _sign_in(page, live_server, "agent")
    page.goto(f"{live_server.url}/knowledge/assist/{session.pk}/")
    page.fill("textarea[name=text]", "   ")
    page.click("text=添加一句")
    expect(page.locator("#messages")).to_contain_text("这一句是空的")
    assert session.turns.count() == 0


def test_a_supervisor_reads_an_agent_s_session_without_forms(page, live_server, cast) -> None:  # type: ignore[no-untyped-def]
    from kefu.knowledge import services
    from kefu.knowledge.models import AssistSession

    session = AssistSession.objects.create(agent=cast["agent"], title="王小丽的来电")
    services.assist_turn_add(session=session, actor=cast["agent"], speaker="customer", text="你们怎么回事！")
    _sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/knowledge/assist/")
    page.click("text=王小丽的来电")
    expect(page.locator("[data-testid=read-only]")).to_contain_text("王小丽")
    expect(page.locator("[data-testid=turns]")).to_contain_text("你们怎么回事")
    expect(page.locator("textarea[name=text]")).to_have_count(0)
