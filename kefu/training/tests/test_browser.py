"""The whole training loop in a real browser: a trainer builds a paper and assigns it and a sparring
scenario; the trainee sits the exam (with its timer) and spars with the simulated customer; the trainer
sees both results on the dashboard."""

from __future__ import annotations

import re

import pytest

from kefu.training import bank
from kefu.training.models import ExamAttempt, Paper
from kefu.training.tests.test_sparring import GOOD, SCENARIO

playwright_sync = pytest.importorskip("playwright.sync_api")
pytest.importorskip("kefu.simulator")
expect = playwright_sync.expect

pytestmark = [pytest.mark.browser]


def _login(new_page, base: str, username: str, **viewport: int):  # type: ignore[no-untyped-def]
    page = new_page(**viewport)
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass12345")
    page.press("input[name=password]", "Enter")
    expect(page.locator("h1")).to_have_text("工作台")
    return page


def _fits_a_phone(page) -> None:  # type: ignore[no-untyped-def]
    """Nothing runs off the side of a 390 px screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def _thumb_sized(locator) -> None:  # type: ignore[no-untyped-def]
    """Each element a finger can hit: at least 44 px tall (WCAG 2.5.5)."""
    for element in locator.all():
        box = element.bounding_box()
        assert box is not None and box["height"] >= 44, box


def _in_view(page, locator) -> None:  # type: ignore[no-untyped-def]
    box = locator.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"], box


def _answer_rightly(page, item_id: str) -> None:  # type: ignore[no-untyped-def]
    item = bank.get_item(item_id)
    assert item is not None
    box = page.locator(f'[data-question="{item_id}"]')
    if item.kind in ("single", "multiple"):
        for index in item.answer:
            # Each tick saves; wait for its answer so a second tick is not still in flight at hand-in.
            with page.expect_response(lambda r: f"/answer/{item_id}/" in r.url):
                box.locator(f'input[name="q_{item_id}"][value="{index}"]').check()
    elif item.kind == "truefalse":
        box.locator(f'input[name="q_{item_id}"][value="{"true" if item.truth else "false"}"]').check()
    else:
        box.locator("textarea").fill(item.model)
        box.locator("textarea").blur()  # a textarea reports its change when it loses focus


@pytest.mark.django_db(transaction=True)
def test_trainer_assigns_exam_and_sparring_trainee_does_both_trainer_sees_results(live_server, new_page, cast):
    base = live_server.url
    trainer = _login(new_page, base, "trainer")
    trainer.goto(f"{base}/training/papers/")
    form = trainer.locator("[data-paper-form]")
    form.locator("input[name=title]").fill("柜台与忌语小测")
    form.locator("input[name=quota_counter]").fill("2")
    form.locator("input[name=quota_phrases]").fill("2")
    form.locator("input[name=time_limit_minutes]").fill("10")
    form.locator("input[name=pass_mark]").fill("60")
    form.get_by_role("button", name="保存试卷").click()
    expect(trainer.locator("h1")).to_have_text("布置培训")

    assign = trainer.locator("[data-assign-form]")
    assign.locator("input[name=kind][value=paper]").check()
    assign.locator("select[name=paper]").select_option(value=str(Paper.objects.get(title="柜台与忌语小测").pk))
    assign.get_by_label(re.compile("王小丽")).check()
    assign.get_by_role("button", name="布置并通知").click()
    expect(trainer.locator("h1")).to_have_text("学员进度")
    trainer.goto(f"{base}/training/assign/?kind=scenario&scenario={SCENARIO}")
    assign = trainer.locator("[data-assign-form]")
    assign.get_by_label(re.compile("王小丽")).check()
    assign.get_by_role("button", name="布置并通知").click()
    expect(trainer.locator("h1")).to_have_text("学员进度")

    agent = _login(new_page, base, "agent", width=390, height=844)  # the trainee on a phone
    agent.goto(f"{base}/training/")
    expect(agent.locator("[data-my-assignments] tr[data-assignment]")).to_have_count(2)
    agent.locator("[data-start-exam]").click()
    expect(agent.locator("[data-timer-value]")).to_have_text(re.compile(r"^(09|10):\d\d$"))
    attempt = ExamAttempt.objects.get()
    _fits_a_phone(agent)
    _thumb_sized(agent.locator(".exam-option"))
    _thumb_sized(agent.locator(".exam-actions .btn"))
    agent.locator("[data-question]").last.scroll_into_view_if_needed()
    _in_view(agent, agent.locator("[data-submit-exam]"))  # hand-in and the time left stay on screen
    _in_view(agent, agent.locator("[data-timer-copy]"))
    for item_id in attempt.item_ids:
        _answer_rightly(agent, item_id)
    expect(agent.locator("[data-answer-status] [data-saved]")).to_have_count(len(attempt.item_ids))  # saved as answered
    agent.locator("[data-submit-exam]").click()
    expect(agent.locator("[data-result]")).to_have_attribute("data-state", "submitted")
    expect(agent.locator("[data-passed]")).to_have_attribute("data-passed", "yes")
    expect(agent.locator("[data-result-question]").first.locator("[data-grading]")).not_to_be_empty()

    agent.goto(f"{base}/training/")
    agent.locator(f'[data-start-sparring="{SCENARIO}"]').click()
    expect(agent.locator("#chat")).to_have_attribute("data-session-state", "active")
    agent.wait_for_function("() => window.htmx !== undefined")
    _fits_a_phone(agent)
    heading = agent.locator("#chat h2").bounding_box()
    assert heading is not None and heading["width"] > heading["height"], heading  # 会话 on one line, not 会/话
    for n, line in enumerate(GOOD, start=1):
        agent.locator("[data-say-text]").fill(line)
        agent.locator("[data-say]").click()
        # Either the reply is swapped into the chat by htmx, or the customer ended the call (the report).
        agent.wait_for_selector(f'#chat[data-turns="{n}"], [data-report]')
        if agent.locator("[data-say]").count():  # the box and its button stay on screen with the reply
            _thumb_sized(agent.locator("[data-say]"))
            _in_view(agent, agent.locator("[data-say]"))
        if agent.locator("[data-report]").count():
            break
    if agent.locator("[data-end-session]").count():
        agent.locator("[data-end-session]").click()
    expect(agent.locator("[data-report]")).to_have_attribute("data-outcome", "resolved")
    expect(agent.locator("#mood-chart canvas")).to_have_count(1)

    trainer.goto(f"{base}/training/dashboard/")
    row = trainer.locator('tr[data-trainee="agent"]')
    expect(row.locator("[data-best-exam]")).to_have_text("100.0")
    expect(row).to_contain_text("2 / 2")  # both assignments done
    row.locator("a").click()
    expect(trainer.locator("[data-session]")).to_contain_text("银行卡被重复扣了话费")
    expect(trainer.locator("[data-attempt]")).to_contain_text("柜台与忌语小测")


@pytest.mark.django_db(transaction=True)
def test_handing_in_while_an_answer_is_still_saving_keeps_the_last_choice(live_server, new_page, cast):
    """The trainee changes an answer and hands in before the first change's save has come back: the
    paper waits for the saves, so the last choice is the one graded (it used to carry a stale version,
    be refused, and the first choice was graded)."""
    from kefu.training import services
    from kefu.training.models import Answer

    paper = services.paper_create(actor=cast["outsider"], title="改答案测验", quotas={"phrases": 6},
                                  time_limit_minutes=10, pass_mark=60)
    attempt = services.attempt_start(paper=paper, trainee=cast["agent"], seed=7)
    radio = [i for i in attempt.item_ids if (it := bank.get_item(i)) is not None and it.kind in ("single", "truefalse")]
    assert radio, "the draw needs a question answered with one choice"
    item_id = radio[0]
    item = bank.get_item(item_id)
    assert item is not None
    values = ["true", "false"] if item.kind == "truefalse" else [str(i) for i in range(len(item.options))][:2]
    first, last = values[0], values[1]

    page = _login(new_page, live_server.url, "agent")
    page.goto(f"{live_server.url}{attempt.get_absolute_url()}")
    held: list = []
    released = []

    def hold(route):  # type: ignore[no-untyped-def]
        if released:
            route.continue_()
        else:
            held.append((route, route.fetch()))  # the server saves it now; the page hears back later

    page.route(re.compile(rf"/answer/{re.escape(item_id)}/$"), hold)
    box = page.locator(f'[data-question="{item_id}"]')
    box.locator(f'input[name="q_{item_id}"][value="{first}"]').check()
    page.wait_for_function("() => document.querySelector('.htmx-request') !== null")
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the first save never reached the server"
    box.locator(f'input[name="q_{item_id}"][value="{last}"]').check()  # queued behind the first
    page.locator("[data-submit-exam]").click()
    page.wait_for_timeout(500)
    assert page.locator("[data-result]").count() == 0  # not handed in while a save is pending
    released.append(True)
    for route, response in held:
        route.fulfill(response=response)
    expect(page.locator("[data-result]")).to_have_attribute("data-state", "submitted")
    answer = Answer.objects.get(attempt=attempt, item_id=item_id)
    expected = (last == "true") if item.kind == "truefalse" else int(last)
    assert answer.response == expected, (answer.response, expected)
