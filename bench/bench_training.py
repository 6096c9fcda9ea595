"""Training benchmarks (issue 11): the exam page, saving an answer, the trainer's dashboard.

Builds, in a fresh SQLite database, a paper of 22 questions and T trainees who each sat it three
times and sparred twice (real services: drawing, grading with the QA draft check, replaying the
simulator). Then measures p50/p95 over repeated requests through the whole Django stack (login,
middleware, templates):

- the exam page of an open attempt, and the trainee's home page;
- saving one answer (a POST that grades an open answer and records the event);
- the trainer's dashboard and the item analysis over every sitting.

The baseline is the workbench home page (``/``) measured in the same run, so the ratios hold on a
noisy machine. Targets: the exam page within 3× the baseline, the dashboard p95 under 500 ms.

    python bench/bench_training.py               # 40 trainees
    python bench/bench_training.py --trainees 100
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _times(fn, n: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    fn()  # warm: templates compiled, caches filled
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return {"p50": statistics.median(samples), "p95": samples[max(0, int(len(samples) * 0.95) - 1)]}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trainees", type=int, default=40)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    os.environ.pop("DATABASE_URL", None)
    os.environ["KEFU_VAR_DIR"] = tempfile.mkdtemp(prefix="kefu-bench-training-")
    os.environ.update(DJANGO_SETTINGS_MODULE="kefu.settings", KEFU_SEARCH_INDEXING="inline")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from kefu.accounts.models import User
    from kefu.training import bank, services

    setup_test_environment()
    call_command("migrate", verbosity=0)
    trainer = User.objects.create_user(username="bench-trainer", password="x", role="trainer", full_name="培训师")
    rng = random.Random(5)
    t0 = time.perf_counter()
    paper = services.paper_create(actor=trainer, title="综合测验", time_limit_minutes=30, pass_mark=70,
                                  quotas={"counter": 3, "random": 2, "phone": 3, "complaint": 3, "technique": 3,
                                          "persona": 2, "difficult": 2, "regulation": 2, "phrases": 2})
    people = [User.objects.create_user(username=f"t{i:03d}", password="x", role="agent", full_name=f"学员{i}")
              for i in range(args.trainees)]
    services.assignment_create(actor=trainer, kind="paper", paper=paper, trainees=people,
                               due_at=timezone.now() + timedelta(days=7))
    start = timezone.now() - timedelta(days=20)
    for i, person in enumerate(people):
        skill = 0.4 + 0.5 * rng.random()
        for k in range(3):
            at = start + timedelta(days=k * 5, minutes=i)
            attempt = services.attempt_start(paper=paper, trainee=person, now=at, seed=rng.randrange(2**31))
            for item_id in attempt.item_ids:
                item = bank.get_item(item_id)
                assert item is not None
                right = rng.random() < skill
                response = (item.answer[0] if right else (item.answer[0] + 1) % len(item.options)) if item.kind == "single" \
                    else (list(item.answer) if right else [item.answer[0]]) if item.kind == "multiple" \
                    else (item.truth if right else not item.truth) if item.kind == "truefalse" \
                    else (item.model if right else "好的，您等通知吧。")
                services.answer_save(attempt=attempt, actor=person, item_id=item_id, response=response,
                                     now=at + timedelta(minutes=1))
            services.attempt_submit(attempt=attempt, actor=person, now=at + timedelta(minutes=2))
        for k in range(2):
            session = services.session_start(trainee=person, scenario_id="case.bank_deduction", seed=i * 10 + k,
                                             now=start + timedelta(days=k))
            services.session_say(session=session, actor=person, text="您好，请问有什么可以帮您？",
                                 now=start + timedelta(days=k, seconds=30))
            services.session_end(session=session, actor=person, now=start + timedelta(days=k, minutes=1))
    build = time.perf_counter() - t0

    # One open attempt for the trainee whose pages are measured.
    me = people[0]
    open_attempt = services.attempt_start(paper=paper, trainee=me)
    open_item = next(i for i in open_attempt.item_ids if bank.get_item(i).kind == "open")  # type: ignore[union-attr]
    trainee, boss = Client(), Client()
    trainee.force_login(me)
    boss.force_login(trainer)

    def ok(response):  # type: ignore[no-untyped-def]
        assert response.status_code in (200, 302), response.status_code
        return response

    results = {
        "baseline: workbench home": _times(lambda: ok(trainee.get("/")), args.requests),
        "exam page (22 questions)": _times(lambda: ok(trainee.get(open_attempt.get_absolute_url())), args.requests),
        "trainee home": _times(lambda: ok(trainee.get("/training/")), args.requests),
        "save one open answer": _times(lambda: ok(trainee.post(f"/training/attempts/{open_attempt.pk}/save/", {
            f"q_{open_item}": f"您好，请您稍等，我马上为您办理。{rng.random()}"})), args.requests),
        f"dashboard ({args.trainees} trainees)": _times(lambda: ok(boss.get("/training/dashboard/")), args.requests),
        "item analysis (all sittings)": _times(lambda: ok(boss.get("/training/items/")), args.requests),
    }
    base = results["baseline: workbench home"]["p50"]
    sittings = args.trainees * 3
    print(f"built {args.trainees} trainees, {sittings} sittings, {args.trainees * 2} sparring sessions in {build:.1f}s")
    print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'× baseline p50':>15}")
    for name, r in results.items():
        print(f"{name:34} {r['p50']:8.1f} {r['p95']:8.1f} {r['p50'] / base:15.2f}")
    exam_ratio = results["exam page (22 questions)"]["p50"] / base
    dash = results[f"dashboard ({args.trainees} trainees)"]["p95"]
    ok_exam, ok_dash = exam_ratio <= 3.0, dash < 500
    print(f"exam page {exam_ratio:.2f}× baseline (target ≤ 3×): {'ok' if ok_exam else 'MISSED'}; "
          f"dashboard p95 {dash:.0f} ms (target < 500 ms): {'ok' if ok_dash else 'MISSED'}")
    return 0 if ok_exam and ok_dash else 1


if __name__ == "__main__":
    sys.exit(main())
