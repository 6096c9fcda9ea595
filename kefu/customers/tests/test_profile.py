from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from kefu.complaints.tests.test_services import record
from kefu.customers.models import RevealLog
from kefu.customers.tests.conftest import add_contacts

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kefu.customers.tests.urls")]

FULL_PHONE = "13812345678"
FULL_ID = "110101198001011234"


def _profile(client, user, customer, **params):
    client.force_login(user)
    return client.get(reverse("customers:detail", args=[customer.pk]), params)


def test_the_profile_shows_tier_and_the_advice_for_the_observed_persona(client, cast, customer):
    customer.segment = "全球通"
    customer.customer_since = date(2015, 3, 1)
    customer.save()
    html = _profile(client, cast["agent"], customer).content.decode()
    assert "张伟" in html
    assert "VIP金卡" in html
    assert "全球通" in html
    assert "老虎型" in html
    assert "直奔主题" in html  # what to do with a tiger
    assert "2015-03-01" in html


def test_an_agent_never_sees_the_full_phone_or_id_number(client, cast, customer):
    html = _profile(client, cast["agent"], customer).content.decode()
    assert FULL_PHONE not in html
    assert FULL_ID not in html
    assert "138****5678" in html
    assert "110101********1234" in html
    assert "/reveal/" not in html  # no reveal button, no reveal URL


def test_a_supervisor_sees_masked_numbers_with_a_show_button(client, cast, customer):
    html = _profile(client, cast["supervisor"], customer).content.decode()
    assert FULL_PHONE not in html
    assert FULL_ID not in html
    assert reverse("customers:reveal_id_number", args=[customer.pk]) in html
    assert "显示" in html
    assert not RevealLog.objects.exists()  # looking at the page reveals nothing


def test_the_history_lists_contacts_and_complaints_newest_first(client, cast, customer):
    add_contacts(customer, cast["agent"], 2, summary="查询流量")
    record(cast, customer=customer, subject="宽带经常断线")
    html = _profile(client, cast["agent"], customer).content.decode()
    assert html.index("宽带经常断线") < html.index("查询流量0") < html.index("查询流量1")
    assert FULL_PHONE not in html  # the complaint's phone is not shown either


def test_the_history_links_only_the_complaints_the_user_may_open(client, cast, customer):
    complaint = record(cast, customer=customer, actor=cast["supervisor"], subject="乱扣费")
    detail = reverse("complaints:detail", args=[complaint.pk])
    assert f'href="{detail}"' not in _profile(client, cast["agent"], customer).content.decode()
    assert f'href="{detail}"' in _profile(client, cast["supervisor"], customer).content.decode()


def test_the_history_is_paginated(client, cast, customer):
    add_contacts(customer, cast["agent"], 25)
    first = _profile(client, cast["agent"], customer).content.decode()
    assert "咨询话费0<" in first and "咨询话费24<" not in first
    second = _profile(client, cast["agent"], customer, page=2).content.decode()
    assert "咨询话费24<" in second and "咨询话费0<" not in second


def test_htmx_pagination_returns_only_the_history(client, cast, customer):
    add_contacts(customer, cast["agent"], 25)
    client.force_login(cast["agent"])
    response = client.get(
        reverse("customers:detail", args=[customer.pk]),
        {"page": 2},
        headers={"HX-Request": "true", "HX-Target": "history"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="history">')
    assert "咨询话费24" in html
    assert "<html" not in html


def test_the_profile_needs_a_bounded_number_of_queries(client, cast, customer, django_assert_max_num_queries):
    add_contacts(customer, cast["agent"], 15)
    for i in range(5):
        record(cast, customer=customer, subject=f"投诉{i}")
    client.force_login(cast["supervisor"])
    with django_assert_max_num_queries(
        9
    ):  # session, user, customer, phones, count, page, contacts, complaints, visible
        response = client.get(reverse("customers:detail", args=[customer.pk]))
    assert response.status_code == 200
    assert "投诉4" in response.content.decode()


def test_a_trainer_cannot_open_customer_profiles(client, cast, customer):
    assert _profile(client, cast["outsider"], customer).status_code == 403


def test_an_unknown_customer_is_not_found(client, cast):
    client.force_login(cast["agent"])
    assert client.get(reverse("customers:detail", args=[999999])).status_code == 404


def test_the_profile_offers_logging_a_contact_for_this_customer(client, cast, customer):
    html = _profile(client, cast["agent"], customer).content.decode()
    assert f"{reverse('contacts:new')}?customer={customer.pk}" in html
    assert reverse("customers:edit", args=[customer.pk]) not in html  # agents do not edit profiles
