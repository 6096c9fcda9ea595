"""Shared fixtures: a small cast of role users, as in healthchecks' BaseTestCase."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kefu.accounts.models import Department, User
from kefu.accounts.roles import Role
from kefu.customers.choices import Tier
from kefu.customers.models import Customer, PhoneNumber


@pytest.fixture(autouse=True)
def _fast_passwords(settings):  # type: ignore[no-untyped-def]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _site_language() -> Iterator[None]:
    """Each test starts in the site's language: a request in an earlier test (LocaleMiddleware) must not
    leave English active for the next one on the same worker."""
    from django.conf import settings as dj_settings
    from django.utils import translation

    translation.activate(dj_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _inline_search_indexing(settings):  # type: ignore[no-untyped-def]
    """Tests read the index right after a write: index inside the writer's transaction
    (the queued path has its own tests in kefu/search/tests/test_queued_indexing.py)."""
    settings.KEFU_SEARCH_INDEXING = "inline"


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    """Rate-limit counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def departments(db):  # type: ignore[no-untyped-def]
    return {
        "network": Department.objects.create(code="network", name="网络维护部"),
        "billing": Department.objects.create(code="billing", name="计费账务部"),
        "front": Department.objects.create(code="front", name="客服中心", handles_complaints=False),
    }


def _user(username: str, role: str, department: Department | None = None, full_name: str = "") -> User:
    return User.objects.create_user(
        username=username, password="pass12345", role=role, department=department, full_name=full_name or username
    )


@pytest.fixture
def cast(departments):  # type: ignore[no-untyped-def]
    """agent, handler (network), other_handler (billing), supervisor, manager, qa, outsider."""
    return {
        "agent": _user("agent", Role.AGENT, departments["front"], "王小丽"),
        "handler": _user("handler", Role.HANDLER, departments["network"], "李建国"),
        "other_handler": _user("other", Role.HANDLER, departments["billing"], "赵敏"),
        "supervisor": _user("supervisor", Role.SUPERVISOR, departments["front"], "陈主管"),
        "supervisor2": _user("supervisor2", Role.SUPERVISOR, departments["front"], "周主管"),
        "manager": _user("manager", Role.MANAGER, departments["front"], "孙经理"),
        "qa": _user("qa", Role.QA, None, "质检员"),
        "outsider": _user("trainer", Role.TRAINER, None, "培训师"),
    }


@pytest.fixture
def customer(db):  # type: ignore[no-untyped-def]
    c = Customer.objects.create(name="张伟", tier=Tier.VIP_GOLD, id_number="110101198001011234", persona="tiger")
    PhoneNumber.objects.create(customer=c, number="13812345678", is_primary=True)
    return c


# ---------------------------------------------------------------- browser tests

CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright never downloads a browser here
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright, closed after the test."""
    if not shutil.which(CHROMIUM):
        pytest.skip("Debian chromium is not installed (make chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the test's ORM calls stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        violations = _report_csp_violations(browser)
        try:
            yield browser
        finally:
            browser.close()
        assert violations == [], "the Content-Security-Policy blocked something a page needs"


def _report_csp_violations(browser: Any) -> list[str]:
    """Collect the console's CSP errors from every context the test opens on ``browser``."""
    violations: list[str] = []
    new_context = browser.new_context

    def watched_context(*args: Any, **kwargs: Any) -> Any:
        context = new_context(*args, **kwargs)
        context.on(
            "console",
            lambda message: violations.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None,
        )
        return context

    browser.new_context = watched_context
    return violations


@pytest.fixture
def new_page(chromium: Any) -> Callable[..., Any]:
    """Open a page in a fresh context (own cookies/session), Chinese locale, laptop viewport."""

    def make(*, timeout_ms: int = 10_000, width: int = 1366, height: int = 900) -> Any:
        context = chromium.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        context.set_default_timeout(timeout_ms)
        return context.new_page()

    return make


# ---------------------------------------------------------------- API fuzzing


@pytest.fixture
def api_fuzz(db: None) -> Iterator[Callable[..., list[str]]]:
    """Run schemathesis over the /api/v1 operations under some path prefixes, as one user.

    Returns the failures (documented answers only, never a 5xx), one line each, so a
    single run reports every broken operation. The real WSGI app is used, kept inside
    the test's transaction as Django's test client does.
    """
    schemathesis = pytest.importorskip("schemathesis")
    from django.core import signals
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from kefu.accounts.services import token_create

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

    def fuzz(*, user: User, prefixes: tuple[str, ...], max_examples: int = 10) -> list[str]:
        _, key = token_create(user=user, name="fuzz")
        headers = {"Authorization": f"Bearer {key}"}
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
        failures: list[str] = []
        for result in schema.get_all_operations():
            operation = result.ok()
            if not operation.path.removeprefix("/api/v1").startswith(prefixes):
                continue

            @settings(
                max_examples=max_examples,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def run(case: Any) -> None:
                response = case.call(headers=headers)
                try:
                    case.validate_response(response, checks=checks)
                except (Exception, BaseExceptionGroup) as exc:  # collect every broken operation
                    failures.append(f"{case.method} {case.formatted_path}: {exc}"[:1500])

            run()
        return failures

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield fuzz
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
