"""Phrasebook pages show Chinese labels and names where a person reads, never raw ids or English codes."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from kefu.knowledge.models import AssistSession

pytestmark = pytest.mark.django_db

# An entry or norm id as people should not have to read it: dotted lower-case words.
RAW_ID = re.compile(r"\b[a-z][a-z0-9_]*\.[a-z0-9_]+(?:\.[a-z0-9_]+)*\b")
CODES = re.compile(
    r"\b(script|technique|phrase|persona|complainer|fact|forbidden|knowledge|phone|outbound|counter|chat|onsite)\b"
)


class _Visible(HTMLParser):
    """The text a person sees: no tags, attributes, scripts or styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "title"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def _visible(html: str, start: str = "<main") -> str:
    parser = _Visible()
    parser.feed(html[html.find(start) :] if start in html else html)
    return "\n".join(parser.parts)


def _page(user, url: str, **params: str) -> str:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_channel_filter_names_channels_in_chinese(cast) -> None:  # type: ignore[no-untyped-def]
    page = _page(cast["agent"], reverse("knowledge:index"))
    select = page.split('id="kchannel"', 1)[1].split("</select>", 1)[0]
    labels = re.findall(r"<option[^>]*>([^<]+)</option>", select)
    assert len(labels) == 6 and "外呼" in labels and "上门服务" in labels
    assert not any(re.search(r"[A-Za-z]", label) for label in labels), labels


@pytest.mark.parametrize("query", [{}, {"q": "话费"}, {"kind": "script"}])
def test_phrasebook_rows_show_titles_not_ids(cast, query) -> None:  # type: ignore[no-untyped-def]
    text = _visible(_page(cast["supervisor"], reverse("knowledge:index"), **query))
    assert RAW_ID.findall(text) == []
    assert CODES.findall(text) == []


def test_an_entry_page_names_its_kind_channels_and_norms_in_chinese(cast) -> None:  # type: ignore[no-untyped-def]
    text = _visible(_page(cast["agent"], reverse("knowledge:detail", args=["case.fee_error"])))
    assert "case.fee_error" not in text and RAW_ID.findall(text) == []
    assert CODES.findall(text) == []
    assert "话术" in text
    assert "热线" in text and "营业厅" in text  # channels
    assert "电信行业投诉热点" in text  # a norm by its name


def test_the_entry_form_and_assist_pages_show_no_codes(cast) -> None:  # type: ignore[no-untyped-def]
    session = AssistSession.objects.create(agent=cast["supervisor"])
    for url in (
        reverse("knowledge:new"),
        reverse("knowledge:edit", args=["case.fee_error"]),
        reverse("knowledge:assist"),
        reverse("knowledge:assist_panel", args=[session.pk]),
    ):
        text = _visible(_page(cast["supervisor"], url))
        assert RAW_ID.findall(text) == [], url
        assert CODES.findall(text) == [], url
