"""Two API clients acting on one complaint at once: one 200, one 409 naming the winner.

Real transactions, so it runs on SQLite and, in ``make test``, on PostgreSQL.
"""

from __future__ import annotations

import pytest

from kefu.complaints.flow import State
from kefu.complaints.models import ComplaintEvent
from kefu.complaints.tests.api_client import Api
from kefu.complaints.tests.test_concurrency import race
from kefu.complaints.tests.test_services import record, walk_to

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_supervisors_approving_through_the_api_at_once_get_one_200_and_one_409(cast):
    complaint = walk_to(cast, record(cast), State.PENDING_APPROVAL)
    first, second = Api(cast["supervisor"]), Api(cast["supervisor2"])
    body = {"expected_version": complaint.version, "comment": "同意"}
    responses = race(
        lambda: first.post(f"/complaints/{complaint.pk}/approve", body),
        lambda: second.post(f"/complaints/{complaint.pk}/approve", body),
    )
    assert sorted(r.status_code for r in responses) == [200, 409], responses
    loser = next(r for r in responses if r.status_code == 409)
    assert any(str(cast[name]) in loser.json()["detail"] for name in ("supervisor", "supervisor2"))
    assert ComplaintEvent.objects.filter(complaint=complaint, action="approve").count() == 1
