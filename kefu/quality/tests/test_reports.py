"""Quality reports: the numbers behind the charts and tables, and the same rows as CSV and XLSX."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kefu.quality import reports, services
from kefu.quality.models import Conversation, Scorecard
from kefu.quality.tests.test_import_and_score import GOOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(cast):
    services.conversations_import(
        actor=cast["qa"],
        items=[(i, {**GOOD, "id": f"C{i}", "agent": "agent" if i % 2 else "handler"}) for i in range(1, 7)],
    )
    # Spread the scores so the interval is real: 40, 50, 60, 70, 80, 90.
    for i, card in enumerate(Scorecard.objects.order_by("conversation__source_id")):
        Scorecard.objects.filter(pk=card.pk).update(score=Decimal(40 + 10 * i), passed=i >= 4)
    return Conversation.objects.all()


def test_the_trend_has_the_weekly_mean_and_its_95_percent_interval(scored):
    weeks = reports.trend(weeks=2)
    assert len(weeks) == 1 and weeks[0].n == 6 and weeks[0].mean == 65.0
    # sd of 40..90 step 10 = 18.708; half width 1.96 * 18.708 / sqrt(6) = 14.97
    assert (weeks[0].low, weeks[0].high) == (50.0, 80.0)
    agent_weeks = reports.trend(weeks=2, agent_id=scored.filter(agent__username="agent").first().agent_id)
    assert agent_weeks[0].n == 3


def test_agents_teams_and_failing_norms(scored, cast):
    agents = {r.name: r for r in reports.by_agent(weeks=2)}
    assert agents[str(cast["agent"])].conversations == 3 and agents[str(cast["handler"])].conversations == 3
    assert sum(r.conversations for r in reports.by_team(weeks=2)) == 6
    norms = reports.failing_norms(weeks=2)
    assert norms and norms[0].failures >= 6 and norms[0].share >= 100.0
    assert all("." not in n.norm for n in norms)  # Chinese names, never ids
    assert any("“" in n.phrases for n in norms)  # the marked words behind them


def test_an_old_conversation_is_outside_the_period(scored):
    Conversation.objects.filter(source_id="C1").update(started_at=timezone.now() - timedelta(weeks=20))
    assert reports.trend(weeks=2)[0].n == 5


def test_the_page_and_its_downloads(client, cast, scored):
    client.force_login(cast["qa"])
    page = client.get(reverse("quality:report")).content.decode()
    assert 'id="trend-data"' in page and "echarts.min.js" in page and 'data-table="norms"' in page
    csv = client.get(reverse("quality:report"), {"table": "agents", "format": "csv"})
    text = csv.content.decode("utf-8-sig")
    assert csv["Content-Type"].startswith("text/csv") and text.splitlines()[0].startswith("坐席,")
    assert str(cast["agent"]) in text
    xlsx = client.get(reverse("quality:report"), {"table": "norms", "format": "xlsx"})
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(1, 1).value == "规范" and sheet.max_row == len(reports.failing_norms(weeks=8)) + 1
    client.force_login(cast["outsider"])
    assert client.get(reverse("quality:report")).status_code == 403


def test_a_name_that_starts_like_a_formula_downloads_as_text(client, cast, scored):
    cast["handler"].full_name = "=HYPERLINK(\"http://evil.example\",\"李\")"
    cast["handler"].save()
    client.force_login(cast["qa"])
    text = client.get(reverse("quality:report"), {"table": "agents", "format": "csv"}).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def test_the_trend_download_of_one_agents_report_has_that_agents_weeks(client, cast, scored):
    client.force_login(cast["qa"])
    agent = cast["agent"]
    page = client.get(reverse("quality:report"), {"agent": agent.pk, "weeks": 2}).content.decode()
    assert f"table=trend&format=csv&weeks=2&agent={agent.pk}" in page
    response = client.get(reverse("quality:report"), {"table": "trend", "format": "csv", "weeks": 2, "agent": agent.pk})
    rows = response.content.decode("utf-8-sig").strip().splitlines()
    assert len(rows) == 2 and rows[1].split(",")[1] == "3"  # the agent's 3 conversations, not all 6


def test_a_user_who_is_not_in_the_agent_list_gets_the_all_agents_report(client, cast, scored):
    client.force_login(cast["qa"])
    page = client.get(reverse("quality:report"), {"agent": cast["manager"].pk}).content.decode()
    assert "每周得分（全部坐席）" in page and str(cast["manager"]) + " 的每周得分" not in page


def test_conversations_without_a_known_agent_are_named_as_such_in_the_tables(cast, scored):
    record = {key: value for key, value in GOOD.items() if key != "agent"}  # a chat export names nobody we know
    assert services.conversations_import(actor=cast["qa"], items=[(1, {**record, "id": "NOBODY"})]).created == 1
    assert "未匹配到坐席" in {r.name for r in reports.by_agent(weeks=2)}
    assert "未分班组" in {r.name for r in reports.by_team(weeks=2)}


def test_a_period_given_in_the_address_is_the_one_selected(client, cast, scored):
    client.force_login(cast["qa"])
    page = client.get(reverse("quality:report"), {"weeks": 52}).content.decode()
    assert '<option value="52" selected>52 周</option>' in page and "最近 52 周" in page
    assert '<option value="8">8 周</option>' in page
