"""A technician works a visit on a phone (390×844): from the prepare checklist and 出发 to the customer's
signature — once online, once with the network lost mid-visit and restored (nothing lost, nothing twice)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kefu.fieldservice import services
from kefu.fieldservice.models import ChecklistRun, Signature, SyncAction, WorkOrder, WorkOrderEvent
from kefu.fieldservice.process import State

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = [pytest.mark.browser]


def _visit_now(onsite: dict[str, Any]) -> WorkOrder:
    """A repair booked with ``tech`` whose window starts in 8 minutes (an ideal arrival now)."""
    order = services.order_create(actor=onsite["dispatcher"], customer=onsite["customer"], order_type="repair",
                                  description="宽带无法上网，光猫LOS灯红", equipment="光猫")
    order = services.order_book(actor=onsite["dispatcher"], order=order, technician=onsite["tech"],
                                window_start=services.window_for(onsite["today"] + timedelta(days=1), 10)[0])
    start = timezone.now() + timedelta(minutes=8)
    WorkOrder.objects.filter(pk=order.pk).update(window_start=start, window_end=start + timedelta(hours=2))
    return order


def _phone(new_page: Any, base: str) -> Any:
    page = new_page(width=390, height=844)
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "tech")
    page.fill("input[name=password]", "pass12345")
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{base}/")
    return page


def _tick_and_save(page: Any, stage: str) -> None:
    form = page.locator(f'form[data-stage="{stage}"]')
    for box in form.locator("input[name=items]").all():
        box.check()
    form.locator("button[type=submit]").click()
    expect(form).to_have_class("fs-step card is-done")


def _step(page: Any, section: str) -> Any:
    return page.locator(f'form[data-section="{section}"]')


def _work_after_arrival(page: Any) -> None:
    door = _step(page, "door")
    door.locator("[data-knock-start]").click()
    expect(door.locator("[data-knock-clock]")).not_to_have_text("0:00", timeout=3000)
    door.locator("[data-knock-opened]").click()
    _tick_and_save(page, "door")
    _tick_and_save(page, "enter")
    record = _step(page, "record")
    record.locator("textarea[name=cause]").fill("入户皮线光缆弯折过度")
    record.locator("textarea[name=work_done]").fill("重新熔接皮线光缆并理顺走线，测速正常")
    record.locator("input[name=part_name]").first.fill("皮线光缆")
    record.locator("input[name=part_serial]").first.fill("FC-778812")
    record.locator("input[name=speed_mbps]").fill("301")
    record.locator("button[type=submit]").click()
    expect(record).to_have_class("fs-step card is-done")
    fees = _step(page, "fees")
    fees.locator('input[value="cable_fiber"]').check()
    fees.locator('input[name="qty_cable_fiber"]').fill("3")
    fees.locator("button[type=submit]").click()
    expect(fees).to_have_class("fs-step card is-done")
    _tick_and_save(page, "work")
    sign = _step(page, "sign")
    sign.locator("button[type=submit]").click()  # an empty pad is refused on the phone already
    expect(sign.locator("[data-pad-empty]")).to_be_visible()
    canvas = sign.locator("canvas[data-signature-pad]")
    canvas.evaluate("el => el.scrollIntoView({block: \"center\"})")
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 120)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(box["x"] + 30 + i * 25, box["y"] + 120 - (i % 3) * 30, steps=3)
    page.mouse.up()
    sign.locator('input[name=feedback_score][value="5"]').check()
    sign.locator("input[name=feedback_remarks]").fill("师傅很专业")
    sign.locator("button[type=submit]").click()
    expect(sign).to_have_class("fs-step card is-done")


def _assert_exactly_once(order: WorkOrder) -> None:
    order.refresh_from_db()
    assert order.state == State.ON_SITE and order.arrival == "ideal"
    assert order.cause == "入户皮线光缆弯折过度" and order.work_done == "重新熔接皮线光缆并理顺走线，测速正常"
    assert order.parts == [{"name": "皮线光缆", "serial": "FC-778812"}] and order.line_tests == {"speed_mbps": "301"}
    assert [(f["code"], f["qty"]) for f in order.fees] == [("cable_fiber", 3)] and str(order.fee_total) == "9.00"
    assert order.feedback_score == 5 and order.feedback_remarks == "师傅很专业"
    assert sorted(ChecklistRun.objects.filter(order=order).values_list("stage", flat=True)) == [
        "door", "enter", "prepare", "work"]
    assert ChecklistRun.objects.get(order=order, stage="door").data.get("opened_after_s") is not None
    signature = Signature.objects.get(order=order)
    assert bytes(signature.png).startswith(b"\x89PNG") and signature.signer_name == "张伟"
    actions = list(WorkOrderEvent.objects.filter(order=order).values_list("action", flat=True))
    assert actions == ["create", "book", "checklist", "depart", "arrive", "checklist", "checklist", "record", "fees",
                       "checklist", "sign", "feedback"]
    assert SyncAction.objects.filter(order=order).count() == 9  # one per step sent, none twice


@pytest.mark.django_db(transaction=True)
def test_a_technician_works_a_visit_from_departure_to_signature(live_server: Any, new_page: Any,
                                                              onsite: dict[str, Any]) -> None:
    order = _visit_now(onsite)
    page = _phone(new_page, live_server.url)
    page.goto(f"{live_server.url}/onsite/my/")
    page.locator(f'[data-visit="{order.number}"] a').click()
    _tick_and_save(page, "prepare")
    _step(page, "depart").locator("[data-depart]").click()
    expect(_step(page, "depart")).to_have_class("fs-step card is-done")
    _step(page, "arrive").locator("[data-arrive]").click()
    expect(_step(page, "arrive")).to_have_class("fs-step card is-done")
    _work_after_arrival(page)
    expect(page.locator("[data-sync]")).to_have_attribute("data-pending", "0")
    _assert_exactly_once(order)
    _step(page, "finish").locator("[data-finish]").click()
    expect(page.locator("[data-sync]")).to_have_attribute("data-pending", "0")
    order.refresh_from_db()
    assert order.state == State.FIXED

    # Signing out leaves nothing of the visit on the phone for whoever uses it next.
    keys = "() => caches.keys().then(names => Promise.all(names.map(n => caches.open(n).then(c => c.keys()))))" \
           ".then(lists => lists.flat().length)"
    assert page.evaluate(keys) > 0  # the service worker kept the visit pages for offline use
    page.locator(".nav-toggle").click()
    page.locator("form.logout button").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    assert page.evaluate(keys) == 0
    assert page.evaluate("() => localStorage.length") == 0


@pytest.mark.django_db(transaction=True)
def test_the_visit_survives_losing_the_network_mid_order(live_server: Any, new_page: Any,
                                                       onsite: dict[str, Any]) -> None:
    order = _visit_now(onsite)
    page = _phone(new_page, live_server.url)
    page.goto(f"{live_server.url}/onsite/my/{order.pk}/")
    _tick_and_save(page, "prepare")
    _step(page, "depart").locator("[data-depart]").click()
    _step(page, "arrive").locator("[data-arrive]").click()
    sync = page.locator("[data-sync]")
    expect(sync).to_have_attribute("data-pending", "0")

    page.context.set_offline(True)  # the lift, the basement
    _work_after_arrival(page)
    expect(sync).to_have_attribute("data-online", "0")
    expect(sync).to_have_attribute("data-pending", "6")
    assert not ChecklistRun.objects.filter(order=order, stage="door").exists()  # nothing reached the server yet

    # Signing out would erase the unsent steps (Clear-Site-Data): the phone asks, and "cancel" keeps them.
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator(".nav-toggle").click()
    page.locator("form.logout button").click()
    assert asked and "6 条上门记录" in asked[0], asked
    expect(sync).to_have_attribute("data-pending", "6")
    assert "/login/" not in page.url
    page.locator(".nav-toggle").click()

    page.context.set_offline(False)
    expect(sync).to_have_attribute("data-pending", "0", timeout=15_000)
    page.reload()  # the server's state, as the page shows it after the sync
    expect(_step(page, "sign")).to_have_class("fs-step card is-done")
    _assert_exactly_once(order)
