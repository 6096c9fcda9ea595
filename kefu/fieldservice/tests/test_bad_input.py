"""Malformed dates and windows in query strings and forms: the page answers, never a server error."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kefu.customers.models import RevealLog
from kefu.fieldservice import services
from kefu.fieldservice.models import OutboundMessage, WorkOrder

pytestmark = pytest.mark.django_db

IMPOSSIBLE = ("9999-99-99", "2026-13-45", "2026-02-31", "0001-01-01", "x" * 300)


def login(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("value", IMPOSSIBLE)
def test_an_impossible_day_in_the_address_shows_today_instead(onsite: dict[str, Any], value: str) -> None:
    order = services.order_create(actor=onsite["dispatcher"], customer=onsite["customer"], order_type="repair",
                                  description="光猫红灯")
    dispatcher, tech = login(onsite["dispatcher"]), login(onsite["tech"])
    today = timezone.localdate()
    my_day = tech.get(reverse("fieldservice:my_day"), {"day": value})
    assert my_day.status_code == 200 and my_day.context["day"] == today
    board = dispatcher.get(reverse("fieldservice:board"), {"day": value})
    assert board.status_code == 200 and f'name="day" value="{today:%Y-%m-%d}"' in board.content.decode()
    call = dispatcher.get(reverse("fieldservice:call", args=[order.pk]), {"day": value})
    assert call.status_code == 200 and call.context["day"] == today
    report = dispatcher.get(reverse("fieldservice:report"), {"start": value, "end": value})
    assert report.status_code == 200


@pytest.mark.parametrize("slot", ["2026-13-45T10:00", "9999-99-99T99:99", "0001-01-01T00:00", "yesterday"])
def test_booking_an_impossible_window_is_refused_with_a_message(onsite: dict[str, Any], slot: str) -> None:
    order = services.order_create(actor=onsite["dispatcher"], customer=onsite["customer"], order_type="repair",
                                  description="光猫红灯")
    client = login(onsite["dispatcher"])
    data = {"order": order.pk, "slot": f"{onsite['tech'].pk}|{slot}", "version": order.version, "do": "book"}
    board = client.post(reverse("fieldservice:assign"), data, follow=True)
    call = client.post(reverse("fieldservice:call", args=[order.pk]), data, follow=True)
    assert board.status_code == 200 and call.status_code in (200, 422)
    order.refresh_from_db()
    assert order.technician_id is None


def test_the_log_line_of_a_customer_message_carries_no_link_a_reader_could_use(
        onsite: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    order = services.order_create(actor=onsite["dispatcher"], customer=onsite["customer"], order_type="repair",
                                  description="光猫红灯")
    start = timezone.make_aware(datetime.combine(onsite["today"] + timedelta(days=1), time(10)))
    with caplog.at_level(logging.INFO, logger="kefu.fieldservice.services"):
        services.order_book(actor=onsite["dispatcher"], order=order, technician=onsite["tech"], window_start=start)
    message = OutboundMessage.objects.get(order=order, kind=OutboundMessage.Kind.BOOKED)
    token = services.link_token(message)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert order.number in logged and "138****5678" in logged
    assert token not in logged and "/onsite/c/" not in logged


@pytest.mark.parametrize("state", ["fixed", "closed", "cancelled"])
def test_a_technician_reveals_the_number_only_while_the_visit_is_open(onsite: dict[str, Any], state: str) -> None:
    order = services.order_create(actor=onsite["dispatcher"], customer=onsite["customer"], order_type="repair",
                                  description="光猫红灯")
    start = timezone.make_aware(datetime.combine(onsite["today"] + timedelta(days=1), time(10)))
    order = services.order_book(actor=onsite["dispatcher"], order=order, technician=onsite["tech"], window_start=start)
    url = reverse("fieldservice:reveal_phone", args=[order.pk])
    assert "13812345678" in login(onsite["tech"]).post(url).content.decode()  # the open visit: yes, logged
    WorkOrder.objects.filter(pk=order.pk).update(state=state)
    later = login(onsite["tech"]).post(url)
    assert later.status_code == 403 and "13812345678" not in later.content.decode()
    assert RevealLog.objects.filter(user=onsite["tech"], field="phone").count() == 1


def test_a_superscript_digit_in_an_id_parameter_is_ignored_not_a_server_error(onsite) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client()
    client.force_login(onsite["dispatcher"])
    assert client.get("/onsite/new/?contact=%C2%B2").status_code == 200  # "²" passes str.isdigit(), not int()


@pytest.mark.parametrize("bad", ["²", "３", "99999999999999999999999"])
def test_an_id_parameter_beyond_the_database_integer_is_ignored_not_a_server_error(onsite, bad) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client()
    client.force_login(onsite["dispatcher"])
    assert client.get("/onsite/orders/", {"technician": bad}).status_code == 200
    assert client.get("/onsite/new/", {"contact": bad, "complaint": bad, "customer": bad}).status_code == 200
