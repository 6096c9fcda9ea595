"""Two people acting on one complaint at once: exactly one transition, a clear message to the other.

Runs against real transactions on SQLite and, in ``make test``, on PostgreSQL.
"""

import threading

import pytest
from django.db import connection

from kefu.complaints import services
from kefu.complaints.flow import State
from kefu.complaints.models import Complaint, ComplaintEvent
from kefu.complaints.tests.test_services import record, walk_to
from kefu.lib.errors import Conflict

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls):
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # collected and asserted by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_two_supervisors_approving_at_once_produce_one_approval(cast):
    c = walk_to(cast, record(cast), State.PENDING_APPROVAL)
    version = c.version

    def approve(user):
        return lambda: services.complaint_approve(
            complaint=Complaint.objects.get(pk=c.pk), actor=user, expected_version=version
        )

    results = race(approve(cast["supervisor"]), approve(cast["supervisor2"]))
    winners = [r for r in results if isinstance(r, Complaint)]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, results
    # The loser is told who won (the message itself is translated: zh_Hans by default).
    assert any(str(cast[name]) in losers[0].message for name in ("supervisor", "supervisor2"))
    c.refresh_from_db()
    assert c.state == State.APPROVED and c.version == version + 1
    assert ComplaintEvent.objects.filter(complaint=c, action="approve").count() == 1


def test_accept_and_reject_racing_leave_one_outcome(cast):
    c = record(cast)
    version = c.version
    results = race(
        lambda: services.complaint_accept(complaint=Complaint.objects.get(pk=c.pk), actor=cast["handler"],
                                          expected_version=version),
        lambda: services.complaint_reject(complaint=Complaint.objects.get(pk=c.pk), actor=cast["supervisor"],
                                          explanation="不成立", expected_version=version),
    )
    assert sum(isinstance(r, Complaint) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1, results
    c.refresh_from_db()
    assert c.state in {State.ACCEPTED, State.CLOSED}
    assert c.events.count() == 2
