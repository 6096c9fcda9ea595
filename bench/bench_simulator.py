"""Training simulator benchmark (issue 11): reply latency per trainee turn.

Every built-in scenario is played by the tests' trainees (three that follow the
norms, three that break them; lines generated from each scenario's data) for
``--rounds`` rounds with fresh seeds. Each ``Session.say`` is timed: that is
what a trainee waits for between sending a line and seeing the customer's
answer (move detection over the shared phrase sets, the QA engine's live
prohibition check, the customer's reaction). Target: p95 < 50 ms.

Baselines, measured in the same run on the same transcripts:
- the bare QA engine scoring each finished transcript once (``Engine().score``);
- the QA engine's own live check of one turn (``LiveSession.add_turn``),
  which each reply includes.

    python bench/bench_simulator.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET_P95_MS = 50.0


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    from kefu.lib.textnorm import normalize
    from kefu.qa import Engine, LiveSession
    from kefu.simulator import Session, load_scenarios
    from kefu.simulator.tests.trainees import bad_trainee, good_trainee

    scenarios = load_scenarios()
    engine = Engine()
    # Warm up: rulebooks compiled, phrase sets and the emotion model loaded once per process.
    warm = Session.start(scenarios[0], 0)
    warm.say(good_trainee(scenarios[0], 0)[0])
    engine.score(warm.conversation())

    reply_ms: list[float] = []
    live_ms: list[float] = []
    score_ms: list[float] = []
    sessions = 0
    for round_ in range(args.rounds):
        for scenario in scenarios:
            for variant in range(3):
                for trainee in (good_trainee, bad_trainee):
                    session = Session.start(scenario, 1000 * round_ + variant)
                    for text in trainee(scenario, variant):
                        if session.ended:
                            break
                        t = time.perf_counter()
                        session.say(text)
                        reply_ms.append(1000 * (time.perf_counter() - t))
                    session.finish("trainee")
                    sessions += 1
                    conversation = session.conversation()
                    t = time.perf_counter()
                    engine.score(conversation)
                    score_ms.append(1000 * (time.perf_counter() - t))
                    # Fair to the baseline: its texts are new to it too, not normalised already.
                    getattr(normalize, "cache_clear", lambda: None)()
                    live = LiveSession(channel=scenario.channel)
                    for turn in conversation["turns"]:
                        t = time.perf_counter()
                        live.add_turn(turn)
                        if turn["speaker"] == "agent":
                            live_ms.append(1000 * (time.perf_counter() - t))

    result = {
        "scenarios": len(scenarios),
        "sessions": sessions,
        "turns": len(reply_ms),
        "reply_p50_ms": round(_pct(reply_ms, 0.50), 3),
        "reply_p95_ms": round(_pct(reply_ms, 0.95), 3),
        "reply_max_ms": round(max(reply_ms), 3),
        "baseline_live_check_p95_ms": round(_pct(live_ms, 0.95), 3),
        "baseline_engine_score_p95_ms": round(_pct(score_ms, 0.95), 3),
        "reply_p95_over_live_check_p95": round(_pct(reply_ms, 0.95) / max(_pct(live_ms, 0.95), 1e-9), 2),
        "reply_p95_over_engine_score_p95": round(_pct(reply_ms, 0.95) / max(_pct(score_ms, 0.95), 1e-9), 2),
        "target_p95_ms": TARGET_P95_MS,
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))
    ok = result["reply_p95_ms"] < TARGET_P95_MS
    print(f"reply p95 {result['reply_p95_ms']} ms {'<' if ok else '>='} {TARGET_P95_MS} ms target: {'OK' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
