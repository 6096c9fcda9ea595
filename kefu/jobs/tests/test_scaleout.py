"""Scale-out with real processes: two app servers and two workers on one PostgreSQL and one Redis.

As on several machines: a fresh PostgreSQL database (created and dropped here), ``kefu migrate``,
two ``kefu serve`` (gunicorn, one worker each, each with its own ``KEFU_VAR_DIR``) and two
``kefu worker`` clusters taking tasks from one Redis queue named for this run (``KEFU_QUEUE_NAME``,
so parallel runs never share one). 2,000 complaints whose current step is overdue are written
straight through the ORM: no event and no notification exists until a sweep makes it. Sweeps are
queued through the broker; the first worker seen inside a sweep's transaction is SIGKILLed, then
started again. Once no overdue step is left unflagged, every breach has exactly one
``sla_breach`` event and exactly one notification per recipient, every step due soon one warning
per recipient, and both app servers answered ``/healthz`` and a signed-in page all along.

It runs in ``make test``'s PostgreSQL pass (``make test-pg``) and is skipped elsewhere, and when
Redis does not answer at ``KEFU_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from kefu.jobs.tests.processes import KEFU, Child, free_port, run, wait_for

pytestmark = pytest.mark.django_db  # collected in the PostgreSQL pass (kefu/conftest.py keeps database tests)

OVERDUE = 2_000  # complaints whose current step is overdue; not lowered to make the test fast
CLOSED_OVERDUE = 40  # closed long ago with a past deadline: never flagged
NOT_DUE = 40  # due in two days, beyond the warning lead time: never flagged, never warned
DUE_SOON = 40  # due in half an hour: warned once (to h_net and the network supervisors), not flagged
SWEEPS_AT_START = 4
SWEEPS_AFTER_RESTART = 2
PASSWORD = "scaleout-2026"
REDIS_URL = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

# Who hears of a breach (kefu.complaints.notices): the handler when active, and the
# supervisors of the handling department, or every active supervisor when it has none.
# The seed below writes one case per complaint in turn; the expected recipients are spelt out
# here rather than computed by the code under test.
SUPERVISORS = {"sup_net_1": "network", "sup_net_2": "network", "sup_bill": "billing"}
INACTIVE_SUPERVISOR = ("sup_net_gone", "network")
HANDLERS = {"h_net": "network", "h_bill": "billing"}
INACTIVE_HANDLER = ("h_field_gone", "field")
CASES: tuple[tuple[str, str | None, str | None, frozenset[str]], ...] = (
    # (state, department, handler, who is notified)
    ("assigned", "network", "h_net", frozenset({"sup_net_1", "sup_net_2", "h_net"})),
    ("analysed", "billing", "h_bill", frozenset({"sup_bill", "h_bill"})),
    ("assigned", "field", "h_field_gone", frozenset(SUPERVISORS)),  # no supervisor there, handler left
    ("recorded", None, None, frozenset(SUPERVISORS)),
)
WATCHER = "sup_net_1"  # signs in on the app servers during the run
FIRST_DUE_SOON = OVERDUE + CLOSED_OVERDUE + NOT_DUE
WARNED = frozenset({"sup_net_1", "sup_net_2", "h_net"})


def seed() -> None:
    """Write the users and complaints (run in a child process with the scale-out DATABASE_URL)."""
    from datetime import timedelta

    from django.utils import timezone

    from kefu.accounts.models import Department, User
    from kefu.complaints.models import Complaint

    departments = {
        code: Department.objects.create(code=code, name=name)
        for code, name in (("network", "网络维护部"), ("billing", "计费账务部"), ("field", "装维部"))
    }
    users: dict[str, User] = {}
    people = [
        *[(name, "supervisor", dept, True) for name, dept in SUPERVISORS.items()],
        (INACTIVE_SUPERVISOR[0], "supervisor", INACTIVE_SUPERVISOR[1], False),
        *[(name, "handler", dept, True) for name, dept in HANDLERS.items()],
        (INACTIVE_HANDLER[0], "handler", INACTIVE_HANDLER[1], False),
        ("agent", "agent", None, True),
    ]
    for name, role, dept, active in people:
        users[name] = User(
            username=name, role=role, department=departments[dept] if dept else None, full_name=name,
            is_active=active,
        )
        users[name].set_unusable_password()
    users[WATCHER].set_password(PASSWORD)
    User.objects.bulk_create(users.values())
    users = {u.username: u for u in User.objects.all()}

    now = timezone.now()

    def complaint(i: int, *, state: str, dept: str | None, handler: str | None, due: Any) -> Complaint:
        return Complaint(
            number=f"SO{i:07d}", state=state, channel="hotline", complainant_name="张伟",
            subject=f"宽带断线 {i}", content="家里宽带这周断了三次。", created_by=users["agent"],
            handling_department=departments[dept] if dept else None,
            handler=users[handler] if handler else None,
            received_at=now - timedelta(days=3), step_started_at=now - timedelta(days=2), step_due_at=due,
        )

    rows = [
        complaint(i, state=state, dept=dept, handler=handler, due=now - timedelta(minutes=5 + i % 600))
        for i in range(OVERDUE)
        for state, dept, handler, _ in [CASES[i % len(CASES)]]
    ]
    rows += [
        complaint(OVERDUE + i, state="closed", dept="network", handler="h_net", due=now - timedelta(days=1))
        for i in range(CLOSED_OVERDUE)
    ]
    rows += [
        complaint(OVERDUE + CLOSED_OVERDUE + i, state="assigned", dept="network", handler="h_net",
                  due=now + timedelta(days=2))
        for i in range(NOT_DUE)
    ]
    rows += [
        complaint(FIRST_DUE_SOON + i, state="assigned", dept="network", handler="h_net", due=now + timedelta(minutes=30))
        for i in range(DUE_SOON)
    ]
    Complaint.objects.bulk_create(rows, batch_size=1000)


SEED = "import django; django.setup(); from kefu.jobs.tests.test_scaleout import seed; seed()"
ENQUEUE = (
    "import django, sys; django.setup(); from django_q.tasks import async_task\n"
    "for _ in range(int(sys.argv[1])): async_task('kefu.complaints.tasks.sla_sweep')"
)


# ---------------------------------------------------------------- PostgreSQL and Redis


def _server_dsn(dbname: str) -> str:
    db = settings.DATABASES["default"]
    params = {"dbname": dbname, "host": db.get("HOST") or "", "port": db.get("PORT") or "",
              "user": db.get("USER") or "", "password": db.get("PASSWORD") or ""}
    return " ".join(f"{k}='{v}'" for k, v in params.items() if v)


def _database_url(dbname: str) -> str:
    db = settings.DATABASES["default"]
    auth = urllib.parse.quote(str(db.get("USER") or ""))
    if db.get("PASSWORD"):
        auth += ":" + urllib.parse.quote(str(db["PASSWORD"]))
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{auth}@{host}:{port}/{dbname}"


@contextmanager
def fresh_database() -> Iterator[str]:
    """Create an empty database on the test server, yield its name, drop it (connections and all)."""
    import psycopg

    name = f"kefu_scaleout_{os.getpid()}_{secrets.token_hex(4)}"
    with psycopg.connect(_server_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(_server_dsn("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def redis_queue(name: str) -> Iterator[Any]:
    """A Redis client; every django-q key of the queue ``name`` is deleted afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        yield client
    finally:
        keys = list(client.scan_iter(match=f"django_q:{name}:*"))
        if keys:
            client.delete(*keys)
        client.close()


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except Exception:
        return False


