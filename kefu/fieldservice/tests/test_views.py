"""The pages: who sees what, the forms' errors, the customer's link without login, the sync API."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kefu.customers.models import RevealLog
from kefu.fieldservice import checklists, services
from kefu.fieldservice.models import CounterInspection, OutboundMessage, WorkOrder
from kefu.fieldservice.process import State

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_each_role_lands_on_its_own_page(onsite: dict[str, Any]) -> None:
    assert login(onsite["tech"]).get("/onsite/").url == reverse("fieldservice:my_day")
    assert login(onsite["dispatcher"]).get("/onsite/").url == reverse("fieldservice:board")
    assert login(onsite["qa"]).get("/onsite/").url == reverse("fieldservice:counter")
    assert login(onsite["outsider"]).get("/onsite/").status_code == 403


def test_the_dispatch_board_shows_the_order_to_book_and_the_technicians(onsite: dict[str, Any]) -> None:
    order = services.order_create(actor=onsite["dispatcher"], customer=onsite["customer"], order_type="emergency",
                                  description="整栋楼断网")
    page = login(onsite["dispatcher"]).get(reverse("fieldservice:board") + "?day=" + str(onsite["today"]))
    html = page.content.decode()
    assert page.status_code == 200 and order.number in html and "孙志刚" in html and "刘强" in html
    assert "文三路" not in html  # the address stays masked on the board
    assert login(onsite["tech"]).get(reverse("fieldservice:board")).status_code == 403


def test_picking_a_window_on_the_board_books_the_order(onsite: dict[str, Any]) -> None:
    order = services.order_create(actor=onsite["dispatcher"], customer=onsite["customer"], order_type="repair",
                                  description="断网")
    start = services.window_for(onsite["today"] + __import__("datetime").timedelta(days=1), 13)[0]
    response = login(onsite["dispatcher"]).post(reverse("fieldservice:assign"), {
        "order": f"{order.pk}|{order.version}", "slot": f"{onsite['tech2'].pk}|{start.isoformat()}"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == State.BOOKED and order.technician == onsite["tech2"]


def test_the_call_page_fills_the_script_with_both_names(onsite: dict[str, Any]) -> None:
    order = services.order_create(actor=onsite["dispatcher"], customer=onsite["customer"], order_type="install",
                                  description="新装宽带", equipment="光猫")
    html = login(onsite["dispatcher"]).get(reverse("fieldservice:call", args=[order.pk])).content.decode()
    assert "张先生/女士" in html and "客服代表钱卫东" in html and "XH21001" in html and "上门安装光猫" in html
    assert "13812345678" not in html and "138****5678" in html


def test_revealing_the_number_for_the_call_is_logged(onsite: dict[str, Any]) -> None:
    order = services.order_create(actor=onsite["dispatcher"], customer=onsite["customer"], order_type="repair",
                                  description="断网")
    response = login(onsite["dispatcher"]).post(reverse("fieldservice:reveal_phone", args=[order.pk]))
    assert "13812345678" in response.content.decode()
    assert RevealLog.objects.filter(user=onsite["dispatcher"], field="phone").count() == 1


def test_creating_from_a_complaint_links_it_and_prefills_the_text(onsite: dict[str, Any]) -> None:
    from kefu.complaints import services as complaint_services

    complaint = complaint_services.complaint_record(
        actor=onsite["agent"], channel="hotline", complainant_name="张伟", customer=onsite["customer"],
        subject="宽带故障三天未修", content="报修三天无人上门")
    client = login(onsite["dispatcher"])
    page = client.get(reverse("fieldservice:new") + f"?complaint={complaint.pk}")
    assert "报修三天无人上门" in page.content.decode()
    response = client.post(reverse("fieldservice:new"), {"complaint": complaint.pk, "customer": onsite["customer"].pk,
                                                          "order_type": "repair", "description": "报修三天无人上门"})
    order = WorkOrder.objects.get()
    assert response.url == reverse("fieldservice:call", args=[order.pk])
    assert order.source_complaint == complaint


def test_a_new_order_form_with_errors_is_shown_again(onsite: dict[str, Any]) -> None:
    response = login(onsite["dispatcher"]).post(reverse("fieldservice:new"), {
        "customer": onsite["customer"].pk, "order_type": "repair", "description": ""})
    assert response.status_code == 422 and not WorkOrder.objects.exists()


def test_the_technician_sees_only_their_own_visits(onsite: dict[str, Any], booked: WorkOrder) -> None:
    assert login(onsite["tech"]).get(reverse("fieldservice:work", args=[booked.pk])).status_code == 200
    assert login(onsite["tech2"]).get(reverse("fieldservice:work", args=[booked.pk])).status_code == 404
    assert login(onsite["tech2"]).get(reverse("fieldservice:order", args=[booked.pk])).status_code == 404


def test_the_work_page_posts_a_checklist_without_its_script(onsite: dict[str, Any], booked: WorkOrder) -> None:
    stage = checklists.onsite().stage("prepare")
    assert stage is not None
    client = login(onsite["tech"])
    client.post(reverse("fieldservice:step", args=[booked.pk, "checklist"]),
                {"stage": "prepare", "items": [i.key for i in stage.items]})
    client.post(reverse("fieldservice:step", args=[booked.pk, "depart"]))
    booked.refresh_from_db()
    assert booked.state == State.EN_ROUTE


def test_the_sync_api_answers_each_action_and_refuses_other_roles(onsite: dict[str, Any], booked: WorkOrder) -> None:
    stage = checklists.onsite().stage("prepare")
    assert stage is not None
    body = {"actions": [{"uuid": str(uuid.uuid4()), "order": booked.pk, "kind": "checklist",
                         "data": {"stage": "prepare", "items": [i.key for i in stage.items]}}]}
    url = "/api/v1/onsite/sync"
    ok = login(onsite["tech"]).post(url, json.dumps(body), content_type="application/json")
    assert ok.status_code == 200 and ok.json()["results"][0]["ok"] is True
    assert login(onsite["dispatcher"]).post(url, json.dumps(body), content_type="application/json").status_code == 403
    bad = login(onsite["tech"]).post(url, json.dumps({"actions": [{"order": "x"}]}), content_type="application/json")
    assert bad.status_code == 422


def test_the_customer_link_works_without_login_once(booked: WorkOrder) -> None:
    token = services.link_token(OutboundMessage.objects.get(order=booked, kind="booked"))
    client = Client()
    page = client.get(reverse("fieldservice:customer_link", args=[token]))
    assert page.status_code == 200 and "孙志刚" in page.content.decode()
    client.post(reverse("fieldservice:customer_link", args=[token]), {"answer": "confirm"})
    booked.refresh_from_db()
    assert booked.confirmation == "confirmed"
    again = client.post(reverse("fieldservice:customer_link", args=[token]), {"answer": "change"})
    assert again.status_code == 409
    booked.refresh_from_db()
    assert booked.confirmation == "confirmed"
    assert client.get(reverse("fieldservice:customer_link", args=[token[:-3] + "abc"])).status_code == 410


def test_the_service_worker_is_served_under_the_onsite_scope(client: Client) -> None:
    response = client.get(reverse("fieldservice:sw"))
    assert response.status_code == 200 and response["Service-Worker-Allowed"] == "/onsite/"
    assert "javascript" in response["Content-Type"]


def test_a_counter_inspection_from_the_tablet_page_shows_in_the_agents_record(onsite: dict[str, Any]) -> None:
    stage = checklists.counter().stages[0]
    data = {f"item_{i.key}": "pass" for i in stage.items} | {"agent": onsite["agent"].pk, "remarks": "微笑服务到位"}
    response = login(onsite["qa"]).post(reverse("fieldservice:counter"), data)
    inspection = CounterInspection.objects.get()
    assert response.url == reverse("fieldservice:counter_detail", args=[inspection.pk])
    page = login(onsite["agent"]).get(reverse("fieldservice:counter_detail", args=[inspection.pk]))
    assert page.status_code == 200 and "微笑服务到位" in page.content.decode()
    assert login(onsite["handler"]).get(reverse("fieldservice:counter_detail", args=[inspection.pk])).status_code == 404


def test_the_report_and_the_order_lists_behind_it_open_for_a_manager(onsite: dict[str, Any], booked: WorkOrder) -> None:
    client = login(onsite["manager"])
    assert client.get(reverse("fieldservice:report")).status_code == 200
    listed = client.get(reverse("fieldservice:orders") + "?metric=on_time&start=2026-01-01")
    assert listed.status_code == 200
    assert login(onsite["tech"]).get(reverse("fieldservice:report")).status_code == 403


def test_the_service_centre_reveals_the_number_for_a_confirming_call_only(onsite: dict[str, Any],
                                                                          booked: WorkOrder) -> None:
    from kefu.fieldservice.models import FollowUpCall

    url = reverse("fieldservice:reveal_phone", args=[booked.pk])
    WorkOrder.objects.filter(pk=booked.pk).update(state=State.FIXED)
    assert login(onsite["agent"]).post(url).status_code == 403  # no confirming call is waiting
    FollowUpCall.objects.create(order=booked, due_at=booked.created_at)
    assert "13812345678" in login(onsite["agent"]).post(url).content.decode()
    assert RevealLog.objects.filter(user=onsite["agent"], field="phone").count() == 1


def test_a_contact_offers_the_dispatcher_a_work_order_and_not_the_agent(onsite: dict[str, Any]) -> None:
    from kefu.customers import services as customer_services

    contact = customer_services.contact_log(
        actor=onsite["agent"], channel="hotline", category="help", summary="宽带断网，要求上门",
        customer=onsite["customer"])
    link = reverse("fieldservice:new") + f"?contact={contact.pk}"
    detail = reverse("contacts:detail", args=[contact.pk])
    assert link in login(onsite["dispatcher"]).get(detail).content.decode()
    assert link not in login(onsite["agent"]).get(detail).content.decode()
    assert "宽带断网" in login(onsite["dispatcher"]).get(link).content.decode()
