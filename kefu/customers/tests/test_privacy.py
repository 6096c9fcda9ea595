"""PIPL: addresses masked like the numbers, reveals only with a reason and only where allowed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kefu.complaints.tests.api_client import Api
from kefu.customers.models import Customer, PhoneNumber, RevealLog

pytestmark = pytest.mark.django_db

ADDRESS = "浙江省杭州市西湖区文三路90号学院小区3幢2单元1201室"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def home(customer):  # type: ignore[no-untyped-def]
    customer.address = ADDRESS
    customer.save(update_fields=["address"])
    return customer


@pytest.fixture
def managed(account_manager):  # type: ignore[no-untyped-def]
    customer = Customer.objects.create(name="周敏", account_manager=account_manager, address=ADDRESS,
                                       id_number="330106199001011234")
    PhoneNumber.objects.create(customer=customer, number="13700001111", is_primary=True)
    return customer


def test_the_address_is_masked_on_the_profile_for_every_role(client, cast, home):
    for role in ("agent", "supervisor"):
        client.force_login(cast[role])
        html = client.get(reverse("customers:detail", args=[home.pk])).content.decode()
        assert "浙江省杭州市西湖区****" in html
        assert "文三路" not in html
    assert not RevealLog.objects.exists()


def test_the_address_is_masked_in_the_api_and_the_edit_form(client, cast, home):
    detail = Api(cast["supervisor"]).get(f"/customers/{home.pk}").json()
    assert detail["address"] == "浙江省杭州市西湖区****"
    client.force_login(cast["supervisor"])
    html = client.get(reverse("customers:edit", args=[home.pk])).content.decode()
    assert "文三路" not in html and "浙江省杭州市西湖区****" in html


def test_saving_the_edit_form_with_a_blank_address_keeps_it(client, cast, home):
    client.force_login(cast["supervisor"])
    response = client.post(
        reverse("customers:edit", args=[home.pk]),
        {"name": "张伟", "tier": home.tier, "persona": home.persona, "address": "", "version": home.version},
    )
    assert response.status_code == 302
    home.refresh_from_db()
    assert home.address == ADDRESS


def test_a_supervisor_reveals_the_address_with_a_reason_and_it_is_logged(client, cast, home):
    client.force_login(cast["supervisor"])
    url = reverse("customers:reveal_address", args=[home.pk])
    response = client.post(url, {"reason_code": "onsite"}, headers=HTMX)
    assert ADDRESS in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    log = RevealLog.objects.get()
    assert (log.field, log.target, log.reason) == ("address", "浙江省杭州市西湖区****", "上门服务")


def test_a_reveal_without_a_reason_is_refused_and_nothing_is_logged(client, cast, customer):
    client.force_login(cast["supervisor"])
    phone = customer.phones.get()
    url = reverse("customers:reveal_phone", args=[customer.pk, phone.pk])
    for data in ({}, {"reason_code": "other"}, {"reason_code": "", "reason": "   "}):
        response = client.post(url, data, headers=HTMX)
        html = response.content.decode()
        assert "13812345678" not in html
        assert "请选择或填写原因" in html  # the form comes back with its error, in Chinese
    response = Api(cast["supervisor"]).post(f"/customers/{customer.pk}/reveal", {"field": "id_number", "reason": ""})
    assert response.status_code == 422 and "reason" in response.json()["errors"]
    assert not RevealLog.objects.exists()


def test_other_with_words_is_logged_with_the_words(client, cast, customer):
    client.force_login(cast["supervisor"])
    url = reverse("customers:reveal_phone", args=[customer.pk, customer.phones.get().pk])
    client.post(url, {"reason_code": "other", "reason": "公安协查"}, headers=HTMX)
    log = RevealLog.objects.get()
    assert (log.reason, log.target) == ("公安协查", "138****5678")


def test_an_account_manager_reveals_only_the_customers_they_manage(client, cast, account_manager, customer,
                                                                   managed):
    api = Api(account_manager)
    response = api.post(f"/customers/{customer.pk}/reveal", {"field": "id_number", "reason": "verify"})
    assert response.status_code == 403
    assert "110101198001011234" not in response.content.decode()
    response = api.post(f"/customers/{managed.pk}/reveal", {"field": "id_number", "reason": "verify"})
    assert response.status_code == 200 and response.json()["value"] == "330106199001011234"
    assert response["Cache-Control"] == "no-store"
    client.force_login(account_manager)
    url = reverse("customers:reveal_phone", args=[customer.pk, customer.phones.get().pk])
    assert client.post(url, {"reason_code": "verify"}).status_code == 403
    assert "/reveal/" not in client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "/reveal/" in client.get(reverse("customers:detail", args=[managed.pk])).content.decode()
    assert list(RevealLog.objects.values_list("customer_id", flat=True)) == [managed.pk]


def test_every_api_reveal_answer_is_not_stored_by_caches(cast, customer):
    response = Api(cast["supervisor"]).post(f"/customers/{customer.pk}/reveal", {"field": "phone", "reason": "verify"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"


def test_an_account_manager_cannot_make_themselves_the_manager_to_reveal(client, cast, account_manager, customer):
    from kefu.customers import services
    from kefu.lib.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        services.customer_update(
            actor=account_manager, customer=customer, name=customer.name, tier=customer.tier, segment="",
            persona=customer.persona, customer_since=None, address="", account_manager=account_manager, note="",
        )
    assert "account_manager" in caught.value.errors
    client.force_login(account_manager)
    client.post(reverse("customers:edit", args=[customer.pk]), {
        "name": customer.name, "tier": customer.tier, "persona": customer.persona,
        "account_manager": account_manager.pk, "version": customer.version,
    })
    customer.refresh_from_db()
    assert customer.account_manager is None
    response = Api(account_manager).post(f"/customers/{customer.pk}/reveal", {"field": "id_number", "reason": "verify"})
    assert response.status_code == 403 and not RevealLog.objects.exists()


def test_numbers_added_through_the_services_are_searchable_at_once(client, cast):
    from kefu.customers import services

    created = services.customer_create(actor=cast["supervisor"], name="陈晨", phones=["13611112222"])
    services.customer_update(
        actor=cast["supervisor"], customer=created, name="陈晨", tier=created.tier, segment="", persona="",
        customer_since=None, address="", account_manager=None, note="", add_phones=["13733334444"],
    )
    client.force_login(cast["agent"])
    for number in ("13611112222", "13733334444"):
        html = client.get(reverse("search"), {"q": number}).content.decode()
        assert reverse("customers:detail", args=[created.pk]) in html, number


def test_linking_a_logged_contact_by_number_counts_as_a_number_search(cast, customer, settings):
    settings.KEFU_NUMBER_SEARCH_LIMIT = 1
    api = Api(cast["agent"])
    contact = {"channel": "hotline", "category": "consult", "summary": "咨询", "phone": "13812345678"}
    assert api.post("/contacts", contact).json()["customer_id"] == customer.pk
    response = api.post("/contacts", contact)
    assert response.status_code == 429 and "customer_id" not in response.json()
