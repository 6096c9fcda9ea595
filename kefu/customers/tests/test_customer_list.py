from __future__ import annotations

import pytest
from django.urls import reverse

from kefu.customers.models import Customer, PhoneNumber

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kefu.customers.tests.urls")]


@pytest.fixture
def people(customer):
    li = Customer.objects.create(name="李明", tier="group_a", persona="owl")
    PhoneNumber.objects.create(customer=li, number="13900001111")
    zhang2 = Customer.objects.create(name="张丽", tier="ordinary")
    return {"zhang": customer, "li": li, "zhang2": zhang2}


def _names(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("customers:list"), params)
    assert response.status_code == 200
    return {customer.name for customer, _phones in response.context["rows"]}, response.content.decode()


def test_the_list_shows_every_customer_with_masked_numbers(client, cast, people):
    names, html = _names(client, cast["agent"])
    assert names == {"张伟", "李明", "张丽"}
    assert "139****1111" in html
    assert "13900001111" not in html
    assert "集团客户A类" in html


def test_lookup_by_the_exact_phone_number(client, cast, people):
    assert _names(client, cast["agent"], q="139 0000 1111")[0] == {"李明"}
    assert _names(client, cast["agent"], q="1390000")[0] == set()  # not a prefix search


def test_a_country_prefix_on_a_mobile_number_is_ignored(client, cast, people):
    assert _names(client, cast["agent"], q="+86 139-0000-1111")[0] == {"李明"}
    assert _names(client, cast["agent"], q="(0086) 13900001111")[0] == {"李明"}


def test_lookup_by_the_start_of_the_name(client, cast, people):
    assert _names(client, cast["agent"], q="张")[0] == {"张伟", "张丽"}
    assert _names(client, cast["agent"], q="張")[0] == {"张伟", "张丽"}  # Traditional input
    assert _names(client, cast["agent"], q="伟")[0] == set()


def test_filters_by_tier_and_persona(client, cast, people):
    assert _names(client, cast["agent"], tier="vip_gold")[0] == {"张伟"}
    assert _names(client, cast["agent"], persona="owl")[0] == {"李明"}
    assert _names(client, cast["agent"], persona="-")[0] == {"张丽"}  # not yet observed


def test_htmx_filtering_returns_only_the_results(client, cast, people):
    client.force_login(cast["agent"])
    response = client.get(
        reverse("customers:list"),
        {"q": "李"},
        headers={"HX-Request": "true", "HX-Target": "customer-results"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="customer-results">')
    assert "李明" in html and "张伟" not in html


def test_the_list_needs_a_bounded_number_of_queries(client, cast, django_assert_max_num_queries):
    for i in range(30):
        c = Customer.objects.create(name=f"客户{i}", account_manager=cast["manager"])
        PhoneNumber.objects.create(customer=c, number=f"1380000{i:04d}")
    client.force_login(cast["agent"])
    with django_assert_max_num_queries(5):  # session, user, count, page, phones
        response = client.get(reverse("customers:list"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 25


def test_a_trainer_cannot_list_customers(client, cast):
    client.force_login(cast["outsider"])
    assert client.get(reverse("customers:list")).status_code == 403
