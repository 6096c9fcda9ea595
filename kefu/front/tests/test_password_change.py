"""Changing one's own password, under the password policy, in Chinese."""

from __future__ import annotations

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse

pytestmark = pytest.mark.django_db

NEW = "Qiuyu-shift-2026"


@pytest.fixture
def agent(django_user_model):  # type: ignore[no-untyped-def]
    return django_user_model.objects.create_user(
        username="wangxiaoli", password="old-password-1", role="agent", full_name="王小丽"
    )


def change(client, old: str, new: str, again: str | None = None):  # type: ignore[no-untyped-def]
    data = {"old_password": old, "new_password1": new, "new_password2": new if again is None else again}
    return client.post(reverse("password_change"), data)


def test_the_top_bar_links_to_the_password_page_in_chinese(client, agent):
    client.force_login(agent)
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("password_change")}"' in html and "修改密码" in html
    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "修改密码" in html and "旧密码" in html and "新密码" in html


def test_the_password_page_needs_a_signed_in_user(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_new_password_works_and_the_session_stays_signed_in(client, agent):
    client.force_login(agent)
    response = change(client, "old-password-1", NEW)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert "密码已修改。" in client.get(reverse("home")).content.decode()
    assert client.get(reverse("password_change")).status_code == 200  # still signed in

    client.post(reverse("logout"))
    signed_in = client.post(reverse("login"), {"username": "wangxiaoli", "password": NEW})
    assert signed_in.status_code == 302


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("ab12cd", "密码长度太短。密码必须包含至少 8 个字符。"),
        ("password123", "这个密码太常见了。"),
        ("20261129384756", "密码只包含数字。"),
        ("wangxiaoli1", "密码跟 用户名 太相似了。"),
    ],
)
def test_a_weak_password_is_refused_with_the_reason_in_chinese(client, agent, new, message):
    client.force_login(agent)
    response = change(client, "old-password-1", new)
    assert response.status_code == 200
    assert message in response.content.decode()
    agent.refresh_from_db()
    assert agent.check_password("old-password-1")


def test_a_wrong_old_password_or_a_mistyped_repeat_is_refused(client, agent):
    client.force_login(agent)
    assert "你的旧密码不正确。请重新输入。" in change(client, "not-it", NEW).content.decode()
    assert "输入的两个密码不一致。" in change(client, "old-password-1", NEW, again=NEW + "x").content.decode()


def test_the_demo_password_meets_the_policy(agent):
    from kefu.demo import content

    password_validation.validate_password(content.PASSWORD, user=agent)
    with pytest.raises(ValidationError):
        password_validation.validate_password("12345678", user=agent)
