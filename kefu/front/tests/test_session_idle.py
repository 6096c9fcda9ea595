"""Sessions end after KEFU_SESSION_IDLE_MINUTES without a request; every request pushes the end back."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from kefu.front.middleware import SlidingSessionMiddleware

pytestmark = pytest.mark.django_db

SHIFT = timedelta(minutes=480)  # the default idle time


@pytest.fixture
def signed_in(client, django_user_model):  # type: ignore[no-untyped-def]
    django_user_model.objects.create_user(username="agent1", password="right-password", role="agent")
    response = client.post(reverse("login"), {"username": "agent1", "password": "right-password"})
    assert response.status_code == 302
    return client


def session_row(client) -> Session:  # type: ignore[no-untyped-def]
    return Session.objects.get(pk=client.session.session_key)


def test_a_new_session_lasts_one_shift_of_idle_time(signed_in):
    assert abs(session_row(signed_in).expire_date - (timezone.now() + SHIFT)) < timedelta(seconds=30)
    assert signed_in.cookies["sessionid"]["max-age"] == 480 * 60


def test_a_request_pushes_the_end_of_the_session_back(signed_in):
    session = signed_in.session
    session[SlidingSessionMiddleware.SEEN_KEY] = int(time.time()) - 120  # last seen two minutes ago
    session.save()
    Session.objects.filter(pk=session.session_key).update(expire_date=timezone.now() + timedelta(minutes=1))

    assert signed_in.get(reverse("home")).status_code == 200
    assert session_row(signed_in).expire_date > timezone.now() + SHIFT - timedelta(seconds=30)


def test_requests_within_a_minute_do_not_rewrite_the_session(signed_in):
    before = session_row(signed_in).expire_date
    signed_in.get(reverse("home"))
    assert session_row(signed_in).expire_date == before


def test_an_idle_session_ends_and_the_next_page_asks_to_sign_in(signed_in):
    Session.objects.filter(pk=signed_in.session.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = signed_in.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_idle_time_follows_the_setting(client, django_user_model, settings):
    settings.SESSION_COOKIE_AGE = 30 * 60
    django_user_model.objects.create_user(username="agent1", password="right-password", role="agent")
    client.post(reverse("login"), {"username": "agent1", "password": "right-password"})
    assert abs(session_row(client).expire_date - (timezone.now() + timedelta(minutes=30))) < timedelta(seconds=30)
