"""Guessing on-site customer links from one address is slowed down: after too many invalid links, 429."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from kefu.fieldservice import services
from kefu.fieldservice.models import OutboundMessage, WorkOrder

pytestmark = pytest.mark.django_db


def test_an_address_that_keeps_trying_invalid_links_is_refused_for_a_while(booked: WorkOrder, settings) -> None:  # type: ignore[no-untyped-def]
    settings.KEFU_LINK_FAILURE_LIMIT = 3
    settings.KEFU_LINK_FAILURE_WINDOW = 10**6  # one window for the whole test
    good = reverse("fieldservice:customer_link", args=[services.link_token(OutboundMessage.objects.get(order=booked, kind="booked"))])
    client = Client()
    for attempt in range(2):
        assert client.get(reverse("fieldservice:customer_link", args=[f"guess{attempt}"])).status_code == 410
    assert client.get(good).status_code == 200  # under the limit a real link still opens
    assert client.get(reverse("fieldservice:customer_link", args=["guess2"])).status_code == 410  # at the limit
    refused = client.get(reverse("fieldservice:customer_link", args=["guess-again"]))
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "尝试次数过多" in refused.content.decode()
    assert "您所在的网络打开的无效链接过多" in refused.content.decode()  # says why and for how long, in Chinese
    assert "分钟后再试" in refused.content.decode()
    other = client.get(reverse("fieldservice:customer_link", args=["guess3"]), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 410  # another address is not affected


def test_an_expired_link_is_not_counted_as_a_guess(booked: WorkOrder, settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings.KEFU_LINK_FAILURE_LIMIT = 2
    settings.KEFU_LINK_FAILURE_WINDOW = 10**6  # one window for the whole test
    message = OutboundMessage.objects.get(order=booked, kind="booked")
    sent = time.time() - services.LINK_MAX_AGE - 60
    monkeypatch.setattr(signing.time, "time", lambda: sent)
    old = reverse("fieldservice:customer_link", args=[services.link_token(message)])
    monkeypatch.undo()
    client = Client()
    for _attempt in range(4):
        assert client.get(old).status_code == 410  # a customer opening an old message again and again
    good = reverse("fieldservice:customer_link", args=[services.link_token(message)])
    assert client.get(good).status_code == 200


def test_a_customer_sharing_a_blocked_address_still_uses_their_real_link(booked: WorkOrder, settings) -> None:  # type: ignore[no-untyped-def]
    """Carrier-grade NAT puts many phones behind one address: guesses from it must not lock out a
    customer whose link we signed (no guess can produce one)."""
    settings.KEFU_LINK_FAILURE_LIMIT = 2
    settings.KEFU_LINK_FAILURE_WINDOW = 10**6  # one window for the whole test
    good = reverse("fieldservice:customer_link", args=[services.link_token(OutboundMessage.objects.get(order=booked, kind="booked"))])
    client = Client()
    for attempt in range(3):
        client.get(reverse("fieldservice:customer_link", args=[f"guess{attempt}"]))
    assert client.get(reverse("fieldservice:customer_link", args=["guess-more"])).status_code == 429
    assert client.get(good).status_code == 200
    assert client.post(good, {"answer": "confirm"}).status_code == 200
    booked.refresh_from_db()
    assert booked.confirmation == "confirmed"
