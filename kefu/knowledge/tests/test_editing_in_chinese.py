"""Phrasebook editing for Chinese staff: no ids to type, norms and channels picked by name, messages in Chinese."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from kefu.knowledge.models import KnowledgeEntry
from kefu.knowledge.problems import PROBLEM_MESSAGES
from kefu.phrasebook.schema import MESSAGES

pytestmark = pytest.mark.django_db

ENGLISH_WORD = re.compile(r"\b(?!NORMS\b|YAML\b)[A-Za-z]{3,}\b")


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _entry(**fields: str | list[str]) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {
        "kind": "script",
        "title": "宽带掉线安抚",
        "text": "宽带掉线给您添麻烦了，我马上帮您查线路。",
        "situations": "客户说宽带老掉线",
        "tags": "宽带\n掉线",
        "cites": ["complaint.mood_first", "skill.empathy"],
        "channels": ["phone", "chat"],
        "example": "客户：宽带又掉了！坐席：给您添麻烦了，我马上帮您查线路。",
    }
    data.update(fields)
    return data


def test_a_chinese_title_is_enough_the_id_is_made_for_it(cast) -> None:  # type: ignore[no-untyped-def]
    client = _client(cast["supervisor"])
    assert client.post(reverse("knowledge:new"), _entry()).status_code == 302
    assert client.post(reverse("knowledge:new"), _entry(text="另一种说法")).status_code == 302
    rows = KnowledgeEntry.objects.order_by("pk")
    assert [r.entry_id for r in rows] == [
        "script.kuan_dai_diao_xian_an_fu",
        "script.kuan_dai_diao_xian_an_fu_2",
    ]
    assert rows[0].data["cites"] == ["complaint.mood_first", "skill.empathy"]
    assert rows[0].data["channels"] == ["phone", "chat"]


def test_the_form_asks_for_no_id_and_offers_norms_and_channels_by_name(cast) -> None:  # type: ignore[no-untyped-def]
    page = _client(cast["supervisor"]).get(reverse("knowledge:new")).content.decode()
    assert 'name="entry_id"' not in page
    deescalate = re.search(
        r'<label for="id_cites_[^"]+">\s*<input[^>]*value="complaint.deescalate"[^>]*>\s*([^<]+)<', page
    )
    assert deescalate and deescalate.group(1).strip() == "转怒为喜五步话术"
    assert "投诉处理" in page  # the catalogue's sections group the norms
    outbound = re.search(r'<input[^>]*name="channels"[^>]*value="outbound"[^>]*>\s*([^<]+)<', page)
    assert outbound and outbound.group(1).strip() == "外呼"


def test_every_message_on_the_entry_form_is_chinese(cast) -> None:  # type: ignore[no-untyped-def]
    response = _client(cast["supervisor"]).post(
        reverse("knowledge:new"), {"kind": "forbidden", "title": "", "example": ""}
    )
    errors = [str(e) for errs in response.context["form"].errors.values() for e in errs]
    assert errors, "the empty entry is refused"
    for message in errors:
        assert not ENGLISH_WORD.search(message), message
    assert KnowledgeEntry.objects.count() == 0


def test_the_api_explains_a_bad_entry_in_one_language(cast) -> None:  # type: ignore[no-untyped-def]
    response = _client(cast["supervisor"]).post(
        "/api/v1/knowledge/entries",
        {"entry": {"kind": "script", "title": "宽带掉线安抚", "cites": ["no.such_norm"], "tags": ["宽带"]}},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    messages = [body["detail"], *body["errors"].values()]
    for message in messages:
        assert not ENGLISH_WORD.search(message.replace("no.such_norm", "")), message
    assert "no.such_norm" in body["errors"]["cites"]


def test_every_schema_problem_has_a_message_people_read() -> None:
    assert set(MESSAGES) == set(PROBLEM_MESSAGES)


def test_forgetting_the_norms_asks_to_tick_one(cast) -> None:  # type: ignore[no-untyped-def]
    response = _client(cast["supervisor"]).post(reverse("knowledge:new"), _entry(cites=[]))
    assert response.context["form"].errors["cites"] == ["请至少勾选一项规范。"]
    assert KnowledgeEntry.objects.count() == 0


def test_fields_only_some_kinds_use_are_folded_unless_used(cast) -> None:  # type: ignore[no-untyped-def]
    client = _client(cast["supervisor"])
    new = client.get(reverse("knowledge:new")).content.decode()
    assert '<details class="kind-fields">' in new
    forbidden = client.get(reverse("knowledge:edit", args=["forbidden.dont_know"])).content.decode()
    assert '<details class="kind-fields" open>' in forbidden
