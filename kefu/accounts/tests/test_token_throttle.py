"""Guessing API tokens: an address that sends too many unknown tokens gets 429 for a while."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client
from django.test.client import RequestFactory

from kefu.accounts.services import token_create
from kefu.accounts.throttle import client_address, token_block_remaining, token_failure_record

pytestmark = pytest.mark.django_db

LIMIT = 10  # KEFU_API_TOKEN_FAILURE_LIMIT's default


def get_me(key: str, address: str):  # type: ignore[no-untyped-def]
    return Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR=address)


def test_bad_tokens_get_429_with_retry_after_once_the_address_reaches_the_limit(cast):
    for n in range(LIMIT):
        assert get_me(f"kf_guess{n}", "10.0.0.7").status_code == 401

    refused = get_me("kf_one-more-guess", "10.0.0.7")
    assert refused.status_code == 429
    assert refused.json() == {"detail": "来自此地址的无效 API 令牌过多，请稍后再试。"}
    assert 0 < int(refused["Retry-After"]) <= 15 * 60

    _, key = token_create(user=cast["agent"])
    assert get_me(key, "10.0.0.7").status_code == 429  # no more tries from there, right or wrong


def test_a_good_token_from_another_address_still_works(cast):
    for n in range(LIMIT):
        get_me(f"kf_guess{n}", "10.0.0.7")
    _, key = token_create(user=cast["agent"])

    response = get_me(key, "10.0.0.8")
    assert response.status_code == 200 and response.json()["username"] == "agent"


def test_the_browser_session_from_a_blocked_address_still_works(cast):
    for n in range(LIMIT):
        get_me(f"kf_guess{n}", "10.0.0.7")
    client = Client(REMOTE_ADDR="10.0.0.7")
    client.force_login(cast["agent"])
    assert client.get("/api/v1/me").status_code == 200


def test_the_429_speaks_english_when_asked(cast):
    for n in range(LIMIT + 1):
        response = Client().get(
            "/api/v1/me", HTTP_AUTHORIZATION=f"Bearer kf_{n}", REMOTE_ADDR="10.0.0.7", HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 429 and response.json()["detail"].startswith("Too many invalid API tokens")


def test_failures_counted_from_many_threads_at_once_all_count(settings):
    settings.KEFU_API_TOKEN_FAILURE_LIMIT = 40
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: token_failure_record(address="10.0.0.5"), range(39)))
    assert token_block_remaining(address="10.0.0.5") == 0

    token_failure_record(address="10.0.0.5")
    assert token_block_remaining(address="10.0.0.5") > 0
    assert token_block_remaining(address="10.0.0.6") == 0


def test_the_client_address_comes_from_x_forwarded_for_only_behind_a_declared_proxy(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    settings.KEFU_PROXY_COUNT = 0
    assert client_address(request) == "10.9.9.9"  # a client can write any X-Forwarded-For
    settings.KEFU_PROXY_COUNT = 1
    assert client_address(request) == "203.0.113.5"  # what the one proxy saw; "6.6.6.6" is the client's claim
