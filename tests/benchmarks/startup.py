"""Startup benchmark: wall time of `essctl --help` against a minimal two-command Typer app's `--help`.

    .venv/bin/python -m tests.benchmarks.startup [--runs 21]

Runs the two in turn (so machine noise hits both alike), each in a fresh interpreter, and prints medians.
Target: essctl within 1.25x of the minimal app. Not a test: timings belong in a benchmark, not an assertion.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES = {
    "minimal typer app --help": [sys.executable, str(HERE / "minimal_app.py"), "--help"],
    "essctl --help": [sys.executable, "-m", "essctl", "--help"],
    # Past the root, Typer 0.29 coerces parameters through pydantic (~60 ms here), for any app:
    "minimal typer app hello x": [sys.executable, str(HERE / "minimal_app.py"), "hello", "x"],
    "essctl group list --help": [sys.executable, "-m", "essctl", "group", "list", "--help"],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for name, command in CASES.items():   # warm the page cache and .pyc files
        subprocess.run(command, env=env, capture_output=True, check=True)
    for _ in range(runs):
        for name, command in CASES.items():
            started = time.perf_counter()
            subprocess.run(command, env=env, capture_output=True, check=True)
            times[name].append(time.perf_counter() - started)
    baseline = statistics.median(times["minimal typer app --help"])
    print(f"{'case':<28} {'median ms':>10} {'min ms':>8} {'ratio':>6}   ({runs} runs each, interleaved)")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:<28} {median * 1000:>10.0f} {min(samples) * 1000:>8.0f} {median / baseline:>6.2f}")


if __name__ == "__main__":
    main()
