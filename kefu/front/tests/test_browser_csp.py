"""The main pages in a real Chromium under the Content-Security-Policy: they run, nothing is blocked.

The ``chromium`` fixture fails the test if the console reports any CSP violation.
"""

from __future__ import annotations

import re

import pytest

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_main_pages_and_the_api_docs_run_under_the_policy(new_page, live_server, cast, customer):  # type: ignore[no-untyped-def]
    page = new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", "pass12345")
    page.click(".login-card button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))

    pages = ["/", "/customers/", f"/customers/{customer.pk}/", "/contacts/", "/contacts/new/", "/complaints/"]
    pages += ["/complaints/new/", "/search/?q=张伟", "/knowledge/", "/knowledge/assist/", "/account/password/"]
    for path in pages:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]

    page.goto(f"{live_server.url}/account/password/")
    page.fill("#id_old_password", "pass12345")
    page.fill("#id_new_password1", "123")
    page.fill("#id_new_password2", "123")
    page.click("main button[type=submit]")
    expect(page.locator("main .field-errors").first).to_contain_text("密码长度太短")

    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Kefu API")
    assert errors == []
