"""Benchmark the QA engine on realistic hotline calls (≈60 turns, ≈3,000 chars).

Reports, in one run (these machines are noisy, so every figure is the best of
several rounds and the ratios compare figures measured side by side):

* calls/s for what default scoring uses for hotline calls — the hotline
  rulebook plus the complaint-handling rules, applied when a complaint is
  detected (``hotline+complaint``) — on one core, and with 2 workers through
  the same path as ``kefu qa score --workers 2``; and, for comparison, the
  hotline rulebook alone (``--rulebook hotline``);
* the ratio to a naive baseline — the same engine, but every rule scans every
  turn with each of its phrases as a separate regular expression (what a
  first implementation does); it must give identical scorecards;
* the ratio to the floor — normalising the text and one Aho-Corasick pass;
* live turn-by-turn checking: p50/p99 per turn.

Targets: ≥300 calls/s/core, ≥5× naive, within 3× of the floor, live p99 < 2 ms.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kefu.lib.textnorm import normalize
from kefu.qa import cli
from kefu.qa import operators as op
from kefu.qa.engine import Engine, LiveSession, Scorecard
from kefu.qa.model import SEP, Conversation, Prepared, parse_conversation
from kefu.qa.rulebook import Rule, Rulebook, default_rulebook, load_rulebook
from kefu.qa.synth import hotline_calls

N_CALLS = 400
ROUNDS = 3


def rule_phrase_ids(rule: Rule, book: Rulebook) -> set[int]:
    """Every phrase id a rule's conditions use, following refs into defs."""
    found: set[int] = set()
    seen: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, op.Ref):
            if node.name not in seen:
                seen.add(node.name)
                walk(book.defs[(node.name, False)])
                walk(book.defs[(node.name, True)])
            return
        if not dataclasses.is_dataclass(node):
            return
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            if f.name in ("ids", "exclude_ids", "announce_ids"):
                found.update(value)
            elif isinstance(value, tuple):
                for child in value:
                    walk(child)
            else:
                walk(value)

    walk(rule.detect)
    if rule.applies_when is not None:
        walk(rule.applies_when)
    return found


def without_prefilters(book: Rulebook) -> Rulebook:
    """The rulebook as a first implementation has it: every regex searched on
    every turn (no literal prefilter, no regex turned into phrases)."""

    def plain(node: object) -> object:
        if isinstance(node, op.Regex):
            return dataclasses.replace(node, need_ids=None, exact=False, fast=None)
        if not dataclasses.is_dataclass(node) or isinstance(node, type):
            return node
        changes = {}
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            if isinstance(value, op.Node):
                changes[f.name] = plain(value)
            elif isinstance(value, tuple) and any(isinstance(v, op.Node) for v in value):
                changes[f.name] = tuple(plain(v) for v in value)
        return dataclasses.replace(node, **changes) if changes else node  # type: ignore[type-var]

    rules = tuple(plain(rule) for rule in book.rules)
    return dataclasses.replace(book, rules=rules, defs={key: plain(node) for key, node in book.defs.items()})  # type: ignore[arg-type]


def best_rate(fn, n: int, rounds: int = ROUNDS) -> float:  # type: ignore[no-untyped-def]
    """Calls per second of CPU time, best of ``rounds``.

    CPU time, not wall time: the two cores are shared with other work, and a
    single-process benchmark should not be charged for time it was descheduled.
    """
    best = float("inf")
    for _ in range(rounds):
        normalize.cache_clear()  # every round normalises afresh, as in production
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return n / best


