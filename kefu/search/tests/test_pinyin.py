"""A customer is found by the pinyin of the name: xiongyao, xiong yao and xy find 熊瑶."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kefu.customers import services as customer_services
from kefu.search import selectors
from kefu.search.pinyin import name_spellings

NUMBER = "13955556666"  # an agent sees 139****6666


def test_a_name_is_spelled_by_syllables_run_together_and_initials():
    assert name_spellings("熊瑶") == ("xiong", "yao", "xiongyao", "xy")
    assert "zengxiaoxian" in name_spellings("曾小贤") and "cengxiaoxian" in name_spellings("曾小贤")  # the surname
    assert {"lvbu", "lubu"} <= set(name_spellings("吕布"))  # ü typed as v or u
    assert name_spellings("Tom Lee") == ()


def test_digits_in_a_name_never_reach_the_spellings():
    assert name_spellings("熊瑶13955556666") == name_spellings("熊瑶")


@pytest.fixture
def xiong(cast, db):  # type: ignore[no-untyped-def]
    customer = customer_services.customer_create(actor=cast["supervisor"], name="熊瑶", phones=[NUMBER])
    # A namesake the other way round, and an unrelated customer.
    customer_services.customer_create(actor=cast["supervisor"], name="姚雄", phones=["13700001111"])
    customer_services.customer_create(actor=cast["supervisor"], name="王芳", phones=["13600002222"])
    return customer


def _customers(user, q: str) -> list[str]:  # type: ignore[no-untyped-def]
    groups = selectors.search(user=user, q=q, kinds=["customer"])
    return [hit.obj.name for group in groups for hit in group.hits]


@pytest.mark.parametrize("q", ["xiongyao", "XiongYao", "xiong yao", "xiongy", "xy", "ｘｉｏｎｇｙａｏ"])
def test_the_pinyin_of_a_name_finds_the_customer_first(cast, xiong, q):
    found = _customers(cast["agent"], q)
    assert found and found[0] == "熊瑶", found
    assert "王芳" not in found


def test_the_name_run_together_does_not_find_the_reversed_name(cast, xiong):
    assert _customers(cast["agent"], "xiongyao") == ["熊瑶"]
    assert _customers(cast["agent"], "yaoxiong") == ["姚雄"]


def test_the_search_page_shows_the_customer_found_by_pinyin(client, cast, xiong):
    client.force_login(cast["agent"])
    page = client.get(reverse("search"), {"q": "xiongyao"}).content.decode()
    assert reverse("customers:detail", args=[xiong.pk]) in page
    assert NUMBER not in page and "139****6666" in page


def test_pinyin_with_a_hidden_digit_finds_nothing_for_a_role_that_cannot_reveal(cast, xiong):
    # The masked-search rule holds with a name in pinyin: only what the mask shows is searchable.
    for probe in ("xiongyao 5555", "xy 1395", "xiong 95555"):
        assert _customers(cast["agent"], probe) == [], probe
    assert _customers(cast["agent"], "xiongyao 6666") == ["熊瑶"]
    assert _customers(cast["agent"], f"xy {NUMBER}") == ["熊瑶"]  # the whole number, typed: known already
    assert _customers(cast["supervisor"], "xiongyao 5555") == ["熊瑶"]  # may reveal every number


def test_documents_indexed_before_pinyin_are_rewritten_in_place(cast, xiong):
    from kefu.search import services
    from kefu.search.grams import document_terms
    from kefu.search.models import Document

    old = Document.objects.get(kind="customer", object_id=xiong.pk)
    text = old.text.replace(" xiong yao xiongyao xy", "")  # as the documents were written before
    Document.objects.filter(pk=old.pk).update(text=text, terms=document_terms(text))
    assert _customers(cast["agent"], "xiongyao") == []
    assert services.refresh(kind="customer") == 3
    assert _customers(cast["agent"], "xiongyao") == ["熊瑶"]
    assert Document.objects.get(kind="customer", object_id=xiong.pk).pk == old.pk  # the same row, rewritten