# ---------------------------------------------------------------- HTTP


class Browser:
    """A signed-in session; the same cookie is presented to every app server, as behind a load balancer."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def answers(self, url: str) -> bool:
        try:
            return self.get(url)[0] == 200
        except OSError:  # not listening yet
            return False

    def get(self, url: str) -> tuple[int, str]:
        try:
            with self.opener.open(url, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")

    def sign_in(self, base: str, username: str, password: str) -> None:
        status, page = self.get(f"{base}/login/")
        assert status == 200, page[:300]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token on the sign-in page"
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
        ).encode()
        with self.opener.open(urllib.request.Request(f"{base}/login/", data=body, headers={"Referer": f"{base}/login/"}),
                              timeout=20) as response:
            assert urllib.parse.urlsplit(response.url).path != "/login/", "sign-in refused"


@dataclass
class Probes:
    """What the app servers answered during the run: /healthz and the watcher's notifications page."""

    answered: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    unread: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def round(self, browser: Browser, bases: list[str]) -> None:
        for base in bases:
            self.probe(browser, base)

    def probe(self, browser: Browser, base: str) -> None:
        ok = True
        status, text = browser.get(f"{base}/healthz")
        if not (status == 200 and "database: ok" in text and "broker: ok (Redis" in text):
            self.failures.append(f"{base}/healthz → {status}: {text[:200]}")
            ok = False
        status, page = browser.get(f"{base}/notifications/")
        count = re.search(r'href="\?unread=1">[^<]*<span class="count">(\d+)</span>', page)  # the unread tab
        if status == 200 and count and 'action="/logout/"' in page:
            self.unread[base].append(int(count.group(1)))
        else:
            self.failures.append(f"{base}/notifications/ → {status}: {page[:200]}")
            ok = False
        self.answered[base] += ok


