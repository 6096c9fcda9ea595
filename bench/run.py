"""Run every ``bench/bench_*.py`` in turn; each prints its own report.

Each benchmark measures its target and a baseline in the same run and reports
the ratio, because these machines are too noisy for absolute thresholds.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    failures = 0
    selected = sys.argv[1:]
    for script in sorted(HERE.glob("bench_*.py")):
        if selected and not any(name in script.stem for name in selected):
            continue
        print(f"\n=== {script.stem} ===", flush=True)
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
