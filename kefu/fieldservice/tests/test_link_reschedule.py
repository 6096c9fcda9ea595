"""After the customer asks for another time through the link, the link says the request is pending,
with the time they asked for, instead of showing the old booking as if it stood."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kefu.fieldservice import services
from kefu.fieldservice.models import OutboundMessage, WorkOrder

pytestmark = pytest.mark.django_db


def _url(order: WorkOrder) -> str:
    return reverse("fieldservice:customer_link", args=[services.link_token(
        OutboundMessage.objects.get(order=order, kind="booked"))])


def _old_time(order: WorkOrder) -> str:
    assert order.window_start is not None
    return timezone.localtime(order.window_start).strftime("%m月%d日 %H:%M")


def test_the_link_says_the_reschedule_is_pending_with_the_time_asked_for(booked: WorkOrder) -> None:
    client = Client()
    answered = client.post(_url(booked), {"answer": "change", "remarks": "周六上午九点以后"})
    assert answered.status_code == 200
    for page in (answered, client.get(_url(booked))):  # right after, and when the customer opens it again
        html = page.content.decode()
        assert page.status_code == 200
        assert "改期申请处理中" in html and "周六上午九点以后" in html
        pending = re.search(r'data-reschedule-pending[^>]*>(.*?)</div>', html, re.S)
        assert pending is not None
        assert "原预约时间" in html and _old_time(booked) in html  # shown as the old one, not as the booking
        assert "您已通过此链接答复" not in html


def test_a_confirmed_link_opened_again_still_shows_the_booking(booked: WorkOrder) -> None:
    client = Client()
    client.post(_url(booked), {"answer": "confirm"})
    html = client.get(_url(booked)).content.decode()
    assert _old_time(booked) in html and "改期申请处理中" not in html and "原预约时间" not in html


def test_a_link_to_a_booking_changed_since_says_so_before_any_button(booked: WorkOrder) -> None:
    url = _url(booked)
    WorkOrder.objects.filter(pk=booked.pk).update(version=booked.version + 1)  # rebooked after the SMS
    page = Client().get(url)
    html = page.content.decode()
    assert page.status_code == 409
    assert "该预约已变更" in html
    assert "data-confirm" not in html  # no button that could only be refused


@pytest.mark.django_db(transaction=True)
def test_an_answer_outside_a_test_transaction_is_recorded(booked: WorkOrder) -> None:
    # Requests run in autocommit: the answer's row locks need the service's own transaction
    # (PostgreSQL refuses SELECT … FOR UPDATE outside one, which was a 500 for every customer).
    answered = Client().post(_url(booked), {"answer": "confirm"})
    assert answered.status_code == 200
    assert OutboundMessage.objects.get(order=booked, kind="booked").answer == "confirm"
