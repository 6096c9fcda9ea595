from __future__ import annotations

import pytest
from django.urls import reverse

from kefu.customers.models import Contact, Customer, PhoneNumber
from kefu.customers.tests.conftest import add_contacts

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kefu.customers.tests.urls")]

HTMX = {"HX-Request": "true", "HX-Target": "caller"}


def _log(client, user, **fields):
    data = {
        "phone": "138 1234 5678",
        "channel": "hotline",
        "category": "consult",
        "summary": "咨询套餐余量",
        "detail": "",
        "duration": "",
    }
    data.update(fields)
    client.force_login(user)
    return client.post(reverse("contacts:new"), data)


def test_the_logger_offers_numbered_channels_and_categories_with_their_needs(client, cast):
    client.force_login(cast["agent"])
    html = client.get(reverse("contacts:new")).content.decode()
    assert 'data-key-option="1"' in html  # number-key shortcuts
    assert "客服热线" in html and "工信部申诉（12300）" in html
    assert "道歉、重视，必要时给予补偿。" in html  # what a complainer needs
    assert "Ctrl+Enter" in html
    assert reverse("contacts:lookup") in html


def test_typing_a_known_number_shows_who_is_calling(client, cast, customer):
    add_contacts(customer, cast["agent"], 4, summary="查询宽带")
    client.force_login(cast["agent"])
    response = client.get(reverse("contacts:lookup"), {"phone": "138-1234-5678"}, headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="caller"')
    assert "张伟" in html and "VIP金卡" in html
    assert "直奔主题" in html  # the tiger's advice
    assert "查询宽带0" in html and "查询宽带2" in html and "查询宽带3" not in html  # the last three
    assert f'name="customer" value="{customer.pk}"' in html
    assert "13812345678" not in html


def test_an_unknown_number_says_so(client, cast, customer):
    client.force_login(cast["agent"])
    html = client.get(reverse("contacts:lookup"), {"phone": "13000000000"}, headers=HTMX).content.decode()
    assert "没有使用该号码的客户" in html


def test_a_shared_number_lets_the_agent_choose_the_caller(client, cast, customer):
    other = Customer.objects.create(name="张伟的妻子")
    PhoneNumber.objects.create(customer=other, number="13812345678")
    client.force_login(cast["agent"])
    html = client.get(reverse("contacts:lookup"), {"phone": "13812345678"}, headers=HTMX).content.decode()
    assert 'type="radio" name="customer"' in html
    assert "张伟的妻子" in html


def test_logging_a_contact_links_the_caller_and_returns_to_an_empty_logger(client, cast, customer):
    response = _log(client, cast["agent"], duration="3:20", detail="客户询问本月剩余流量")
    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('contacts:new')}?saved={contact.pk}"
    assert (contact.customer, contact.phone, contact.agent) == (customer, "13812345678", cast["agent"])
    assert contact.duration_seconds == 200
    html = client.get(response["Location"]).content.decode()
    assert "已保存：咨询套餐余量" in html
    assert f"{reverse('complaints:new')}?contact={contact.pk}" in html


def test_traditional_input_is_saved_in_simplified_chinese(client, cast, customer):
    _log(client, cast["agent"], summary="寬頻經常斷線", detail="客戶說這個月已經斷了三次")
    contact = Contact.objects.get()
    assert contact.summary == "宽频经常断线"
    assert contact.detail == "客户说这个月已经断了三次"


def test_save_and_record_as_complaint_jumps_to_the_complaint_form(client, cast, customer):
    response = _log(client, cast["agent"], category="complaint", summary="乱扣费", then="complaint")
    contact = Contact.objects.get()
    assert response["Location"] == f"{reverse('complaints:new')}?contact={contact.pk}"


def test_the_complaint_button_is_offered_when_the_category_is_complaint(client, cast):
    response = _log(client, cast["agent"], category="complaint", summary="")  # invalid: re-rendered
    html = response.content.decode()
    button = html[html.index('id="save-then-complaint"') - 80 : html.index('id="save-then-complaint"') + 40]
    assert "hidden" not in button
    assert "保存并登记投诉" in html


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"category": ""}, "category"),
        ({"channel": "pigeon"}, "channel"),
        ({"summary": "   "}, "summary"),
        ({"phone": "12"}, "phone"),
        ({"duration": "3:75"}, "duration"),
        ({"duration": "abc"}, "duration"),
    ],
)
def test_bad_input_shows_the_form_again_and_writes_nothing(client, cast, customer, fields, field):
    response = _log(client, cast["agent"], **fields)
    assert response.status_code == 200
    assert response.context["form"].errors.get(field)
    assert not Contact.objects.exists()


def test_the_typed_values_survive_a_validation_error(client, cast, customer):
    html = _log(client, cast["agent"], category="", summary="咨询套餐余量").content.decode()
    assert 'value="咨询套餐余量"' in html
    assert "张伟" in html  # the caller panel is still filled


def test_an_unknown_caller_is_logged_with_the_number_only(client, cast):
    _log(client, cast["agent"], phone="021-5555 6666")
    contact = Contact.objects.get()
    assert contact.customer is None
    assert contact.phone == "02155556666"


def test_opening_the_logger_from_a_profile_preselects_the_customer(client, cast, customer):
    client.force_login(cast["agent"])
    html = client.get(reverse("contacts:new"), {"customer": customer.pk}).content.decode()
    assert f'name="customer" value="{customer.pk}"' in html
    assert "13812345678" not in html


def test_qa_and_trainers_cannot_log_contacts(client, cast):
    for role in ("qa", "outsider"):
        response = _log(client, cast[role])
        assert response.status_code == 403
        client.force_login(cast[role])
        assert client.get(reverse("contacts:lookup"), {"phone": "13812345678"}).status_code == 403
    assert not Contact.objects.exists()
