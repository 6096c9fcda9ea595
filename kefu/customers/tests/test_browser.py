"""The fast logger and the reveal button in a real Chromium (Debian's, never a downloaded one)."""

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
    return new_page()


def _sign_in(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass12345")
    page.click(".login-card button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def test_an_agent_logs_a_complaint_call_from_the_keyboard(page, live_server, cast, customer):  # type: ignore[no-untyped-def]
    from kefu.customers.models import Contact

    _sign_in(page, live_server, "agent")
    page.goto(f"{live_server.url}/contacts/new/")
    page.keyboard.type("138 1234 5678")
    expect(page.locator("#caller")).to_contain_text("张伟")
    expect(page.locator("#caller")).to_contain_text("直奔主题")
    page.keyboard.press("Tab")
    page.keyboard.press("2")  # channel 2: counter
    page.keyboard.press("Tab")
    page.keyboard.press("4")  # category 4: complaint
    expect(page.locator("#category-needs")).to_contain_text("道歉")
    expect(page.locator("#save-then-complaint")).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.type("宽带断线三次")
    page.keyboard.press("Control+Shift+Enter")
    page.wait_for_url(re.compile(r"/complaints/new/\?contact=\d+"))
    contact = Contact.objects.get()
    assert (contact.customer, contact.channel, contact.category) == (customer, "counter", "complaint")
    assert contact.duration_seconds is not None  # counted from the first key of the number


def test_a_supervisor_reveals_a_number_in_place(page, live_server, cast, customer):  # type: ignore[no-untyped-def]
    from kefu.customers.models import RevealLog

    _sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    line = page.locator(".pii-line").first
    expect(line).to_contain_text("138****5678")
    line.locator("input[name=reason]").fill("核对身份")
    line.locator("button").click()
    expect(line).to_have_text("13812345678")
    assert RevealLog.objects.get().reason == "核对身份"
