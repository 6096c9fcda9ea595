"""Quality-inspection benchmarks (issue 10).

1. Import + score + store of N conversations.

Each run measures, in the same process, the bare engine scoring the same N conversations (the
baseline) and then the whole import (validation, storing the conversation, scoring, storing the
scorecard, alerts) on SQLite and on PostgreSQL, and reports conversations/s and the ratio to the
engine's own cost. Target: at most 3× the engine.

2. Pages at scale on PostgreSQL: the review queue and a scorecard page, p50/p95 over repeated
   requests through the whole Django stack (login, middleware, templates), with 1,000,000 stored
   conversations and scorecards (target p95 < 150 ms). Rows are generated in the database with
   ``INSERT … SELECT generate_series`` from 200 really imported and scored calls (so every card is
   a real engine scorecard of realistic size); the baseline is the same pages measured with only
   those 200 stored, in the same run.

3. The satisfaction predictor in the app: training (with its 5-fold cross-validation) on the 2,544
   rated dialogues of ../shared/train (skipped when absent), and prediction per conversation
   including storing the Prediction rows, against the engine's own scoring of them.

    python bench/bench_quality.py                 # all: 10,000 imported, 1,000,000 rows for the pages
    python bench/bench_quality.py --n 2000 --rows 100000
    python bench/bench_quality.py --only pages --rows 200000
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


PAGES_DB = "kefu_bench_quality_pages"
TEMPLATES = 200
PAGE_TARGET_MS = 150.0


def _pg_setup(db: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db}"')
    os.environ["DATABASE_URL"] = f"{PG}/{db}"
    os.environ.update(DJANGO_SETTINGS_MODULE="kefu.settings", KEFU_SEARCH_INDEXING="inline")
    os.environ["KEFU_VAR_DIR"] = tempfile.mkdtemp(prefix="kefu-bench-quality-")
    import django

    django.setup()


def _timings(client: object, urls: list[str]) -> list[float]:
    out = []
    for url in urls:
        t = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        out.append(1000 * (time.perf_counter() - t))
        assert response.status_code == 200, (url, response.status_code)
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _measure(client: object, pks: list[int], rng: object, requests: int) -> dict[str, list[float]]:
    from django.urls import reverse

    picks = [rng.choice(pks) for _ in range(requests)]  # type: ignore[attr-defined]
    _timings(client, [reverse("quality:reviews"), reverse("quality:detail", args=[picks[0]])])  # warm
    return {
        "queue": _timings(client, [reverse("quality:reviews")] * max(20, requests // 3)),
        "card": _timings(client, [reverse("quality:detail", args=[pk]) for pk in picks]),
        "list": _timings(client, [reverse("quality:index")] * max(10, requests // 5)),
    }


GENERATE = """
WITH ins AS (
  INSERT INTO quality_conversation (source_id, channel, agent_id, started_at, turns, digest, imported_at,
                                    imported_by_id, labels)
  SELECT 'G' || lpad(g::text, 8, '0'), 'hotline', a.id, now() - (g %% 525600) * interval '1 minute', t.turns,
         md5(g::text), now(), %(qa)s, '{}'::jsonb
  FROM generate_series(%(lo)s, %(hi)s) g
  JOIN bench_tpl t ON t.k = g %% %(ntpl)s
  JOIN bench_agents a ON a.k = g %% %(nagents)s
  RETURNING id, source_id, started_at
), cards AS (
  INSERT INTO quality_scorecard (conversation_id, kind, current, rulebook, rulebook_version, score, passed,
                                 critical, data, created_at)
  SELECT ins.id, 'auto', true, t.rulebook, t.rulebook_version, t.score, t.passed, t.critical, t.data,
         ins.started_at
  FROM ins JOIN bench_tpl t ON t.k = substr(ins.source_id, 2)::int %% %(ntpl)s
  RETURNING id, conversation_id, score
), preds AS (
  INSERT INTO quality_prediction (conversation_id, value, model_kind, model_version, created_at)
  SELECT conversation_id, 100 * random(), 'satisfaction', 1, now() FROM cards
)
INSERT INTO quality_review (conversation_id, auto_card_id, reason, state, inspector_id, decisions, manual,
                            reviewed_score, version, created_at, updated_at)
SELECT conversation_id, id, 'random', CASE WHEN conversation_id %% 10 = 0 THEN 'queued' ELSE 'final' END,
       %(qa)s, '{}'::jsonb, '[]'::jsonb, CASE WHEN conversation_id %% 10 = 0 THEN NULL ELSE score END, 1, now(), now()
