from __future__ import annotations

import pytest
from django.urls import reverse

from kefu.customers.models import PhoneNumber, RevealLog

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kefu.customers.tests.urls")]

HTMX = {"HX-Request": "true"}


def _phone_url(customer, phone=None):
    phone = phone or customer.phones.get()
    return reverse("customers:reveal_phone", args=[customer.pk, phone.pk])


def test_a_supervisor_reveals_one_phone_number_and_the_reveal_is_logged(client, cast, customer):
    client.force_login(cast["supervisor"])
    response = client.post(_phone_url(customer), {"reason": "客户要求核对號碼"}, headers=HTMX)
    assert response.status_code == 200
    assert "13812345678" in response.content.decode()
    assert "<html" not in response.content.decode()  # just the value, swapped in place
    assert response["Cache-Control"] == "no-store"
    log = RevealLog.objects.get()
    assert (log.user, log.customer, log.field) == (cast["supervisor"], customer, "phone")
    assert log.reason == "客户要求核对号码"  # normalised to Simplified


def test_revealing_the_id_number_logs_that_field(client, cast, customer):
    client.force_login(cast["manager"])
    response = client.post(
        reverse("customers:reveal_id_number", args=[customer.pk]), {"reason_code": "verify"}, headers=HTMX
    )
    assert "110101198001011234" in response.content.decode()
    assert RevealLog.objects.get().field == "id_number"


def test_without_htmx_the_profile_shows_only_the_revealed_number(client, cast, customer):
    client.force_login(cast["supervisor"])
    response = client.post(reverse("customers:reveal_id_number", args=[customer.pk]), {"reason_code": "verify"})
    html = response.content.decode()
    assert "110101198001011234" in html
    assert "13812345678" not in html  # the phone stays masked
    assert "老虎型" in html  # it is the whole profile page


def test_an_agent_gets_403_and_nothing_is_logged(client, cast, customer):
    client.force_login(cast["agent"])
    for url in (_phone_url(customer), reverse("customers:reveal_id_number", args=[customer.pk])):
        response = client.post(url, {"reason_code": "verify"}, headers=HTMX)
        assert response.status_code == 403
        assert "13812345678" not in response.content.decode()
        assert "110101198001011234" not in response.content.decode()
    assert not RevealLog.objects.exists()


def test_a_qa_inspector_cannot_reveal_either(client, cast, customer):
    client.force_login(cast["qa"])
    assert client.post(_phone_url(customer), {"reason_code": "verify"}).status_code == 403
    assert not RevealLog.objects.exists()


def test_a_number_of_another_customer_cannot_be_revealed_through_this_one(client, cast, customer):
    from kefu.customers.models import Customer

    other = Customer.objects.create(name="李四")
    phone = PhoneNumber.objects.create(customer=other, number="13900001111")
    client.force_login(cast["supervisor"])
    response = client.post(reverse("customers:reveal_phone", args=[customer.pk, phone.pk]), {"reason_code": "verify"})
    assert response.status_code == 404
    assert not RevealLog.objects.exists()


def test_revealing_needs_a_post(client, cast, customer):
    client.force_login(cast["supervisor"])
    assert client.get(_phone_url(customer)).status_code == 405
    assert not RevealLog.objects.exists()


def test_anonymous_users_are_sent_to_sign_in(client, customer):
    response = client.post(_phone_url(customer))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert not RevealLog.objects.exists()
