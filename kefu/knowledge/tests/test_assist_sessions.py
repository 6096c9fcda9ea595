"""Assist sessions as agents and supervisors use them: turns never lost, links, who may read and write."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from kefu.complaints.tests.test_services import record
from kefu.knowledge import services
from kefu.knowledge.models import AssistSession, AssistTurn

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "live"}


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _panel(session: AssistSession) -> str:
    return reverse("knowledge:assist_panel", args=[session.pk])


# ---------------------------------------------------------------- turns


def test_a_whitespace_only_turn_is_refused_with_a_message_not_dropped_in_silence(cast) -> None:  # type: ignore[no-untyped-def]
    session = AssistSession.objects.create(agent=cast["agent"])
    response = _client(cast["agent"]).post(
        _panel(session), {"speaker": "customer", "text": "   \n "}, headers=HTMX
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'data-testid="turn-error"' in body and "这一句是空的" in body
    assert AssistTurn.objects.count() == 0


def test_without_javascript_an_empty_turn_shows_the_form_error(cast) -> None:  # type: ignore[no-untyped-def]
    session = AssistSession.objects.create(agent=cast["agent"])
    response = _client(cast["agent"]).post(_panel(session), {"speaker": "customer", "text": "  "})
    assert response.status_code == 422
    assert "这一句是空的" in response.content.decode()


def test_turns_posted_one_after_another_are_all_saved_in_order(cast) -> None:  # type: ignore[no-untyped-def]
    session = AssistSession.objects.create(agent=cast["agent"])
    client = _client(cast["agent"])
    said = [f"第{i}句" for i in range(1, 6)]
    for text in said:
        assert (
            client.post(_panel(session), {"speaker": "customer", "text": text}, headers=HTMX).status_code
            == 200
        )
    assert list(session.turns.values_list("seq", "text")) == list(enumerate(said, start=1))
    assert 'data-turn-count="5"' in client.get(_panel(session), headers=HTMX).content.decode()


# ---------------------------------------------------------------- links and form of address


def test_a_session_started_for_a_complaint_links_it_and_its_customer(cast, customer) -> None:  # type: ignore[no-untyped-def]
    complaint = record(cast, customer=customer)
    client = _client(cast["agent"])
    response = client.post(
        reverse("knowledge:assist"),
        {"channel": "phone", "complaint_number": complaint.number, "salutation": "张先生"},
    )
    session = AssistSession.objects.get()
    assert response.status_code == 302
    assert session.complaint == complaint and session.customer == customer
    page = client.get(_panel(session)).content.decode()
    links = page.split('data-testid="session-links"', 1)[1].split("</dl>", 1)[0]
    assert complaint.number in links and "张伟" in links and "张先生" in links


def test_a_customer_or_complaint_page_can_start_a_linked_session(cast, customer) -> None:  # type: ignore[no-untyped-def]
    client = _client(cast["agent"])
    form = client.get(reverse("knowledge:assist"), {"customer": customer.pk}).content.decode()
    assert "客户：张伟" in form
    client.post(reverse("knowledge:assist"), {"channel": "phone", "customer": customer.pk})
    assert AssistSession.objects.get().customer == customer


def test_an_agent_links_a_running_session_later_by_phone_number(cast, customer) -> None:  # type: ignore[no-untyped-def]
    session = AssistSession.objects.create(agent=cast["agent"])
    client = _client(cast["agent"])
    url = reverse("knowledge:assist_links", args=[session.pk])
    assert client.post(url, {"customer_phone": "13812345678", "salutation": "张先生"}).status_code == 302
    session.refresh_from_db()
    assert session.customer == customer and session.salutation == "张先生"
    unknown = client.post(url, {"complaint_number": "TS000"})
    assert unknown.status_code == 422 and "没有" in unknown.content.decode()


def test_scripts_on_the_panel_use_the_session_s_form_of_address(cast) -> None:  # type: ignore[no-untyped-def]
    session = AssistSession.objects.create(agent=cast["agent"], salutation="李女士")
    services.assist_turn_add(
        session=session, actor=cast["agent"], speaker="customer", text="你们怎么回事！气死我了！"
    )
    page = _client(cast["agent"]).get(_panel(session)).content.decode()
    assert "李女士，我非常理解您的感受" in page and "先生，我非常理解" not in page


def test_a_complaint_the_agent_cannot_see_cannot_be_linked(cast, customer) -> None:  # type: ignore[no-untyped-def]
    complaint = record(cast, customer=customer, actor=cast["supervisor"])
    session = AssistSession.objects.create(agent=cast["outsider"])
    response = _client(cast["outsider"]).post(
        reverse("knowledge:assist_links", args=[session.pk]), {"complaint_number": complaint.number}
    )
    assert response.status_code == 422
    session.refresh_from_db()
    assert session.complaint is None


# ---------------------------------------------------------------- supervisors read


def test_a_supervisor_reads_a_team_session_but_cannot_write_to_it(cast) -> None:  # type: ignore[no-untyped-def]
    session = AssistSession.objects.create(agent=cast["agent"], title="王小丽的来电")
    services.assist_turn_add(session=session, actor=cast["agent"], speaker="customer", text="宽带又断了")
    supervisor = _client(cast["supervisor"])
    listing = supervisor.get(reverse("knowledge:assist")).content.decode()
    assert "王小丽的来电" in listing.split('data-testid="team-sessions"', 1)[1]
    page = supervisor.get(_panel(session))
    body = page.content.decode()
    assert page.status_code == 200 and "宽带又断了" in body
    assert 'data-testid="read-only"' in body and "data-assist-turns" not in body
    assert supervisor.post(_panel(session), {"speaker": "agent", "text": "您好"}).status_code == 403
    assert supervisor.post(_panel(session), {"draft": "您好"}).status_code == 403
    links = reverse("knowledge:assist_links", args=[session.pk])
    assert supervisor.post(links, {"salutation": "先生"}).status_code == 403
    assert session.turns.count() == 1


def test_sessions_stay_within_the_team(cast) -> None:  # type: ignore[no-untyped-def]
    session = AssistSession.objects.create(agent=cast["handler"])  # network department
    assert _client(cast["supervisor"]).get(_panel(session)).status_code == 404  # front-office supervisor
    assert _client(cast["manager"]).get(_panel(session)).status_code == 200  # the service manager sees all
    assert _client(cast["agent"]).get(_panel(session)).status_code == 404


def test_the_api_lets_a_supervisor_read_but_not_post_turns(cast) -> None:  # type: ignore[no-untyped-def]
    session = AssistSession.objects.create(agent=cast["agent"])
    supervisor = _client(cast["supervisor"])
    url = f"/api/v1/knowledge/sessions/{session.pk}"
    assert supervisor.get(url).json()["agent"] == "agent"
    turn = supervisor.post(
        f"{url}/turns", {"speaker": "agent", "text": "您好"}, content_type="application/json"
    )
    assert turn.status_code == 403
    assert AssistTurn.objects.count() == 0


def test_the_api_links_a_session_when_started_and_later(cast, customer) -> None:  # type: ignore[no-untyped-def]
    complaint = record(cast, customer=customer)
    client = _client(cast["agent"])
    started = client.post(
        "/api/v1/knowledge/sessions", {"complaint": complaint.pk}, content_type="application/json"
    ).json()
    assert started["complaint"] == complaint.pk and started["customer"] == customer.pk
    changed = client.patch(
        f"/api/v1/knowledge/sessions/{started['id']}",
        {"salutation": "张先生"},
        content_type="application/json",
    )
    assert changed.status_code == 200 and changed.json()["salutation"] == "张先生"
    hidden = record(cast, customer=customer, actor=cast["supervisor"])
    outsider = _client(cast["outsider"])
    own = outsider.post("/api/v1/knowledge/sessions", {}, content_type="application/json").json()
    refused = outsider.patch(
        f"/api/v1/knowledge/sessions/{own['id']}", {"complaint": hidden.pk}, content_type="application/json"
    )
    assert refused.status_code == 422 and "complaint" in str(refused.json())
