"""The complaint dashboard: figures from the summary, drill-down, exports, case book, report, access."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kefu.complaints.models import Complaint, Proposal
from kefu.insights import selectors, summary
from kefu.insights.models import SummaryRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaints(cast, departments):  # type: ignore[no-untyped-def]
    now = timezone.now()
    rows = []
    for i in range(12):
        rows.append(Complaint(
            complainant_name="客户", channel="miit" if i < 2 else "hotline", created_by=cast["agent"],
            subject=f"投诉{i}", content="话费多扣" if i % 3 else "信号差",
            cause="billing_error" if i % 3 else "network", cause_category="price" if i % 3 else "product",
            hotspot="fee_error" if i % 3 else "outage", needs=["compensation"] if i % 2 else ["respect", "vent"],
            degrees=["speed"], responsible_department=departments["billing"] if i % 3 else departments["network"],
            is_regulator=i < 2, is_repeat=i == 5, received_at=now - timedelta(days=i),
            closed_at=now - timedelta(days=i) + timedelta(hours=10) if i % 2 else None, state="closed" if i % 2 else "recorded",
            in_casebook=i == 1, review_summary="多扣费已退还" if i == 1 else "", lessons="核对计费规则" if i == 1 else "",
        ))
    Complaint.objects.bulk_create(rows)
    first = Complaint.objects.get(subject="投诉1")
    Proposal.objects.create(complaint=first, remedy="refund", amount=Decimal("30"), plan="退费", proposed_by=cast["handler"],
                            decision=Proposal.Decision.APPROVED)
    summary.refresh()
    return rows


def test_the_dashboard_counts_complaints_by_cause_with_the_pareto(complaints, client, cast) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast["manager"])
    page = client.get(reverse("insights:index"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "计费差错" in html and "data-chart=\"cause\"" in html
    rows = {r.value: r for r in page.context["tables"][0][2]}
    assert rows["billing_error"].n == 8 and rows["network"].n == 4
    assert rows["billing_error"].cumulative == pytest.approx(66.7)
    assert page.context["totals"].n == 12 and page.context["totals"].regulator == 2
    assert page.context["totals"].remedy == Decimal("30")
    assert "数据更新于" in html or "figures as of" in html.lower()


def test_needs_count_each_complaint_once_per_need(complaints) -> None:  # type: ignore[no-untyped-def]
    p = selectors.period(None, None, today=timezone.localdate())
    needs = {r.value: r.n for r in selectors.dimension("need", p)}
    assert needs == {"compensation": 6, "respect": 6, "vent": 6}


def test_the_summary_agrees_with_the_base_tables(complaints) -> None:  # type: ignore[no-untyped-def]
    p = selectors.period(None, None, today=timezone.localdate())
    for dim in ("cause", "hotspot", "channel"):
        from_summary = sorted((r.value, r.n) for r in selectors.dimension(dim, p))
        assert from_summary == sorted(selectors.dimension_from_base(dim, p))


def test_a_bar_drills_down_to_the_complaints_behind_it(complaints, client, cast) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast["supervisor"])
    today = timezone.localdate()
    url = reverse("insights:drill") + f"?dim=cause&value=network&date_from={today - timedelta(days=30)}&date_to={today}"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["page_obj"].paginator.count == 4
    assert "数据更新于" in page.content.decode()  # the list is the summary's: say as of when
    need = client.get(reverse("insights:drill") + f"?dim=need&value=vent&date_from={today - timedelta(days=30)}&date_to={today}")
    assert need.context["page_obj"].paginator.count == 6


def test_the_drill_down_exports_every_row_as_a_streamed_csv(complaints, client, cast) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast["supervisor"])
    response = client.get(reverse("insights:drill") + "?dim=all&format=csv")
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert len(body.strip().splitlines()) == 13  # the header and 12 complaints
    xlsx = client.get(reverse("insights:drill") + "?dim=all&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_every_dashboard_table_exports(complaints, client, cast) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast["manager"])
    for table in ("cause", "need", "regulator", "trend", "steps"):
        response = client.get(reverse("insights:index") + f"?table={table}&format=csv")
        assert response.status_code == 200 and response["Content-Disposition"].endswith('.csv"')


@pytest.mark.parametrize("query", [
    "date_from=2026-05-01&date_to=2026-04-01",
    "date_from=1800-01-01&date_to=2026-04-01",
    "date_from=2020-01-01&date_to=2026-04-01",
    "date_from=not-a-date",
])
def test_an_impossible_period_is_told_back_not_a_500(client, cast, query: str) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast["manager"])
    for name in ("insights:index", "insights:drill"):
        response = client.get(reverse(name) + "?" + query)
        assert response.status_code == 422
        assert "alert" in response.content.decode()


def test_an_unknown_dimension_is_refused(client, cast) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast["manager"])
    assert client.get(reverse("insights:drill") + "?dim=password").status_code == 422


def test_agents_and_handlers_may_not_see_the_reports(client, cast) -> None:  # type: ignore[no-untyped-def]
    for who in ("agent", "handler", "qa", "outsider"):
        client.force_login(cast[who])
        for name in ("insights:index", "insights:drill", "insights:casebook", "insights:report"):
            assert client.get(reverse(name)).status_code == 403, (who, name)
        assert client.post(reverse("insights:refresh")).status_code == 403


def test_the_case_book_finds_a_case_by_its_lessons(complaints, client, cast) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast["supervisor"])
    html = client.get(reverse("insights:casebook") + "?q=计费规则").content.decode()
    assert "多扣费已退还" in html
    assert "多扣费已退还" not in client.get(reverse("insights:casebook") + "?q=不存在的词").content.decode()


def test_the_monthly_report_prints_and_rejects_a_bad_month(complaints, client, cast) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast["manager"])
    month = timezone.localdate().strftime("%Y-%m")
    page = client.get(reverse("insights:report") + f"?month={month}")
    assert page.status_code == 200 and "insights/print.css" in page.content.decode()
    assert client.get(reverse("insights:report") + "?month=2026-13").status_code == 422


def test_without_a_summary_the_page_says_so(client, cast) -> None:  # type: ignore[no-untyped-def]
    SummaryRun.objects.all().delete()
    client.force_login(cast["manager"])
    assert "尚未生成" in client.get(reverse("insights:index")).content.decode()


def test_the_drill_down_pages_list_the_same_complaints_in_the_same_order_as_its_export(complaints, client, cast, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kefu.insights import views

    monkeypatch.setattr(views, "PAGE_SIZE", 5)
    client.force_login(cast["supervisor"])
    today = timezone.localdate()
    p = selectors.Period(today - timedelta(days=30), today)
    expected = list(selectors.drill(user=cast["supervisor"], dim="all", value="", p=p).values_list("number", flat=True))
    shown, html = [], ""
    for page in (1, 2, 3):
        response = client.get(reverse("insights:drill") + f"?dim=all&date_from={p.start}&date_to={p.end}&page={page}")
        shown += [row.complaint.number for row in response.context["page_obj"]]
        html += response.content.decode()
    assert len(expected) == 12 and shown == expected
    assert "计费差错" in html and "billing_error" not in html  # labels, not codes


def test_the_drill_down_keys_respect_what_a_user_may_see(complaints, cast) -> None:  # type: ignore[no-untyped-def]
    p = selectors.period(None, None, today=timezone.localdate())
    for who in ("supervisor", "agent", "handler"):
        user = cast[who]
        keys = list(selectors.drill_keys(user=user, dim="cause", value="billing_error", p=p))
        assert keys == list(selectors.drill(user=user, dim="cause", value="billing_error", p=p).values_list("pk", flat=True))
    assert len(list(selectors.drill_keys(user=cast["supervisor"], dim="cause", value="billing_error", p=p))) == 8
    assert list(selectors.drill_keys(user=cast["outsider"], dim="cause", value="billing_error", p=p)) == []


def test_a_drill_down_over_too_many_complaints_says_how_many_at_least(complaints, client, cast, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kefu.insights import views

    monkeypatch.setattr(views, "COUNT_CAP", 5)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client.force_login(cast["supervisor"])
    page = client.get(reverse("insights:drill") + "?dim=all&page=9")
    assert page.status_code == 200
    assert page.context["page_obj"].paginator.num_pages == 3  # the pages stop at the cap
    assert "共 5+ 件投诉" in page.content.decode()
    monkeypatch.setattr(views, "COUNT_CAP", 10_000)
    assert "共 12 件投诉" in client.get(reverse("insights:drill") + "?dim=all").content.decode()


def test_the_agents_page_counts_complaints_handled_overrun_and_caused_per_agent(client, cast) -> None:  # type: ignore[no-untyped-def]
    from kefu.insights import agents

    now = timezone.now()
    agent_name = cast["agent"].full_name or cast["agent"].username
    Complaint.objects.bulk_create([
        Complaint(complainant_name="客户", channel="hotline", created_by=cast["agent"], subject=f"投诉{i}",
                  handler=cast["handler"] if i < 3 else None, sla_breached=i == 0,
                  responsible_person=agent_name if i != 1 else "", received_at=now - timedelta(days=i))
        for i in range(4)
    ])
    summary.refresh()
    p = selectors.period(None, None, today=timezone.localdate())
    rows = {r.key: r for r in agents.by_agent(p)}
    handler, agent = rows[cast["handler"].pk], rows[cast["agent"].pk]
    assert (handler.handled, handler.breached, handler.sla_rate, handler.caused) == (3, 1, 66.7, 0)
    assert (agent.handled, agent.caused) == (0, 3)
    client.force_login(cast["manager"])
    assert client.get(reverse("insights:agents")).status_code == 200


def test_a_complaint_caused_by_someone_named_in_free_text_counts_for_them(client, cast) -> None:  # type: ignore[no-untyped-def]
    """The responsible person is what the analyst wrote ("营业员 林小燕（工号XH40033）"): the
    agents page finds the staff it names by 工号 or full name, several if several are named."""
    from kefu.insights import agents

    agent, handler = cast["agent"], cast["handler"]
    agent.employee_no, agent.full_name = "XH10025", "何雨"
    agent.save(update_fields=["employee_no", "full_name"])
    handler.employee_no = "XH20315"
    handler.save(update_fields=["employee_no"])
    now = timezone.now()
    texts = ["客服中心坐席（工号XH10025）", "热线坐席 何雨；装维（工号XH20315）", "设备老化（无个人责任）"]
    Complaint.objects.bulk_create([
        Complaint(complainant_name="客户", channel="hotline", created_by=agent, subject=f"投诉{i}",
                  responsible_person=text, received_at=now - timedelta(days=i + 1))
        for i, text in enumerate(texts)
    ])
    summary.refresh()
    rows = {r.key: r for r in agents.by_agent(selectors.period(None, None, today=timezone.localdate()))}
    assert rows[agent.pk].caused == 2
    assert rows[handler.pk].caused == 1
    assert sum(r.caused for r in rows.values()) == 3


def test_naming_staff_in_free_text_takes_the_whole_number_and_the_longest_name(cast) -> None:  # type: ignore[no-untyped-def]
    from kefu.insights.agents import named_in

    agent, handler, other = cast["agent"], cast["handler"], cast["other_handler"]
    agent.employee_no, agent.full_name = "XH1002", "张伟"
    handler.employee_no, handler.full_name = "XH10021", "张伟华"
    other.employee_no, other.full_name = "", "赵敏"
    users = [agent, handler, other]
    assert named_in("坐席（工号XH10021）", users) == [handler.pk]  # not also XH1002
    assert named_in("坐席（工号XH100299）", users) == []  # nobody's number
    assert named_in("营业员张伟华（告知不到位）", users) == [handler.pk]  # not also 张伟
    assert named_in("营业员张伟华告知不到位", users) == []  # the text runs on: not surely a name
    other.full_name = "高峰"
    assert named_in("晚高峰期话务量大", users) == []
    assert named_in("值班坐席高峰", users) == [other.pk]
    other.full_name = "赵敏"
    assert named_in("张伟、赵敏", users) == [agent.pk, other.pk]
    assert named_in("坐席（工号XH1002）；营业员张伟华", users) == [agent.pk, handler.pk]


def test_a_name_two_staff_share_counts_for_neither_unless_the_number_says_who(cast) -> None:  # type: ignore[no-untyped-def]
    """张伟 is the commonest name in China: a complaint naming 张伟 alone must not go on the record of
    whichever 张伟 happens to come last in the user table."""
    from kefu.insights.agents import named_in

    agent, handler = cast["agent"], cast["handler"]
    agent.employee_no, agent.full_name = "XH1002", "张伟"
    handler.employee_no, handler.full_name = "XH2002", "张伟"
    for users in ([agent, handler], [handler, agent]):
        assert named_in("营业员张伟告知不到位", users) == []
        assert named_in("营业员张伟（工号XH1002）", users) == [agent.pk]
        assert named_in("营业员张伟（工号XH2002）", users) == [handler.pk]