def main() -> int:
    calls = hotline_calls(N_CALLS, seed=11)
    convs = [parse_conversation(c) for c in calls]
    chars = sum(len(t.text) for c in convs for t in c.turns) / len(convs)
    turns = sum(len(c.turns) for c in convs) / len(convs)
    book = default_rulebook("hotline")
    engine = Engine(book)
    engine.score(convs[0])  # warm: emotion model, caches
    complaints = sum(bool(engine.score(c).complaint_detected) for c in convs)
    print(f"{len(convs)} synthetic hotline calls, {turns:.0f} turns and {chars:,.0f} characters each, {complaints} with a "
          f"complaint; rulebook {book.name}: {len(book.rules)} rules, {len(book.phrases)} phrases")
    alone = Engine(load_rulebook("hotline"))

    def alone_run() -> None:
        for conv in convs:
            alone.score(conv)

    def engine_run() -> None:
        for conv in convs:
            engine.score(conv)

    def floor_run() -> None:
        automaton = book.automaton
        for conv in convs:
            joined = normalize(SEP.join(t.text for t in conv.turns))
            deque(automaton.iter(joined), maxlen=0)  # consume the matches in C

    naive_book = without_prefilters(book)
    patterns = [re.compile(re.escape(phrase)) for phrase in book.phrases]
    rule_patterns = [[(pid, patterns[pid]) for pid in sorted(rule_phrase_ids(rule, naive_book))] for rule in naive_book.rules]
    naive_convs = convs[: N_CALLS // 4]
    naive_engine = Engine(naive_book, emotion=engine.emotion_model)

    def naive_score(conv: Conversation) -> Scorecard:
        # A complete naive engine: text normalised turn by turn, then each
        # rule scans each turn with each of its phrases as a separate regular
        # expression; rule evaluation and emotion are the engine's own.
        norm = [normalize.__wrapped__(t.text) for t in conv.turns]  # no cache: templates repeat
        hits: list[set[int]] = [set() for _ in norm]
        for pats in rule_patterns:
            for t, text in enumerate(norm):
                for pid, pattern in pats:
                    if pattern.search(text):
                        hits[t].add(pid)
        return naive_engine.score_prepared(Prepared(conv, norm), phrase_hits=hits)

    for conv in naive_convs[:20]:  # same verdicts, or the comparison is meaningless
        assert naive_score(conv).to_dict() == engine.score(conv).to_dict(), conv.id

    def naive_run() -> None:
        for conv in naive_convs:
            naive_score(conv)

    # Interleave the measurements so that load from other processes hits all.
    rate = floor = naive = rate_alone = 0.0
    for _ in range(2):
        rate = max(rate, best_rate(engine_run, len(convs)))
        rate_alone = max(rate_alone, best_rate(alone_run, len(convs)))
        floor = max(floor, best_rate(floor_run, len(convs)))
        naive = max(naive, best_rate(naive_run, N_CALLS // 4, rounds=1))
    print(f"engine, one core        : {rate:8.0f} calls/s   (target ≥ 300; hotline alone {rate_alone:.0f})")
    print(f"naive regex baseline    : {naive:8.0f} calls/s   engine is {rate / naive:5.1f}× faster (target ≥ 5×)")
    print(f"floor (normalise + 1 AC): {floor:8.0f} calls/s   engine costs {floor / rate:4.2f}× the floor (target ≤ 3×)")

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "calls.jsonl"
        src.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in calls * 2), encoding="utf-8")
        out = Path(tmp) / "out.jsonl"
        rates = {}
        cpu_one = 0.0
        for workers in (1, 2):
            started, cpu = time.perf_counter(), time.process_time()
            cli.main(["score", str(src), "--workers", str(workers), "--output", str(out)])
            rates[workers] = 2 * len(calls) / (time.perf_counter() - started)
            if workers == 1:
                cpu_one = 2 * len(calls) / (time.process_time() - cpu)
        load = os.getloadavg()[0]
        print(f"kefu qa score, 1 worker : {rates[1]:8.0f} calls/s wall, {cpu_one:.0f} calls/s of CPU (incl. JSON in and out)")
        print(f"kefu qa score, 2 workers: {rates[2]:8.0f} calls/s wall ({rates[2] / rates[1]:.2f}× one worker; "
              f"load average {load:.1f} on {os.cpu_count()} cores)")

    latencies = []
    for conv in convs[:100]:
        session = LiveSession(book)
        for turn in conv.turns:
            started = time.process_time()
            session.add_turn(turn)
            latencies.append(time.process_time() - started)
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p99 = latencies[int(len(latencies) * 0.99)] * 1000
    print(f"live check per turn     : p50 {p50:.3f} ms, p99 {p99:.3f} ms over {len(latencies)} turns (target p99 < 2 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
