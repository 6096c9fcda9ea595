"""Background-work benchmark (issue 9): the SLA sweep at scale and the task queue's overhead.

* ``sweep``  100,000 open complaints in PostgreSQL (database ``kefu_bench_sweep``, generated once and
             cached), 10 % of them with their step overdue. One full sweep (flag, events, notifications)
             is timed against the floor — a single bare ``UPDATE … SET sla_breached`` over the same rows —
             in the same run, inside a transaction rolled back afterwards, so the data set stays reusable.
             Also timed: the steady-state sweep (nothing new to flag). Target: a full sweep under 10 s.
* ``queue``  enqueue→done latency of a trivial task (a heartbeat write) with a real ``kefu worker``, on the database broker
             (SQLite) and on Redis, p50/p95 over 40 tasks, as a ratio to the broker's poll interval.

    python bench/bench_background.py                 # everything that can run here
    python bench/bench_background.py sweep --complaints 20000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PG = "postgres://postgres@127.0.0.1:5432"
SWEEP_DB = "kefu_bench_sweep"
TARGET_SWEEP_S = 10.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))]


# ---------------------------------------------------------------- sweep


def _pg_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(f"{PG}/postgres", connect_timeout=3).close()
        return True
    except Exception:
        return False


def sweep(complaints: int) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [SWEEP_DB]).fetchone():
            conn.execute(f'CREATE DATABASE "{SWEEP_DB}"')
    os.environ.update(DATABASE_URL=f"{PG}/{SWEEP_DB}", DJANGO_SETTINGS_MODULE="kefu.settings", DEBUG="0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from kefu.complaints import services
    from kefu.complaints.flow import OPEN_STATES
    from kefu.complaints.models import Complaint

    call_command("migrate", verbosity=0)
    open_count = Complaint.objects.filter(state__in=list(OPEN_STATES)).count()
    if open_count < complaints:
        from webdata import Generator

        log(f"generating {complaints:,} complaints …")
        with transaction.atomic():
            connection.cursor().execute("SET LOCAL session_replication_role = replica")
            Generator(complaints=complaints, contacts=1000, log=log).run()
        Complaint.objects.update(state="assigned", closed_at=None, sla_breached=False)
        connection.cursor().execute("VACUUM ANALYZE")
    total_open = Complaint.objects.filter(state__in=list(OPEN_STATES)).count()
    now = timezone.now()

    class Rollback(Exception):
        pass

    def make_overdue() -> int:
        ids = list(Complaint.objects.filter(state__in=list(OPEN_STATES)).order_by("pk").values_list("pk", flat=True))
        late = ids[::10]
        Complaint.objects.filter(state__in=list(OPEN_STATES)).update(
            sla_breached=False, step_due_at=now + timezone.timedelta(days=3)
        )
        Complaint.objects.filter(pk__in=late).update(step_due_at=now - timezone.timedelta(hours=2))
        return len(late)

    result: dict[str, Any] = {"open_complaints": total_open}
    try:
        with transaction.atomic():
            overdue = make_overdue()
            t = time.perf_counter()
            floor = Complaint.objects.filter(sla_breached=False, step_due_at__lt=now).update(sla_breached=True)
            result["floor_s"] = time.perf_counter() - t
            raise Rollback
    except Rollback:
        pass
    try:
        with transaction.atomic():
            overdue = make_overdue()
            t = time.perf_counter()
            first = services.sla_flag_breaches(now=now, warn_minutes=0)
            result["sweep_s"] = time.perf_counter() - t
            t = time.perf_counter()
            again = services.sla_flag_breaches(now=now, warn_minutes=0)
            result["steady_s"] = time.perf_counter() - t
            result.update(overdue=overdue, flagged=first.flagged, notified=first.notified, reflagged=again.flagged)
            raise Rollback
    except Rollback:
        pass
    assert floor == overdue == result["flagged"], (floor, overdue, result["flagged"])
    return result


# ---------------------------------------------------------------- queue


def queue(broker: str, tasks: int = 40) -> dict[str, Any]:
    """Run in a child process per broker (Django is set up once per process)."""
    var = tempfile.mkdtemp(prefix="kefu-bench-queue-")
    env = {**os.environ, "KEFU_VAR_DIR": var, "DJANGO_SETTINGS_MODULE": "kefu.settings", "KEFU_WORKERS": "1",
           "KEFU_QUEUE_NAME": f"bench-{os.getpid()}"}
    env.pop("DATABASE_URL", None)
    if broker == "redis":
        env["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    else:
        env.pop("REDIS_URL", None)
    os.environ.update({k: v for k, v in env.items() if isinstance(v, str)})
    if broker != "redis":
        os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django_q.models import Task
    from django_q.tasks import async_task

    call_command("migrate", verbosity=0)
    worker = subprocess.Popen([sys.executable, "-m", "kefu.cli", "worker"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        time.sleep(6)  # the cluster starts its worker and pusher
        sent: dict[str, float] = {}
        for _ in range(tasks):
            sent[async_task("kefu.jobs.tasks.heartbeat")] = time.time()
            time.sleep(0.25)
        deadline = time.time() + 60
        while Task.objects.filter(id__in=list(sent)).count() < tasks and time.time() < deadline:
            time.sleep(0.5)
        # django-q stamps "started" at enqueue; "stopped" when the worker finished the (trivial) task.
        latencies = [t.stopped.timestamp() - sent[t.id] for t in Task.objects.filter(id__in=list(sent))]
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
    from django.conf import settings

    poll = float(settings.Q_CLUSTER.get("poll", 0.2))  # type: ignore[arg-type]
    return {"broker": broker, "done": len(latencies), "sent": tasks, "p50_s": statistics.median(latencies),
            "p95_s": percentile(latencies, 95), "poll_s": poll}


def _child(args: list[str]) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, *args, "--json"], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _redis_reachable() -> bool:
    try:
        import redis

        return bool(redis.from_url("redis://127.0.0.1:6379/15", socket_connect_timeout=2).ping())
    except Exception:
        return False


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("part", nargs="?", choices=["sweep", "queue-orm", "queue-redis"])
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.json:
        result = sweep(args.complaints) if args.part == "sweep" else queue(args.part.split("-")[1])
        print(json.dumps(result))
        return 0
    parts = [args.part] if args.part else ["queue-orm", "queue-redis", "sweep"]
    for part in parts:
        if part == "sweep" and not _pg_reachable():
            print("sweep: skipped (PostgreSQL not reachable at 127.0.0.1:5432)")
            continue
        if part == "queue-redis" and not _redis_reachable():
            print("queue on Redis: skipped (Redis not reachable at 127.0.0.1:6379)")
            continue
        extra = ["--complaints", str(args.complaints)] if part == "sweep" else []
        r = _child([part, *extra])
        if part == "sweep":
            per_s = r["flagged"] / r["sweep_s"]
            print(
                f"SLA sweep at {r['open_complaints']:,} open complaints, {r['overdue']:,} overdue: "
                f"{r['sweep_s']:.2f} s ({per_s:,.0f} breaches/s, {r['notified']:,} notifications), "
                f"floor (bare UPDATE) {r['floor_s']:.3f} s → ×{r['sweep_s'] / r['floor_s']:.1f}; "
                f"steady-state sweep {r['steady_s']:.2f} s; re-flagged {r['reflagged']}; "
                f"target < {TARGET_SWEEP_S:.0f} s: {'met' if r['sweep_s'] < TARGET_SWEEP_S else 'MISSED'}"
            )
        else:
            name = "database broker (SQLite)" if part == "queue-orm" else "Redis broker"
            print(
                f"queue overhead, {name}: {r['done']}/{r['sent']} tasks, enqueue→done p50 {r['p50_s'] * 1000:.0f} ms, "
                f"p95 {r['p95_s'] * 1000:.0f} ms (×{r['p95_s'] / r['poll_s']:.1f} the {r['poll_s']:.1f} s poll interval)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
