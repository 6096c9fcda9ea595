"""The harassment list: kept by supervisors, checked numbers, the separate queue, the warning, the report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kefu.customers.services import contact_log
from kefu.insights import harass_services
from kefu.insights.models import HarassCall, HarassEntry
from kefu.insights.selectors import harassment_listed
from kefu.lib.errors import Conflict, InvalidInput, NotAllowed

pytestmark = pytest.mark.django_db


def _add(cast, number: str = "138 1234 5678", **kw):  # type: ignore[no-untyped-def]
    values = {"level": "watch", "pattern": "silent", "reason": "一天内无声来电 30 次"} | kw
    return harass_services.harass_add(actor=cast["supervisor"], number=number, **values)


def test_a_listed_number_is_found_however_it_is_written(cast) -> None:  # type: ignore[no-untyped-def]
    _add(cast)
    assert harassment_listed("13812345678") and harassment_listed("+86 138-1234-5678")
    assert not harassment_listed("13812345679")


@pytest.mark.parametrize("number", ["abc", "1381234", "2381234567899", "13812345678; DROP", ""])
def test_a_number_in_a_bad_format_is_refused_and_nothing_is_written(cast, number: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as caught:
        _add(cast, number)
    assert "number" in caught.value.errors
    assert not HarassEntry.objects.exists()


def test_an_expired_or_removed_entry_no_longer_counts(cast) -> None:  # type: ignore[no-untyped-def]
    entry = _add(cast, expires_at=timezone.now() + timedelta(days=1))
    HarassEntry.objects.filter(pk=entry.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert not harassment_listed("13812345678")
    again = _add(cast, level="block")  # back on the list
    harass_services.harass_remove(actor=cast["manager"], entry=again, expected_version=again.version)
    assert not harassment_listed("13812345678")


def test_an_expiry_in_the_past_is_refused(cast) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as caught:
        _add(cast, expires_at=timezone.now() - timedelta(days=1))
    assert "expires_at" in caught.value.errors


def test_two_changes_at_once_have_one_winner(cast) -> None:  # type: ignore[no-untyped-def]
    entry = _add(cast)
    harass_services.harass_update(actor=cast["supervisor"], entry=entry, expected_version=1, level="block",
                                  pattern="abuse", reason="辱骂坐席", expires_at=None)
    with pytest.raises(Conflict):
        harass_services.harass_update(actor=cast["manager"], entry=entry, expected_version=1, level="watch",
                                      pattern="silent", reason="x", expires_at=None)
    assert HarassEntry.objects.get().level == "block"


def test_listing_a_number_twice_is_a_conflict(cast) -> None:  # type: ignore[no-untyped-def]
    _add(cast)
    with pytest.raises(Conflict):
        _add(cast, "13812345678")


def test_agents_may_not_keep_the_list(cast, client) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotAllowed):
        _add(cast | {"supervisor": cast["agent"]})
    client.force_login(cast["agent"])
    assert client.get(reverse("insights:harass")).status_code == 403
    assert client.get(reverse("insights:harass_report")).status_code == 403


def test_a_contact_from_a_listed_number_goes_to_the_harassment_queue(cast, client) -> None:  # type: ignore[no-untyped-def]
    _add(cast, level="block")
    contact_log(actor=cast["agent"], channel="hotline", category="harassment", summary="无声来电", phone="13812345678")
    contact_log(actor=cast["agent"], channel="hotline", category="consult", summary="咨询", phone="13900000000")
    assert HarassCall.objects.count() == 1
    client.force_login(cast["supervisor"])
    page = client.get(reverse("insights:harass_queue")).content.decode()
    assert "来电自动分析系统" in page and "138****5678" in page and "13812345678" not in page


def test_the_agent_is_warned_when_a_listed_number_is_typed(cast, client) -> None:  # type: ignore[no-untyped-def]
    _add(cast, level="block", reason="多次辱骂坐席")
    client.force_login(cast["agent"])
    warned = client.post(reverse("insights:harass_check"), {"phone": "138-1234-5678"}).content.decode()
    assert "多次辱骂坐席" in warned and "线路故障" in warned
    assert client.post(reverse("insights:harass_check"), {"phone": "13900000000"}).content == b""
    form = client.get(reverse("contacts:new")).content.decode()
    assert 'id="harass-warning"' in form


def test_the_list_and_the_report_show_numbers_masked(cast, client) -> None:  # type: ignore[no-untyped-def]
    entry = _add(cast)
    HarassCall.objects.create(entry=entry, pattern="silent", at=timezone.now())
    client.force_login(cast["manager"])
    for name in ("insights:harass", "insights:harass_report"):
        html = client.get(reverse(name)).content.decode()
        assert "138****5678" in html and "13812345678" not in html


def test_the_list_form_tells_a_bad_number_back(cast, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast["supervisor"])
    response = client.post(reverse("insights:harass"), {"number": "12ab", "level": "watch", "pattern": "silent",
                                                        "reason": "测试"})
    assert response.status_code == 422 and not HarassEntry.objects.exists()


def test_the_report_refuses_an_impossible_period(cast, client) -> None:  # type: ignore[no-untyped-def]
    client.force_login(cast["manager"])
    assert client.get(reverse("insights:harass_report") + "?date_from=2026-05-02&date_to=2026-05-01").status_code == 422