# ---------------------------------------------------------------- the installation


@dataclass
class Site:
    """One Kefu installation spread over processes as over machines: one database, one Redis queue."""

    tmp: Path
    queue: str
    shared_env: dict[str, str]  # what every machine's /etc/kefu/kefu.env would hold
    db: Any  # a psycopg connection to the installation's database, for the test's reads
    redis: Any
    children: list[Child] = field(default_factory=list)  # the services, watched while the test waits
    helpers: list[Child] = field(default_factory=list)  # one-off commands that end by themselves
    timings: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def env(self, name: str, **extra: str) -> dict[str, str]:
        """A machine's environment: its own var dir (static files) and gunicorn control socket;
        PGAPPNAME names its PostgreSQL connections in pg_stat_activity."""
        var = self.tmp / name
        var.mkdir(exist_ok=True)
        machine = {"KEFU_VAR_DIR": str(var), "XDG_RUNTIME_DIR": str(var), "PGAPPNAME": self.app(name)}
        return {**self.shared_env, **machine, **extra}

    def app(self, name: str) -> str:
        return f"{self.queue}-{name}"

    def run(self, *argv: str) -> None:
        run(list(argv), self.env("setup"), self.tmp / "setup.log")

    def start(self, name: str, *args: str, **extra: str) -> Child:
        child = Child(name, [*KEFU, *args], self.env(name, **extra), self.tmp / f"{name}.log").start()
        self.children.append(child)
        return child

    def mark(self, moment: str) -> None:
        self.timings[moment] = time.monotonic() - self.started

    def wait_for(self, what: str, check: Callable[[], bool], timeout: float = 60, every: float = 0.1) -> None:
        wait_for(what, check, timeout, self.children, every=every)

    def enqueue_sweeps(self, count: int) -> Child:
        """Queue the sweep through the broker as the scheduler does (``async_task``, same settings).

        Returns at once: 2,000 breaches take the workers about as long as this process takes to start.
        """
        helper = Child("enqueue", [sys.executable, "-c", ENQUEUE, str(count)], self.env("enqueue"),
                       self.tmp / "enqueue.log").start()
        self.helpers.append(helper)
        return helper

    def scalar(self, sql: str, *params: Any) -> int:
        row = self.db.execute(sql, params).fetchone()
        return int(row[0]) if row else 0

    def unflagged(self) -> int:
        return self.scalar(
            "SELECT count(*) FROM complaints_complaint"
            " WHERE state <> 'closed' AND NOT sla_breached AND step_due_at < now()"
        )

    def connections(self, name: str) -> int:
        return self.scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", self.app(name))

    def writing(self, name: str) -> bool:
        """A connection of ``name`` is inside a transaction that has claimed or written complaints or notifications."""
        return bool(self.scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND backend_xid IS NOT NULL"
            " AND state IN ('active', 'idle in transaction')"
            " AND (query LIKE '%%complaints_complaint%%' OR query LIKE '%%notifications_notification%%')",
            self.app(name),
        ))

    def notifications(self) -> int:
        return self.scalar("SELECT count(*) FROM notifications_notification")

    def settled(self) -> bool:
        """Nothing queued, and no worker connection in a query or transaction for a whole second."""
        for _ in range(5):
            busy = self.scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE %s"
                " AND state IN ('active', 'idle in transaction')",
                f"{self.queue}-worker%",
            )
            if busy or self.queued():
                return False
            time.sleep(0.25)
        return True

    def clusters(self) -> int:
        """Worker clusters alive on the queue (each refreshes a stat key that expires after 3 s)."""
        return len(list(self.redis.scan_iter(match=f"django_q:{self.queue}:cluster:*")))

    def queued(self) -> int:
        return int(self.redis.llen(f"django_q:{self.queue}:q"))


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    """A migrated, seeded installation; every process it starts is stopped, its database and queue removed."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL and Redis: runs in make test's PostgreSQL pass (make test-pg)")
    if not _redis_answers():
        pytest.skip(f"needs Redis at {REDIS_URL} (KEFU_TEST_REDIS_URL): workers on several machines share it")
    import psycopg

    queue = f"kefu-scaleout-{os.getpid()}-{secrets.token_hex(3)}"
    with fresh_database() as dbname, redis_queue(queue) as redis:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith(("KEFU_", "PYTEST_", "DJANGO_"))}
        shared_env = {
            **inherited,
            "DJANGO_SETTINGS_MODULE": "kefu.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": _database_url(dbname),
            "REDIS_URL": REDIS_URL,
            "KEFU_QUEUE_NAME": queue,
            "KEFU_DB_CONN_MAX_AGE": "60",
            "KEFU_WORKERS": "2",
            "KEFU_WEB_WORKERS": "1",
            "PYTHONUNBUFFERED": "1",
        }
        with psycopg.connect(_server_dsn(dbname), autocommit=True) as db:
            site = Site(tmp_path, queue, shared_env, db, redis)
            try:
                site.run(*KEFU, "migrate", "--noinput")
                site.run(sys.executable, "-c", SEED)
                site.mark("database migrated and seeded")
                yield site
            finally:
                for child in site.children + site.helpers:
                    child.stop()


def _events_per_complaint(site: Site) -> dict[str, int]:
    return dict(site.db.execute(
        "SELECT c.number, count(e.id) FROM complaints_complaint c LEFT JOIN complaints_complaintevent e"
        " ON e.complaint_id = c.id AND e.action = 'sla_breach' GROUP BY c.number"
    ).fetchall())


def _notified_per_complaint(site: Site, kind: str) -> dict[str, Counter[str]]:
    """{complaint number: Counter(recipient username → notifications of ``kind``)}, from the notification key."""
    number_of = dict(site.db.execute("SELECT id, number FROM complaints_complaint").fetchall())
    received: dict[str, Counter[str]] = defaultdict(Counter)
    for key, username in site.db.execute(
        "SELECT n.key, u.username FROM notifications_notification n JOIN accounts_user u ON u.id = n.user_id"
        " WHERE n.kind = %s",
        (kind,),
    ):
        received[number_of[int(key.split(":")[1])]][username] += 1
    return received


def _wrongly_notified(received: dict[str, Counter[str]], expected: dict[str, frozenset[str]]) -> dict[str, Any]:
    """Complaints whose recipients differ from ``expected`` (someone missing, twice, or not meant to hear)."""
    wrong = {}
    for number in set(received) | set(expected):
        if received.get(number) != Counter(expected.get(number, ())):
            wrong[number] = (dict(received.get(number, {})), sorted(expected.get(number, ())))
    return wrong


# ---------------------------------------------------------------- the test


def test_two_app_servers_and_two_workers_flag_two_thousand_breaches_once_though_a_worker_is_killed(site):
    breach_recipients = {f"SO{i:07d}": CASES[i % len(CASES)][3] for i in range(OVERDUE)}
    warning_recipients = {f"SO{FIRST_DUE_SOON + i:07d}": WARNED for i in range(DUE_SOON)}
    expected_notifications = sum(len(people) for people in [*breach_recipients.values(), *warning_recipients.values()])
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    for n, port in enumerate(ports, start=1):
        site.start(f"web{n}", "serve", KEFU_BIND=f"127.0.0.1:{port}")
    workers = {name: site.start(name, "worker") for name in ("worker1", "worker2")}

    browser, probes = Browser(), Probes()
    for base in bases:
        site.wait_for(f"{base}/healthz", lambda base=base: browser.answers(f"{base}/healthz"))
    browser.sign_in(bases[0], WATCHER, PASSWORD)  # one sign-in for both: one SECRET_KEY, sessions in the database
    site.wait_for("both worker clusters", lambda: site.clusters() == 2)
    site.mark("two app servers and two workers up")
    probes.round(browser, bases)
    assert [probes.unread[base] for base in bases] == [[0], [0]], probes.failures

    enqueue = site.enqueue_sweeps(SWEEPS_AT_START)
    sweeps_queued = time.monotonic()

    # Kill the first worker seen inside a sweep's transaction (rows claimed, flags or notifications
    # written, not committed): PostgreSQL rolls that batch back, and another sweep must flag it.
    victim = ""

    def caught_mid_sweep() -> bool:
        nonlocal victim
        victim = next((name for name in workers if site.writing(name)), "")
        return bool(victim)

    site.wait_for("a worker in the middle of a sweep", caught_mid_sweep, every=0.02)
    workers[victim].kill()
    assert enqueue.popen is not None and enqueue.popen.wait(timeout=30) == 0, enqueue.tail()
    flagged_at_kill = OVERDUE - site.unflagged()
    site.children.remove(workers.pop(victim))
    site.mark(f"{victim} killed with {flagged_at_kill} breaches flagged")
    site.wait_for(f"PostgreSQL to end {victim}'s sessions", lambda: site.connections(victim) == 0, 30)
    probes.round(browser, bases)
    site.wait_for(f"{victim}'s cluster to be missed", lambda: site.clusters() == 1, 30)
    workers[f"{victim}b"] = site.start(f"{victim}b", "worker")  # restarted: same machine, new process
    site.wait_for(f"{victim} back", lambda: site.clusters() == 2)
    enqueue = site.enqueue_sweeps(SWEEPS_AFTER_RESTART)
    site.mark(f"{victim} restarted")

    def swept() -> bool:
        return not site.unflagged() and site.notifications() >= expected_notifications

    deadline = time.monotonic() + 90
    while not swept() and time.monotonic() < deadline:
        probes.round(browser, bases)
        assert all(c.alive for c in site.children), "\n".join(c.tail() for c in site.children if not c.alive)
        time.sleep(0.3)
    assert swept(), (
        f"after 90 s: {site.unflagged()} overdue steps unflagged, {site.notifications()} of "
        f"{expected_notifications} notifications\n" + "\n".join(c.tail() for c in site.children)
    )
    sweep_seconds = time.monotonic() - sweeps_queued
    site.mark("every breach flagged and notified")
    # Let queued and running sweeps finish, so a late duplicate would be counted below.
    assert enqueue.popen is not None and enqueue.popen.wait(timeout=30) == 0, enqueue.tail()
    site.wait_for("the workers to fall idle", site.settled)
    probes.round(browser, bases)

    # Every breach flagged exactly once; nothing else flagged.
    events = _events_per_complaint(site)
    wrong_events = {number: n for number, n in events.items() if n != (number in breach_recipients)}
    assert wrong_events == {}, f"{len(wrong_events)} complaints with a wrong number of sla_breach events"
    assert site.scalar("SELECT count(*) FROM complaints_complaint WHERE sla_breached") == OVERDUE
    assert site.scalar("SELECT count(*) FROM complaints_complaintevent") == OVERDUE

    # One notification per (breach, recipient) and per (warning, recipient): the right people, nobody
    # twice, nobody else; warnings have no row lock, only the unique (user, key) constraint.
    wrong = _wrongly_notified(_notified_per_complaint(site, "sla_breach"), breach_recipients)
    assert wrong == {}, f"{len(wrong)} breaches notified wrongly, e.g. {list(wrong.items())[:3]}"
    wrong = _wrongly_notified(_notified_per_complaint(site, "sla_warning"), warning_recipients)
    assert wrong == {}, f"{len(wrong)} warnings notified wrongly, e.g. {list(wrong.items())[:3]}"
    assert site.scalar("SELECT count(*) FROM notifications_notification") == expected_notifications

    # No task failed (a killed one leaves no result at all), and the survivors' sweeps did run.
    failed = site.db.execute("SELECT func, result FROM django_q_task WHERE NOT success").fetchall()
    assert failed == [], failed[:3]
    assert site.scalar("SELECT count(*) FROM django_q_task WHERE func = 'kefu.complaints.tasks.sla_sweep'") >= 2

    # Both app servers answered /healthz and a signed-in page all along; the watcher's unread count
    # only grew, and ended the same on both.
    assert probes.failures == [], probes.failures[:5]
    watcher_total = sum(WATCHER in people for people in [*breach_recipients.values(), *warning_recipients.values()])
    for base in bases:
        assert probes.answered[base] >= 3, probes.answered
        assert probes.unread[base] == sorted(probes.unread[base]) and probes.unread[base][-1] == watcher_total

    site.mark("checked")
    print(  # shown with -s
        f"\nscale-out: {OVERDUE} breaches flagged {sweep_seconds:.1f} s after the sweeps were queued "
        f"(through a kill and a restart); " + "; ".join(f"{k} at {v:.1f} s" for k, v in site.timings.items())
    )
