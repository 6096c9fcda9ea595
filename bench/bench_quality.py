"""Quality-inspection import benchmark (issue 10): import + score + store of N conversations.

Each run measures, in the same process, the bare engine scoring the same N conversations (the
baseline) and then the whole import (validation, storing the conversation, scoring, storing the
scorecard, alerts) on SQLite and on PostgreSQL, and reports conversations/s and the ratio to the
engine's own cost. Target: at most 3× the engine.

    python bench/bench_quality.py            # 10,000 conversations
    python bench/bench_quality.py --n 2000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432"
DB = "kefu_bench_quality"
TARGET = 3.0


def run(backend: str, n: int) -> dict[str, float]:
    if backend == "postgresql":
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB}"')
        os.environ["DATABASE_URL"] = f"{PG}/{DB}"
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["KEFU_VAR_DIR"] = tempfile.mkdtemp(prefix="kefu-bench-quality-")
    os.environ.update(DJANGO_SETTINGS_MODULE="kefu.settings", KEFU_SEARCH_INDEXING="inline")
    import django

    django.setup()
    from django.core.management import call_command

    from kefu.accounts.models import User
    from kefu.qa import Engine, synth
    from kefu.quality import services

    call_command("migrate", verbosity=0)
    qa = User.objects.create_user(username="bench-qa", password="x", role="qa")
    User.objects.create_user(username="bench-agent", password="x", role="agent")
    calls = synth.hotline_calls(n, seed=11, turns=24)
    for i, call in enumerate(calls):
        call["id"] = f"B{i:06d}"
        call["agent"] = "bench-agent"
    engine = Engine()
    engine.score(calls[0])  # compile once, outside the timing
    t = time.perf_counter()
    for call in calls:
        engine.score(call)
    bare = time.perf_counter() - t
    t = time.perf_counter()
    report = services.conversations_import(actor=qa, items=list(enumerate(calls, start=1)), engine=engine)
    full = time.perf_counter() - t
    assert report.created == n and not report.errors, report.errors[:3]
    return {"n": n, "bare_s": bare, "import_s": full}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--backend")
    args = parser.parse_args()
    if args.backend:
        print(json.dumps(run(args.backend, args.n)))
        return 0
    for backend in ("sqlite", "postgresql"):
        out = subprocess.run([sys.executable, __file__, "--backend", backend, "--n", str(args.n)], cwd=ROOT,
                             capture_output=True, text=True)
        if out.returncode != 0:
            reason = (out.stderr.strip().splitlines() or ["failed"])[-1]
            print(f"import on {backend}: skipped ({reason})")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        ratio = r["import_s"] / r["bare_s"]
        print(
            f"import + score + store on {backend}: {r['n'] / r['import_s']:,.0f} conversations/s "
            f"({r['import_s']:.1f} s for {r['n']:,}); bare engine {r['n'] / r['bare_s']:,.0f}/s → ×{ratio:.2f} "
            f"(target ≤ {TARGET:.0f}×: {'met' if ratio <= TARGET else 'MISSED'})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
