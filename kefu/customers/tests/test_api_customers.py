"""Customers and contacts over the API: masked numbers, logged reveals, contact logging."""

from __future__ import annotations

import pytest

from kefu.complaints.tests.api_client import Api
from kefu.customers.models import Contact, Customer, PhoneNumber, RevealLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def landline(customer):  # type: ignore[no-untyped-def]
    return PhoneNumber.objects.create(customer=customer, number="059187654321", label="家")


def test_an_agent_never_receives_a_full_number(cast, customer, landline):
    api = Api(cast["agent"])
    for response in (
        api.get("/customers", q="13812345678"),
        api.get(f"/customers/{customer.pk}"),
        api.get("/customers", q="张"),
    ):
        assert response.status_code == 200
        text = response.content.decode()
        assert "13812345678" not in text and "059187654321" not in text and "110101198001011234" not in text
    detail = api.get(f"/customers/{customer.pk}").json()
    assert [p["number"] for p in detail["phones"]] == ["138****5678", "0591****4321"]
    assert detail["id_number"] == "110101********1234"


def test_customers_are_found_by_exact_phone_or_name_prefix(cast, customer):
    Customer.objects.create(name="李娜")
    api = Api(cast["agent"])
    assert [c["name"] for c in api.get("/customers", q="138-1234-5678").json()["items"]] == ["张伟"]
    assert [c["name"] for c in api.get("/customers", q="李").json()["items"]] == ["李娜"]
    assert api.get("/customers", q="13900000000").json() == {"items": [], "count": 0}


def test_the_profile_carries_the_advice_for_the_customers_persona(cast, customer):
    detail = Api(cast["agent"]).get(f"/customers/{customer.pk}").json()
    assert detail["persona"] == "tiger" and detail["tier"] == "vip_gold" and detail["is_vip"] is True
    assert detail["persona_advice"]["do"]


def test_a_supervisor_reveals_a_number_and_the_reveal_is_logged(cast, customer, landline):
    api = Api(cast["supervisor"])
    response = api.post(f"/customers/{customer.pk}/reveal", {"field": "phone", "reason": "回访核实"})
    assert response.status_code == 200 and response.json()["value"] == "13812345678"
    response = api.post(f"/customers/{customer.pk}/reveal", {"field": "phone", "phone_id": landline.pk, "reason": "callback"})
    assert response.json()["value"] == "059187654321"
    response = api.post(f"/customers/{customer.pk}/reveal", {"field": "id_number", "reason": "实名核验"})
    assert response.json()["value"] == "110101198001011234"
    logged = list(RevealLog.objects.order_by("at", "pk").values_list("user__username", "field", "reason"))
    assert logged == [
        ("supervisor", "phone", "回访核实"),
        ("supervisor", "phone", "回拨客户"),
        ("supervisor", "id_number", "实名核验"),
    ]


def test_an_agent_may_not_reveal_and_nothing_is_logged(cast, customer):
    response = Api(cast["agent"]).post(
        f"/customers/{customer.pk}/reveal", {"field": "phone", "reason": "想看"}
    )
    assert response.status_code == 403
    assert "13812345678" not in response.content.decode()
    assert not RevealLog.objects.exists()


def test_a_number_of_another_customer_cannot_be_revealed_through_this_one(cast, customer):
    other = Customer.objects.create(name="李娜")
    phone = PhoneNumber.objects.create(customer=other, number="13900001111")
    response = Api(cast["supervisor"]).post(
        f"/customers/{customer.pk}/reveal", {"field": "phone", "phone_id": phone.pk, "reason": "callback"}
    )
    assert response.status_code == 404 and not RevealLog.objects.exists()


def test_people_who_do_not_work_with_customers_get_403(cast, customer):
    api = Api(cast["outsider"])
    assert api.get("/customers").status_code == 403
    assert api.get(f"/customers/{customer.pk}").status_code == 403
    assert api.get("/contacts").status_code == 403


def test_an_unknown_customer_is_404(cast):
    assert Api(cast["agent"]).get("/customers/424242").status_code == 404


def test_an_agent_logs_a_contact_linked_by_phone_and_normalised(cast, customer):
    api = Api(cast["agent"])
    response = api.post(
        "/contacts",
        {
            "channel": "hotline",
            "category": "consult",
            "summary": "諮詢寬帶資費",
            "phone": "138 1234 5678",
            "duration_seconds": 95,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["customer_id"] == customer.pk and body["summary"] == "咨询宽带资费"
    assert body["phone"] == "138****5678" and body["agent"]["username"] == "agent"
    listed = api.get(f"/customers/{customer.pk}/contacts").json()
    assert [c["id"] for c in listed["items"]] == [body["id"]]
    assert api.get("/contacts", channel="hotline").json()["count"] == 1
    assert api.get("/contacts", channel="sms").json()["count"] == 0
    assert api.get(f"/contacts/{body['id']}").json()["summary"] == "咨询宽带资费"


def test_a_bad_contact_gets_422_per_field_and_nothing_is_written(cast):
    response = Api(cast["agent"]).post(
        "/contacts", {"channel": "hotline", "category": "consult", "summary": "", "phone": "12"}
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"phone", "summary"}
    response = Api(cast["agent"]).post("/contacts", {"channel": "fax", "category": "consult", "summary": "x"})
    assert response.status_code == 422 and set(response.json()["errors"]) == {"channel"}
    response = Api(cast["agent"]).post(
        "/contacts", {"channel": "hotline", "category": "consult", "summary": "x", "customer_id": 987654}
    )
    assert response.status_code == 422 and "customer_id" in response.json()["errors"]
    assert not Contact.objects.exists()


def test_contact_lists_take_a_bounded_number_of_queries(cast, customer, django_assert_max_num_queries):
    Contact.objects.bulk_create(
        Contact(
            customer=customer,
            phone="13812345678",
            channel="hotline",
            category="consult",
            summary=f"第{i}次",
            agent=cast["agent"],
        )
        for i in range(30)
    )
    api = Api(cast["agent"])
    with django_assert_max_num_queries(4):  # token (+ its last-used stamp), count, one page with agents
        response = api.get("/contacts", limit=30)
    assert len(response.json()["items"]) == 30
    with django_assert_max_num_queries(4):  # token, count, page, phones
        assert api.get("/customers", limit=50).status_code == 200


def test_nul_characters_are_refused_with_422_rather_than_breaking_postgresql(cast, customer):
    api = Api(cast["agent"])
    response = api.get("/customers", q="张\x00")
    assert response.status_code == 422 and response.json()["errors"]["query"]
    response = api.post("/contacts", {"channel": "hotline", "category": "consult", "summary": "话费\x00"})
    assert response.status_code == 422 and response.json()["errors"]["body"]
    assert not Contact.objects.exists()
