"""Benchmark archive re-scoring: ``kefu qa score`` on the same shards in one
process, with ``--workers 2``, and as a Ray Data job on a local Ray instance
with 2 CPUs (``--ray --workers 2``).

Reports calls/s of wall time as ratios to the one-process run measured in
the same run (these machines are noisy), each the best of ROUNDS, the runs
interleaved. Each run is the command an operator types, in its own process,
so the Ray figure includes starting and stopping the Ray instance and its
actors; a last line scores the same shards on an instance already running,
which is what a long archive job approaches. All outputs must be the same
bytes, or the figures mean nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kefu.qa import cli, raybatch
from kefu.qa.synth import hotline_calls

N_CALLS = 3000
N_SHARDS = 10
ROUNDS = 2


def timed(argv: list[str]) -> float:
    """Wall seconds of ``kefu qa score ARGV…`` in a process of its own."""
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "kefu.cli", "qa", *argv], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    assert run.returncode == 0, run.stderr
    return elapsed


def main() -> int:
    calls = hotline_calls(N_CALLS, seed=23)
    per_shard = N_CALLS // N_SHARDS
    with tempfile.TemporaryDirectory() as tmp:
        shards = []
        for i in range(N_SHARDS):
            path = Path(tmp) / f"day-{i:02d}.jsonl"
            chunk = calls[i * per_shard : (i + 1) * per_shard]
            path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in chunk), encoding="utf-8")
            shards.append(str(path))
        mib = sum(os.path.getsize(p) for p in shards) / 2**20
        print(f"{N_CALLS} synthetic hotline calls in {N_SHARDS} JSON-lines shards ({mib:.1f} MiB), default rulebooks")

        runs: dict[str, list[str]] = {"1 process": [], "--workers 2": ["--workers", "2"]}
        if raybatch.ray_installed():
            runs["--ray, 2 CPUs"] = ["--ray", "--workers", "2"]
        outputs = {name: Path(tmp) / f"out-{i}.jsonl" for i, name in enumerate(runs)}
        best = {name: float("inf") for name in runs}
        for _ in range(ROUNDS):  # interleaved, so load from other processes hits all
            for name, extra in runs.items():
                best[name] = min(best[name], timed(["score", *shards, *extra, "--output", str(outputs[name])]))

        warm = None
        if raybatch.ray_installed():  # in this process, last: nothing forks after Ray starts
            started = time.perf_counter()
            raybatch.start_local(num_cpus=2)
            ray_start = time.perf_counter() - started
            outputs["warm"] = Path(tmp) / "out-warm.jsonl"
            argv = ["score", *shards, "--ray", "--workers", "2", "--output", str(outputs["warm"])]
            for _ in range(ROUNDS):
                started = time.perf_counter()
                assert cli.main(argv) == 0
                warm = min(warm or float("inf"), time.perf_counter() - started)
            import ray

            ray.shutdown()
        baseline = outputs["1 process"].read_bytes()
        for name, output in outputs.items():
            assert output.read_bytes() == baseline, f"{name}: output differs from one process's"

    base_rate = N_CALLS / best["1 process"]
    for name in runs:
        rate = N_CALLS / best[name]
        print(f"kefu qa score, {name:<13}: {rate:7.0f} calls/s wall  {rate / base_rate:5.2f}× one process")
    if warm is None:
        print("kefu qa score --ray        : skipped — Ray is not installed (pip install 'kefu[ray]')")
    else:
        rate = N_CALLS / warm
        print(f"  the same, Ray already up  : {rate:7.0f} calls/s wall  {rate / base_rate:5.2f}× one process "
              f"(starting the instance took {ray_start:.1f} s)")
    print(f"outputs identical          : yes ({len(baseline):,} bytes each); load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
