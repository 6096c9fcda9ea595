"""The services on their own, as the API and commands call them."""

from __future__ import annotations

import pytest

from kefu.customers import services
from kefu.customers.models import Contact, Customer, PhoneNumber, RevealLog
from kefu.lib.errors import InvalidInput, NotAllowed

pytestmark = pytest.mark.django_db


def test_only_users_who_log_contacts_may_call_contact_log(cast):
    with pytest.raises(NotAllowed):
        services.contact_log(actor=cast["outsider"], channel="hotline", category="consult", summary="问候")
    assert not Contact.objects.exists()


def test_contact_log_reports_every_bad_field_at_once(cast):
    with pytest.raises(InvalidInput) as exc:
        services.contact_log(
            actor=cast["agent"], channel="fax", category="gossip", summary="", phone="1", duration_seconds=-1
        )
    assert set(exc.value.errors) == {"channel", "category", "summary", "phone", "duration"}
    assert not Contact.objects.exists()


def test_a_number_shared_by_two_customers_is_not_linked_to_either(cast, customer):
    other = Customer.objects.create(name="张伟的妻子")
    PhoneNumber.objects.create(customer=other, number="13812345678")
    contact = services.contact_log(
        actor=cast["agent"], channel="hotline", category="help", summary="求助", phone="13812345678"
    )
    assert contact.customer is None


def test_the_reveal_services_refuse_users_without_the_capability(cast, customer):
    with pytest.raises(NotAllowed):
        services.phone_reveal(actor=cast["agent"], phone=customer.phones.get(), reason="核实")
    with pytest.raises(NotAllowed):
        services.id_number_reveal(actor=cast["handler"], customer=customer, reason="核实")
    assert not RevealLog.objects.exists()


def test_each_reveal_is_one_log_row(cast, customer):
    for _ in range(2):
        assert services.id_number_reveal(actor=cast["supervisor"], customer=customer, reason="核实") == "110101198001011234"
    assert RevealLog.objects.filter(user=cast["supervisor"], field="id_number").count() == 2


def test_customer_create_normalises_text_and_numbers(cast):
    customer = services.customer_create(
        actor=cast["manager"], name=" 陳大文 ", address="臺北路1號", phones=["139 0000 1111", "13900001111"]
    )
    assert (customer.name, customer.address) == ("陈大文", "台北路1号")
    assert list(customer.phones.values_list("number", "is_primary")) == [("13900001111", True)]


def test_a_caller_id_with_country_prefix_links_the_customer(cast, customer):
    contact = services.contact_log(
        actor=cast["agent"], channel="hotline", category="consult", summary="查询", phone="+86 138 1234 5678"
    )
    assert (contact.customer, contact.phone) == (customer, "13812345678")
