"""PIPL: search, filters and lookups tell a role nothing that its masks hide.

The attack played here was found by a probe: an agent who sees ``139****6666``
searched ``d6666`` for d = 0…9 and watched which customer appeared, recovering
the number a digit at a time. Every role plays it against every kind of record.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from kefu.accounts.roles import Cap, Role
from kefu.complaints.tests.api_client import Api
from kefu.customers import services as customer_services
from kefu.search.tests.test_search_page import record

pytestmark = pytest.mark.django_db

NUMBER = "13955556666"  # shown as 139****6666
ADDRESS = "浙江省杭州市西湖区文三路90号学院小区3幢"


@pytest.fixture
def targets(cast, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        wang = customer_services.customer_create(actor=cast["supervisor"], name="王芳", address=ADDRESS, phones=[NUMBER])
        contact = customer_services.contact_log(
            actor=cast["agent"], customer=wang, phone=NUMBER, channel="hotline", category="consult", summary="咨询话费"
        )
        complaint = record(cast, complainant_name="王芳", complainant_phone=NUMBER)
    return {"customer": wang, "contact": contact, "complaint": complaint}


def _found(client, user, q: str) -> str:
    client.force_login(user)
    response = client.get(reverse("search"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def _kinds_found(client, user, q: str, markers: dict[str, str]) -> set[str]:
    page = _found(client, user, q)
    return {kind for kind, marker in markers.items() if marker in page}


def _markers(targets) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "customer": reverse("customers:detail", args=[targets["customer"].pk]),
        "contact": reverse("contacts:detail", args=[targets["contact"].pk]),
        "complaint": targets["complaint"].number,
    }


@pytest.mark.parametrize("role", ["agent", "handler", "qa", "account_manager", "supervisor", "manager"])
def test_guessing_a_hidden_digit_finds_nothing_for_a_role_that_cannot_reveal(client, cast, targets, role):
    from kefu.accounts.models import User

    user = cast.get(role) or User.objects.create_user(username="am", password="x1", role=Role.ACCOUNT_MANAGER)
    markers = _markers(targets)
    # The hidden digit right before the visible four, and a run of hidden digits with the visible head.
    probes = [f"{d}6666" for d in range(10)] + [f"139{d}" for d in range(10)] + ["5555666", "3955"]
    seen = {probe: _kinds_found(client, user, probe, markers) for probe in probes}
    if user.can(Cap.PII_REVEAL):
        assert "customer" in seen["56666"]  # those who may reveal any number search the numbers
        return
    assert all(not kinds for kinds in seen.values()), seen
    # What the mask shows still finds the records, and so does the whole number.
    visible = _kinds_found(client, user, "6666", markers)
    whole = _kinds_found(client, user, NUMBER, markers)
    assert visible == whole and visible  # every role here searches some kind


def test_the_address_below_the_district_is_not_searchable_without_the_reveal_right(client, cast, targets):
    customer_url = reverse("customers:detail", args=[targets["customer"].pk])
    assert customer_url not in _found(client, cast["agent"], "文三路")
    assert customer_url in _found(client, cast["agent"], "西湖区")  # the mask shows the district
    assert customer_url in _found(client, cast["supervisor"], "文三路")
    # Nobody sees the full address in the results.
    assert "文三路" not in _found(client, cast["supervisor"], "王芳")


def test_search_results_never_show_a_full_number(client, cast, targets):
    for role in ("agent", "supervisor"):
        page = _found(client, cast[role], "6666")
        assert NUMBER not in page
        assert "139****6666" in page


def test_searches_by_number_are_rate_limited_per_user(client, cast, targets, settings):
    settings.KEFU_NUMBER_SEARCH_LIMIT = 3
    client.force_login(cast["agent"])
    for _ in range(3):
        assert client.get(reverse("search"), {"q": "6666"}).status_code == 200
    response = client.get(reverse("search"), {"q": "6666"})
    assert response.status_code == 429 and "搜索号码过于频繁" in response.content.decode()
    assert client.get(reverse("search"), {"q": "王芳"}).status_code == 200  # words are not numbers
    client.force_login(cast["handler"])  # per user
    assert client.get(reverse("search"), {"q": "6666"}).status_code == 200


def test_customer_lookups_by_number_are_rate_limited_in_the_ui_and_the_api(client, cast, targets, settings):
    settings.KEFU_NUMBER_SEARCH_LIMIT = 2
    api = Api(cast["agent"])
    assert api.get("/customers", q=NUMBER).json()["count"] == 1
    assert api.get("/customers", q=NUMBER).json()["count"] == 1
    response = api.get("/customers", q=NUMBER)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "搜索号码过于频繁" in response.json()["detail"]
    client.force_login(cast["agent"])
    html = client.get(reverse("contacts:lookup"), {"phone": NUMBER}).content.decode()
    assert "王芳" not in html and "搜索号码过于频繁" in html


def test_hidden_digits_of_short_and_long_numbers_are_not_searchable(client, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        bank = customer_services.customer_create(
            actor=cast["supervisor"], name="客服专线用户", phones=["955881"]
        )  # shown **5881
    url = reverse("customers:detail", args=[bank.pk])
    assert url not in _found(client, cast["agent"], "95588")
    assert url in _found(client, cast["agent"], "5881")
    assert url in _found(client, cast["agent"], "955881")
