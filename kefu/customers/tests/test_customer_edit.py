from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from kefu.customers.models import Customer

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kefu.customers.tests.urls")]


def _form(customer, **changes):
    data = {
        "name": customer.name,
        "tier": customer.tier,
        "segment": customer.segment,
        "persona": customer.persona,
        "customer_since": "",
        "account_manager": "",
        "address": "",
        "note": "",
        "id_number": "",
        "add_phones": "",
        "version": customer.version,
    }
    data.update(changes)
    return data


def test_an_agent_cannot_edit_or_create_profiles(client, cast, customer):
    client.force_login(cast["agent"])
    assert client.get(reverse("customers:edit", args=[customer.pk])).status_code == 403
    response = client.post(reverse("customers:edit", args=[customer.pk]), _form(customer, name="改名"))
    assert response.status_code == 403
    assert client.get(reverse("customers:new")).status_code == 403
    customer.refresh_from_db()
    assert customer.name == "张伟"


def test_the_edit_form_never_contains_the_full_numbers(client, cast, customer):
    client.force_login(cast["supervisor"])
    html = client.get(reverse("customers:edit", args=[customer.pk])).content.decode()
    assert "13812345678" not in html
    assert "110101198001011234" not in html
    assert "138****5678" in html
    assert "110101********1234" in html


def test_the_edit_form_shows_the_date_in_the_form_a_date_picker_reads(client, cast, customer):
    customer.customer_since = date(2012, 5, 3)
    customer.save()
    client.force_login(cast["supervisor"])
    html = client.get(reverse("customers:edit", args=[customer.pk])).content.decode()
    assert 'type="date" name="customer_since" value="2012-05-03"' in html


def test_a_supervisor_edits_the_profile_in_simplified_chinese(client, cast, customer):
    client.force_login(cast["supervisor"])
    response = client.post(
        reverse("customers:edit", args=[customer.pk]),
        _form(customer, name="張偉", tier="vip_diamond", persona="owl", segment="全球通", note="喜歡發郵件"),
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.tier, customer.persona, customer.note) == (
        "张伟",
        "vip_diamond",
        "owl",
        "喜欢发邮件",
    )
    assert customer.id_number == "110101198001011234"  # blank keeps it


def test_numbers_are_added_and_removed_and_a_primary_remains(client, cast, customer):
    old = customer.phones.get()
    client.force_login(cast["supervisor"])
    response = client.post(
        reverse("customers:edit", args=[customer.pk]),
        _form(customer, add_phones="139-0000-1111，010 6612 3456", remove_phones=[old.pk]),
    )
    assert response.status_code == 302
    numbers = dict(customer.phones.values_list("number", "is_primary"))
    assert numbers == {"13900001111": True, "01066123456": False}


def test_bad_input_shows_errors_and_changes_nothing(client, cast, customer):
    client.force_login(cast["supervisor"])
    response = client.post(
        reverse("customers:edit", args=[customer.pk]), _form(customer, name="", add_phones="12")
    )
    assert response.status_code == 200
    assert "此项为必填项" in response.content.decode()
    customer.refresh_from_db()
    assert customer.name == "张伟"
    assert customer.phones.count() == 1


def test_an_account_manager_creates_a_customer(client, account_manager):
    client.force_login(account_manager)
    response = client.post(
        reverse("customers:new"),
        {
            "name": "王芳",
            "tier": "group_b",
            "persona": "",
            "id_number": "110101199001011234",
            "add_phones": "13700001234",
        },
    )
    customer = Customer.objects.get(name="王芳")
    assert response["Location"] == reverse("customers:detail", args=[customer.pk])
    assert customer.phones.get().is_primary
    assert customer.id_number == "110101199001011234"


def test_two_people_saving_the_same_profile_get_one_winner_and_a_clear_message(client, cast, customer):
    seen = _form(customer, name="张伟（先）")
    stale = _form(customer, name="张伟（后）", tier="vip_diamond")
    client.force_login(cast["supervisor"])
    assert client.post(reverse("customers:edit", args=[customer.pk]), seen).status_code == 302
    client.force_login(cast["manager"])
    page = client.post(reverse("customers:edit", args=[customer.pk]), stale)
    assert page.status_code == 200
    customer.refresh_from_db()
    # The loser is told who won and when, not just "try again".
    when = timezone.localtime(customer.updated_at).strftime("%Y-%m-%d %H:%M:%S")
    assert f"{cast['supervisor']} 已于 {when} 修改了这条客户资料" in page.content.decode()
    assert (customer.name, customer.tier, customer.version) == ("张伟（先）", "vip_gold", 2)
