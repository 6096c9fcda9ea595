"""Guessing a masked number by search or by listing it is limited like every other search by number."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kefu.insights import harass_services
from kefu.insights.tests.test_dashboard import complaints  # noqa: F401  (fixture)
from kefu.lib.errors import Conflict, RateLimited

pytestmark = pytest.mark.django_db


def test_searching_the_case_book_by_phone_number_is_rate_limited(complaints, client, cast, settings):  # type: ignore[no-untyped-def]  # noqa: F811
    settings.KEFU_NUMBER_SEARCH_LIMIT = 3
    client.force_login(cast["supervisor"])
    url = reverse("insights:casebook")
    for guess in range(3):
        assert client.get(url, {"q": f"1381234567{guess}"}).status_code == 200
    refused = client.get(url, {"q": "13812345679"})
    assert refused.status_code == 429 and "多扣费已退还" not in refused.content.decode()
    assert client.get(url, {"q": "计费规则"}).status_code == 200  # a search by words is not limited


def test_listing_numbers_to_find_which_one_is_listed_is_rate_limited(cast, settings):  # type: ignore[no-untyped-def]
    settings.KEFU_NUMBER_SEARCH_LIMIT = 3
    values = {"level": "watch", "pattern": "silent", "reason": "一天内无声来电 30 次"}
    harass_services.harass_add(actor=cast["supervisor"], number="13812345678", **values)
    with pytest.raises(Conflict):
        harass_services.harass_add(actor=cast["supervisor"], number="13812345678", **values)
    harass_services.harass_add(actor=cast["supervisor"], number="13812345670", **values)
    with pytest.raises(RateLimited):
        harass_services.harass_add(actor=cast["supervisor"], number="13812345671", **values)
