from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kefu.customers.models import Contact
from kefu.customers.tests.conftest import add_contacts

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kefu.customers.tests.urls")]


@pytest.fixture
def contacts(cast, customer):
    now = timezone.now()
    return {
        "mine": Contact.objects.create(
            customer=customer, channel="hotline", category="consult", summary="查话费", agent=cast["agent"]
        ),
        "counter": Contact.objects.create(
            channel="counter",
            category="complaint",
            summary="营业厅排队太久",
            agent=cast["handler"],
            phone="13900001111",
            duration_seconds=200,
        ),
        "old": Contact.objects.create(
            channel="miit",
            category="complaint",
            summary="工信部转来的申诉",
            agent=cast["supervisor"],
            occurred_at=now - timedelta(days=10),
        ),
    }


def _summaries(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("contacts:list"), params)
    assert response.status_code == 200
    return [c.summary for c, _phone, _duration in response.context["rows"]], response.content.decode()


def test_the_list_shows_contacts_newest_first_with_masked_numbers(client, cast, contacts):
    summaries, html = _summaries(client, cast["agent"])
    assert summaries == ["营业厅排队太久", "查话费", "工信部转来的申诉"]
    assert "139****1111" in html and "13900001111" not in html
    assert "3:20" in html


def test_filters_by_channel_category_agent_and_date(client, cast, contacts):
    assert _summaries(client, cast["agent"], channel="counter")[0] == ["营业厅排队太久"]
    assert _summaries(client, cast["agent"], category="complaint")[0] == [
        "营业厅排队太久",
        "工信部转来的申诉",
    ]
    assert _summaries(client, cast["agent"], agent=cast["agent"].pk)[0] == ["查话费"]
    today = timezone.localdate()
    assert _summaries(client, cast["agent"], date_from=today.isoformat())[0] == ["营业厅排队太久", "查话费"]
    earlier = (today - timedelta(days=5)).isoformat()
    assert _summaries(client, cast["agent"], date_to=earlier)[0] == ["工信部转来的申诉"]


def test_a_qa_inspector_may_read_contacts(client, cast, contacts):
    assert len(_summaries(client, cast["qa"])[0]) == 3


def test_a_trainer_may_not(client, cast, contacts):
    client.force_login(cast["outsider"])
    assert client.get(reverse("contacts:list")).status_code == 403
    assert client.get(reverse("contacts:detail", args=[contacts["mine"].pk])).status_code == 403


def test_the_list_needs_a_bounded_number_of_queries(client, cast, customer, django_assert_max_num_queries):
    add_contacts(customer, cast["agent"], 40)
    client.force_login(cast["supervisor"])
    with django_assert_max_num_queries(5):  # session, user, count, page, agents for the filter
        response = client.get(reverse("contacts:list"))
    assert len(response.context["rows"]) == 30


def test_the_contact_page_offers_recording_it_as_a_complaint(client, cast, contacts):
    contact = contacts["counter"]
    client.force_login(cast["agent"])
    html = client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert "营业厅排队太久" in html
    assert f"{reverse('complaints:new')}?contact={contact.pk}" in html
    assert "13900001111" not in html
