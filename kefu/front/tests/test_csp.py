"""Content-Security-Policy: every page sends it, and no page needs inline code to work under it."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from kefu.accounts.models import User
from kefu.complaints.tests.test_services import record
from kefu.knowledge.models import AssistSession

pytestmark = pytest.mark.django_db

DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class InlineCodeFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' / 'unsafe-eval' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes and attributes.get("type") not in DATA_SCRIPT_TYPES:
            self.problems.append(f"inline <script> at line {self.getpos()[0]}")
        for name, value in attrs:
            if name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                self.problems.append(f"<{tag} {name}=…> at line {self.getpos()[0]}")
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}='javascript:…'> at line {self.getpos()[0]}")
            if name == "hx-trigger" and "[" in (value or ""):
                self.problems.append(f"<{tag} hx-trigger with a [filter]> (eval) at line {self.getpos()[0]}")


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.problems


def test_the_finder_sees_what_the_policy_would_block():
    html = (
        '<script>alert(1)</script><script type="application/json" id="d">{}</script>'
        '<script src="/static/x.js"></script><button onclick="x()">'
        "<form hx-on::after-request=\"x\"><a href=\"javascript:history.back()\">"
        "<div hx-trigger=\"every 3s [ok()]\">"
    )
    assert len(inline_code(html)) == 5


@pytest.fixture
def admin(db) -> User:  # type: ignore[no-untyped-def]
    return User.objects.create_superuser(username="root", password="pass12345", role="admin")


def test_the_main_pages_send_the_policy_and_carry_no_inline_code(client, cast, customer, admin):
    complaint = record(cast, customer)
    assist = AssistSession.objects.create(agent=cast["agent"], title="张先生来电")
    pages = {
        cast["agent"]: [
            reverse("home"),
            reverse("contacts:new"),
            reverse("contacts:list"),
            reverse("complaints:new"),
            reverse("knowledge:index"),
            reverse("knowledge:assist"),
            reverse("knowledge:assist_panel", args=[assist.pk]),
            reverse("password_change"),
        ],
        cast["supervisor"]: [
            reverse("customers:list"),
            reverse("customers:detail", args=[customer.pk]),
            reverse("complaints:list"),
            reverse("complaints:detail", args=[complaint.pk]),
            reverse("search") + "?q=张伟",
            "/api/v1/docs",
        ],
        admin: [reverse("admin:index")],
    }
    problems = []
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            policy = response["Content-Security-Policy"]
            assert "default-src 'self'" in policy and "script-src 'self'" in policy, url
            assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0], url
            problems += [f"{url}: {problem}" for problem in inline_code(response.content.decode())]
    client.logout()
    login = client.get(reverse("login"))
    assert "Content-Security-Policy" in login
    problems += [f"login: {problem}" for problem in inline_code(login.content.decode())]
    assert problems == []
