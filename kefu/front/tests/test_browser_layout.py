"""The layout in a real browser: keyboard shortcuts, the phone menu, language switch, sign-out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders

pytestmark = [pytest.mark.browser, pytest.mark.urls("kefu.front.tests.urls")]

STATIC_DIR = Path(django_settings.BASE_DIR) / "kefu" / "static"


@pytest.fixture
def served_static(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Make sure the live server finds kefu/static even before settings list it."""
    dirs = [Path(d) for d in getattr(settings, "STATICFILES_DIRS", [])]
    if STATIC_DIR not in dirs:
        settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, STATIC_DIR]
    finders.get_finder.cache_clear()
    yield
    finders.get_finder.cache_clear()


@pytest.fixture
def agent(django_user_model):  # type: ignore[no-untyped-def]
    # Created before Playwright starts: its event loop makes Django refuse ORM calls in this thread.
    return django_user_model.objects.create_user(
        username="agent", password="pass12345", role="agent", full_name="王小丽"
    )


@pytest.fixture
def browser_page(agent, live_server, served_static, new_page):  # type: ignore[no-untyped-def]
    page = new_page(width=1280, height=800)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, live_server.url, errors


def _sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass12345")
    page.click("form.form button[type=submit]")
    page.wait_for_url(base + "/")


def test_keyboard_shortcuts_phone_menu_language_and_sign_out(browser_page):
    page, base, errors = browser_page
    _sign_in(page, base, "agent")

    assert page.evaluate("typeof htmx") == "object"  # the vendored script is served
    assert page.evaluate("getComputedStyle(document.querySelector('.topbar')).position") == "sticky"

    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "global-search"
    page.keyboard.press("Escape")
    page.keyboard.press("g")
    page.keyboard.press("c")
    page.wait_for_url(base + "/complaints/")
    assert page.get_attribute(".nav-link.active", "data-nav") == "complaints"

    page.keyboard.press("?")
    assert page.is_visible("#shortcut-help")
    page.keyboard.press("Escape")

    page.set_viewport_size({"width": 390, "height": 800})
    assert not page.is_visible(".nav")
    page.click(".nav-toggle")
    assert page.is_visible(".nav")

    page.click("button.lang-option[value=en]")
    page.wait_for_function("document.documentElement.lang === 'en'")
    page.click(".nav-toggle")
    assert page.inner_text("form.logout button") == "Sign out"

    page.click("form.logout button")
    page.wait_for_url(base + "/login/")
    assert errors == []
