"""The probe's races and load, kept as tests over real HTTP against a threaded server.

- 20 identical transitions at once: exactly one 2xx, nineteen 409, no 5xx, every round;
- 8 writers logging contacts for ``KEFU_LOAD_SECONDS`` (15 by default): no 5xx, and
  every contact created is in the search index;
- 20 concurrent clients on PostgreSQL: the connections stay bounded.

They run on SQLite here and on PostgreSQL in ``make test``'s second pass. SQLite is
configured by one code path whether or not ``DATABASE_URL`` names it
(``kefu.lib.env.sqlite_database``; see ``kefu/lib/tests/test_env.py``).
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from kefu.accounts.services import token_create
from kefu.complaints.flow import State
from kefu.complaints.models import Complaint
from kefu.complaints.tests.test_services import record
from kefu.customers.models import Contact
from kefu.search.models import Document, Kind

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 20
ROUNDS = 3
LOAD_SECONDS = float(os.environ.get("KEFU_LOAD_SECONDS", "15"))
WRITERS = 8


def _call(url: str, key: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if body is not None else "GET")
    request.add_header("Authorization", f"Bearer {key}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        payload = exc.read()
        try:
            return exc.code, json.loads(payload)
        except ValueError:
            return exc.code, {"raw": payload[:200].decode(errors="replace")}


def _together(n: int, work: Any) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # collected and asserted by the test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_twenty_identical_transitions_have_one_winner_and_nineteen_409s(live_server, cast):
    _, key = token_create(user=cast["handler"], name="race")
    for _ in range(ROUNDS):
        complaint = record(cast)
        url = f"{live_server.url}/api/v1/complaints/{complaint.pk}/accept"
        body = {"expected_version": complaint.version, "note": "受理"}
        results = _together(CLIENTS, lambda _i, url=url, body=body: _call(url, key, body))
        statuses = Counter(r[0] if isinstance(r, tuple) else repr(r) for r in results)
        assert statuses == {200: 1, 409: CLIENTS - 1}, statuses
        conflicts = [r[1]["detail"] for r in results if isinstance(r, tuple) and r[0] == 409]
        assert all(str(cast["handler"]) in detail for detail in conflicts)  # who changed it, in every 409
        complaint.refresh_from_db()
        assert complaint.state == State.ACCEPTED and complaint.events.count() == 2


def test_twenty_approvers_racing_all_lose_with_409_not_422(live_server, cast):
    from kefu.complaints.tests.test_services import walk_to

    complaint = walk_to(cast, record(cast), State.PENDING_APPROVAL)
    keys = [token_create(user=cast[name], name="race")[1] for name in ("supervisor", "supervisor2", "manager")]
    url = f"{live_server.url}/api/v1/complaints/{complaint.pk}/approve"
    body = {"expected_version": complaint.version, "comment": "同意"}
    results = _together(CLIENTS, lambda i: _call(url, keys[i % len(keys)], body))
    statuses = Counter(r[0] if isinstance(r, tuple) else repr(r) for r in results)
    assert statuses == {200: 1, 409: CLIENTS - 1}, statuses
    assert Complaint.objects.get(pk=complaint.pk).state == State.APPROVED


def test_eight_writers_under_load_get_no_5xx_and_every_contact_is_searchable(live_server, cast, settings):
    settings.KEFU_NUMBER_SEARCH_LIMIT = 1_000_000  # linking by number is rate-limited per user; not measured here
    keys = [token_create(user=cast[name], name="load")[1] for name in ("agent", "supervisor")]
    url = f"{live_server.url}/api/v1/contacts"
    deadline = time.monotonic() + LOAD_SECONDS

    def write(i: int) -> Counter[int]:
        seen: Counter[int] = Counter()
        n = 0
        while time.monotonic() < deadline:
            n += 1
            status, _body = _call(url, keys[i % 2], {
                "channel": "hotline", "category": "consult", "summary": f"压测咨询{i}-{n}",
                "detail": "客户询问宽带资费", "phone": f"1390000{i:02d}{n % 100:02d}",
            })
            seen[status] += 1
        return seen

    results = _together(WRITERS, write)
    total: Counter[int] = Counter()
    for result in results:
        assert isinstance(result, Counter), result
        total.update(result)
    assert set(total) == {201}, total  # every write accepted: no 5xx, no lock errors
    ids = set(Contact.objects.values_list("pk", flat=True))
    assert len(ids) == total[201]
    indexed = set(Document.objects.filter(kind=Kind.CONTACT).values_list("object_id", flat=True))
    assert ids <= indexed, f"{len(ids - indexed)} contacts missing from search"


def test_postgresql_connections_stay_bounded_under_twenty_clients(live_server, cast):
    if connection.vendor != "postgresql":
        pytest.skip("counts PostgreSQL server connections; runs in make test's PostgreSQL pass")
    _, key = token_create(user=cast["agent"], name="conns")
    url = f"{live_server.url}/api/v1/complaints/queue"

    def count() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            return int(cursor.fetchone()[0])

    before = count()
    peak, stop = [before], threading.Event()

    def sample() -> None:
        from django.db import connections

        try:
            while not stop.is_set():
                with connections["default"].cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
                    peak.append(int(cursor.fetchone()[0]))
                time.sleep(0.05)
        finally:
            connections["default"].close()

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        for _ in range(3):
            results = _together(CLIENTS, lambda _i: [_call(url, key)[0] for _ in range(5)])
            assert all(statuses == [200] * 5 for statuses in results), results
    finally:
        stop.set()
        sampler.join(timeout=10)
    time.sleep(0.5)
    after = count()
    # At most one connection per concurrent client (plus this test's and the sampler's) while they
    # run, and none left behind by a request thread afterwards.
    assert max(peak) <= before + CLIENTS + 1, (before, max(peak))
    assert after - before <= 1, (before, after)
