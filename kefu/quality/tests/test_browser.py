"""The whole QA loop in a real browser: upload → scored → sampled → inspector withdraws a deduction →
agent appeals another → the QA lead rules → the agent sees the final score and the timeline."""

from __future__ import annotations

import json

import pytest

from kefu.jobs import services as jobs
from kefu.jobs.models import Job
from kefu.quality import reviews
from kefu.quality.models import Review, SamplingPolicy
from kefu.quality.tests.test_import_and_score import GOOD

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect

pytestmark = [pytest.mark.browser]


def _login(new_page, base: str, username: str):  # type: ignore[no-untyped-def]
    page = new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass12345")
    page.press("input[name=password]", "Enter")
    expect(page.locator("h1")).to_have_text("工作台")
    return page


@pytest.mark.django_db(transaction=True)
def test_upload_review_appeal_and_ruling(live_server, new_page, cast, tmp_path):
    base = live_server.url
    SamplingPolicy.objects.create(kind=SamplingPolicy.Kind.LOW_SCORE, value=100)  # sample everything
    upload = tmp_path / "calls.jsonl"
    upload.write_text(json.dumps(GOOD, ensure_ascii=False) + "\n{broken\n", encoding="utf-8")

    qa = _login(new_page, base, "qa")
    qa.goto(f"{base}/quality/upload/")
    qa.set_input_files("input[name=file]", str(upload))
    qa.get_by_role("button", name="导入并评分").click()
    expect(qa.locator("[data-job-state]")).to_have_attribute("data-job-state", "queued")
    jobs.job_run(Job.objects.get().pk)  # the worker's part
    expect(qa.locator("[data-job-result]")).to_contain_text("第 2 行", timeout=8_000)  # polled in place
    assert reviews.sample() == 1  # the hourly sampler's part

    qa.goto(f"{base}/quality/reviews/")
    qa.locator('tr[data-review="CALL-001"] a').click()
    qa.locator("[data-claim]").click()
    form = qa.locator("[data-review-form]")
    first = form.locator("fieldset.review-item").first
    first.locator("[data-overturn]").check()
    first.locator("input[type=text]").fill("客户先挂断，非坐席原因")
    form.locator("button[type=submit]").click()
    expect(qa.locator("#review")).to_have_attribute("data-review-state", "reviewed")

    agent = _login(new_page, base, "agent")
    agent.goto(f"{base}/quality/")
    agent.locator('tr[data-conversation="CALL-001"] a').click()
    expect(agent.locator("[data-reviewed-score]")).to_be_visible()
    appeal = agent.locator("[data-appeal-form]")
    appeal.locator("textarea").fill("我已经致歉并给出了处理时限")
    appeal.locator("button[type=submit]").click()
    expect(agent.locator("#review")).to_have_attribute("data-review-state", "appealed")

    lead = _login(new_page, base, "manager")
    lead.goto(f"{base}/quality/reviews/")
    lead.locator("tr[data-appeal] a").click()
    rule = lead.locator("[data-rule-form]")
    rule.locator("input[value=overturn]").check()
    rule.locator("textarea").fill("复听录音，坐席已致歉")
    rule.locator("button[type=submit]").click()
    expect(lead.locator("#review")).to_have_attribute("data-review-state", "final")

    agent.reload()
    expect(agent.locator("#review")).to_have_attribute("data-review-state", "final")
    expect(agent.locator('[data-appeal-ruling="overturned"]')).to_contain_text("复听录音，坐席已致歉")
    expect(agent.locator("[data-appeal-form]")).to_have_count(0)
    assert [e.action for e in Review.objects.get().events.all()] == ["claim", "submit", "appeal", "rule"]
