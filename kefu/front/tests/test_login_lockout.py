"""Sign-in lockout (django-axes): per username and per address, with a Chinese message saying until when."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

LIMIT = 5  # KEFU_LOGIN_FAILURE_LIMIT's default
LOCKED = "登录失败次数过多"


@pytest.fixture
def agent(django_user_model):  # type: ignore[no-untyped-def]
    return django_user_model.objects.create_user(username="agent1", password="right-password", role="agent")


def sign_in(client, username: str, password: str, address: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def retry_time(html: str) -> datetime:
    found = re.search(r"登录已锁定至 (\d{4})年(\d{1,2})月(\d{1,2})日 (\d{2}):(\d{2})", html)
    assert found, html
    year, month, day, hour, minute = (int(part) for part in found.groups())
    return timezone.make_aware(datetime(year, month, day, hour, minute))


def test_repeated_wrong_passwords_lock_the_account_even_for_the_right_password(client, agent):
    for _ in range(LIMIT - 1):
        response = sign_in(client, "agent1", "wrong")
        assert response.status_code == 200 and LOCKED not in response.content.decode()

    locked = sign_in(client, "agent1", "wrong")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert LOCKED in html and "此账号或此地址" in html
    assert 'name="username"' in html and 'value="agent1"' in html  # the sign-in page, not a bare error
    until = retry_time(html)
    assert timezone.now() + timedelta(minutes=14) <= until <= timezone.now() + timedelta(minutes=16)

    right = sign_in(client, "agent1", "right-password")
    assert right.status_code == 429 and LOCKED in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_one_address_is_locked_whatever_usernames_it_tries(client, agent):
    for n in range(LIMIT):
        sign_in(client, f"guess{n}", "wrong", address="10.0.0.9")

    assert sign_in(client, "agent1", "right-password", address="10.0.0.9").status_code == 429
    assert sign_in(client, "agent1", "right-password", address="10.0.0.10").status_code == 302


def test_one_username_is_locked_whatever_addresses_it_comes_from(client, agent):
    for n in range(LIMIT):
        sign_in(client, "agent1", "wrong", address=f"10.0.1.{n}")

    assert sign_in(client, "agent1", "right-password", address="10.0.2.1").status_code == 429


def test_a_successful_sign_in_clears_the_failures(client, agent):
    for _ in range(LIMIT - 1):
        sign_in(client, "agent1", "wrong")
    assert sign_in(client, "agent1", "right-password").status_code == 302
    client.post(reverse("logout"))

    for _ in range(LIMIT - 1):
        assert sign_in(client, "agent1", "wrong").status_code == 200
    assert sign_in(client, "agent1", "right-password").status_code == 302


def test_the_lock_ends_after_the_cool_off_time(client, agent):
    for _ in range(LIMIT):
        sign_in(client, "agent1", "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert sign_in(client, "agent1", "right-password").status_code == 302


def test_the_lockout_message_follows_the_language(client, agent, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(LIMIT):
        response = sign_in(client, "agent1", "wrong")
    assert "Sign-in is locked until" in response.content.decode()