FROM cards WHERE conversation_id %% 100 = 0
"""


def run_pages(rows: int, requests: int) -> dict[str, object]:
    import random

    _pg_setup(PAGES_DB)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from kefu.accounts.models import User
    from kefu.qa import synth
    from kefu.quality import services
    from kefu.quality.models import Conversation

    call_command("migrate", verbosity=0)
    qa = User.objects.create_user(username="bench-qa", password="x", role="qa")
    agents = [User.objects.create_user(username=f"bench-agent{i}", password="x", role="agent") for i in range(50)]
    calls = synth.hotline_calls(TEMPLATES, seed=5, turns=24)
    for i, call in enumerate(calls):
        call["id"], call["agent"] = f"T{i:04d}", agents[i % len(agents)].username
    services.conversations_import(actor=qa, items=list(enumerate(calls, start=1)))
    with connection.cursor() as cur:  # a few of the templates in the queue, for the baseline
        cur.execute("""INSERT INTO quality_review (conversation_id, auto_card_id, reason, state, inspector_id,
                       decisions, manual, version, created_at, updated_at)
                       SELECT conversation_id, id, 'random', 'queued', %s, '{}', '[]', 1, now(), now()
                       FROM quality_scorecard WHERE conversation_id %% 10 = 0""", [qa.pk])
    client = Client()
    client.force_login(qa)
    rng = random.Random(7)
    small = list(Conversation.objects.values_list("pk", flat=True))
    baseline = _measure(client, small, rng, requests)
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SET synchronous_commit TO off")
        # lz4 instead of the default pglz for the generated documents: 2-3x faster to write; reading one
        # back differs by microseconds (an operator may set the same server-wide).
        cur.execute("SET default_toast_compression TO lz4")
        cur.execute("""CREATE TEMP TABLE bench_tpl AS
                       SELECT (row_number() OVER (ORDER BY c.id) - 1)::int AS k, c.turns, s.rulebook,
                              s.rulebook_version, s.score, s.passed, s.critical, s.data
                       FROM quality_conversation c JOIN quality_scorecard s ON s.conversation_id = c.id""")
        cur.execute("CREATE TEMP TABLE bench_agents AS SELECT (row_number() OVER (ORDER BY id) - 1)::int AS k, id "
                    "FROM accounts_user WHERE username LIKE 'bench-agent%%'")
        step = 50_000
        for lo in range(1, rows + 1, step):
            hi = min(rows, lo + step - 1)
            cur.execute(GENERATE, {"lo": lo, "hi": hi, "qa": qa.pk, "ntpl": TEMPLATES, "nagents": len(agents)})
            print(f"  generated {hi:,} of {rows:,} ({time.perf_counter() - started:.0f} s)", file=sys.stderr,
                  flush=True)
        cur.execute("ANALYZE")
        cur.execute("SELECT count(*), pg_size_pretty(pg_database_size(current_database())) FROM quality_scorecard")
        count, size = cur.fetchone()
    generated = time.perf_counter() - started
    big = list(Conversation.objects.filter(source_id__startswith="G").order_by("?").values_list("pk", flat=True)[:5000])
    at_scale = _measure(client, big, rng, requests)
    return {"rows": rows, "scorecards": count, "size": size, "generate_s": generated,
            "baseline": baseline, "scale": at_scale}


def report_pages(r: dict[str, object]) -> None:
    base, scale = r["baseline"], r["scale"]
    assert isinstance(base, dict) and isinstance(scale, dict)
    print(f"pages on PostgreSQL with {r['scorecards']:,} stored scorecards ({r['size']}; generated in "
          f"{r['generate_s']:.0f} s), against the same pages with {TEMPLATES} stored:")
    names = {"queue": "review queue", "card": "scorecard page", "list": "conversation list"}
    for key, name in names.items():
        p50, p95 = _pct(scale[key], 0.5), _pct(scale[key], 0.95)
        b95 = _pct(base[key], 0.95)
        verdict = ("met" if p95 < PAGE_TARGET_MS else "MISSED") if key != "list" else "no target"
        print(f"  {name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(scale[key])} requests "
              f"(baseline p95 {b95:.1f} ms → ×{p95 / b95:.2f}; target p95 < {PAGE_TARGET_MS:.0f} ms: {verdict})")


def run_predictor() -> dict[str, float] | str:
    """The in-app predictor: training with cross-validation on the rated dialogues, predicting and storing."""
    train = ROOT.parent / "shared" / "train" / "dialogues.jsonl"
    if not train.exists():
        return f"skipped: {train} not present"
    os.environ.pop("DATABASE_URL", None)
    os.environ["KEFU_VAR_DIR"] = tempfile.mkdtemp(prefix="kefu-bench-quality-")
    os.environ.update(DJANGO_SETTINGS_MODULE="kefu.settings", KEFU_SEARCH_INDEXING="inline")
    import django

    django.setup()
    from django.core.management import call_command

    from kefu.accounts.models import User
    from kefu.qa import Engine
    from kefu.quality import learning, services
    from kefu.quality.models import Conversation, Prediction

    call_command("migrate", verbosity=0)
    lead = User.objects.create_user(username="bench-lead", password="x", role="manager")
    qa = User.objects.create_user(username="bench-qa", password="x", role="qa")
    items = []
    for line, text in enumerate(train.read_text(encoding="utf-8").splitlines(), start=1):
        record = json.loads(text)
        items.append((line, {"id": str(record["id"]), "channel": "chat", "turns": record["turns"],
                             "labels": record["labels"]}))
    services.conversations_import(actor=qa, items=items)
    engine = Engine()
    records = [services.qa_record(c) for c in Conversation.objects.order_by("pk")]
    engine.score(records[0])
    t = time.perf_counter()
    for record in records:
        engine.score(record)
    scoring = time.perf_counter() - t
    t = time.perf_counter()
    stored = learning.train_and_store(actor=lead)
    training = time.perf_counter() - t
    assert not isinstance(stored, str), stored
    convs = list(Conversation.objects.order_by("pk"))
    t = time.perf_counter()
    learning.predict(convs)
    predicting = time.perf_counter() - t
    assert Prediction.objects.count() == len(convs)
    return {"n": len(convs), "scoring_s": scoring, "training_s": training, "predict_s": predicting,
            "spearman": float(stored.metrics["spearman"]), "cv_seconds": float(stored.metrics["seconds"])}


def report_predictor(r: dict[str, float] | str) -> None:
    if isinstance(r, str):
        print(f"satisfaction predictor in the app: {r}")
        return
    n = int(r["n"])
    print(f"satisfaction predictor in the app, {n:,} rated dialogues: training with 5-fold cross-validation, "
          f"storing and predicting all {r['training_s']:.1f} s (cross-validation + fit {r['cv_seconds']:.1f} s; "
          f"ρ = {r['spearman']:.3f}) = {r['training_s'] / r['scoring_s']:.1f}× the engine scoring them all once")
    print(f"  prediction incl. storing the rows: {1000 * r['predict_s'] / n:.2f} ms per conversation "
          f"(engine scoring {1000 * r['scoring_s'] / n:.2f} ms → ×{r['predict_s'] / r['scoring_s']:.2f})")


def _sub(args: list[str]) -> dict[str, object] | None:
    out = subprocess.run([sys.executable, __file__, *args], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        reason = (out.stderr.strip().splitlines() or ["failed"])[-1]
        print(f"{' '.join(args)}: skipped ({reason})")
        return None
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result if isinstance(result, dict) else {"message": result}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000, help="conversations imported (import benchmark)")
    parser.add_argument("--rows", type=int, default=1_000_000, help="stored scorecards for the page benchmark")
    parser.add_argument("--requests", type=int, default=60, help="scorecard page requests (p95)")
    parser.add_argument("--only", choices=("import", "pages", "predictor"))
    parser.add_argument("--backend")
    parser.add_argument("--pages", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--predictor", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.backend:
        print(json.dumps(run(args.backend, args.n)))
        return 0
    if args.pages:
        print(json.dumps(run_pages(args.rows, args.requests)))
        return 0
    if args.predictor:
        result = run_predictor()
        print(json.dumps(result))
        return 0
    if args.only in (None, "import"):
        run_imports(args.n)
    if args.only in (None, "predictor"):
        r = _sub(["--predictor"])
        if r is not None:
            report_predictor(r.get("message", r))  # type: ignore[arg-type]
    if args.only in (None, "pages"):
        out = subprocess.run([sys.executable, __file__, "--pages", "--rows", str(args.rows), "--requests",
                              str(args.requests)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        if out.returncode != 0 or not out.stdout.strip():
            print("pages on PostgreSQL: skipped (see the error above)")
        else:
            report_pages(json.loads(out.stdout.strip().splitlines()[-1]))
    return 0


def run_imports(n: int) -> None:
    for backend in ("sqlite", "postgresql"):
        out = subprocess.run([sys.executable, __file__, "--backend", backend, "--n", str(n)], cwd=ROOT,
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


if __name__ == "__main__":
    sys.exit(main())
