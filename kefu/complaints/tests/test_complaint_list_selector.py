"""One complaint_list selector serves the list page and the API: the same filters give the same rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kefu.complaints.flow import State
from kefu.complaints.models import Complaint
from kefu.complaints.tests.api_client import Api
from kefu.complaints.tests.test_views import login, record, walk_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(cast):
    flagged = walk_to(cast, record(cast, subject="已标记超时"), State.ASSIGNED)
    Complaint.objects.filter(pk=flagged.pk).update(sla_breached=True)  # flagged by the sweep, deadline ahead
    past = walk_to(cast, record(cast, subject="过了时限"), State.ASSIGNED)
    Complaint.objects.filter(pk=past.pk).update(step_due_at=timezone.now() - timedelta(hours=1))
    fine = walk_to(cast, record(cast, subject="按时"), State.ASSIGNED)
    regulator = record(cast, subject="工信部转来", channel="miit")
    return {"flagged": flagged, "past": past, "fine": fine, "regulator": regulator}


def _page_ids(client, **params) -> set[int]:
    return {row.complaint.pk for row in client.get(reverse("complaints:list"), params).context["rows"]}


def _api_ids(user, **params) -> set[int]:
    response = Api(user).get("/complaints", **params)
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


@pytest.mark.parametrize(
    ("page_params", "api_params", "expected"),
    [
        ({"overdue": "on"}, {"overdue": "true"}, {"flagged", "past"}),
        ({"regulator": "on"}, {"regulator": "true"}, {"regulator"}),
        ({"state": "assigned"}, {"state": "assigned"}, {"flagged", "past", "fine"}),
    ],
)
def test_the_page_and_the_api_agree(client, cast, spread, page_params, api_params, expected):
    login(client, cast["supervisor"])
    wanted = {spread[name].pk for name in expected}
    assert _page_ids(client, **page_params) == wanted
    assert _api_ids(cast["supervisor"], **api_params) == wanted


def test_dates_in_the_wrong_order_are_refused_on_both(client, cast, spread):
    login(client, cast["supervisor"])
    page = client.get(reverse("complaints:list"), {"date_from": "2026-11-10", "date_to": "2026-11-01"})
    assert "开始日期不能晚于结束日期。" in page.content.decode()
    response = Api(cast["supervisor"]).get("/complaints", date_from="2026-11-10", date_to="2026-11-01")
    assert response.status_code == 422 and response.json()["errors"]["date_from"] == "开始日期不能晚于结束日期。"
    today = timezone.localdate().isoformat()
    assert _api_ids(cast["supervisor"], date_from=today, date_to=today) == {c.pk for c in spread.values()}
