"""Startup benchmark: each essctl case against its yardstick, each run in a fresh interpreter, runs interleaved.

    .venv/bin/python -m tests.benchmarks.startup [--runs 21] [--only help|cloud]

- help: `essctl --help` (and a subcommand's) against a minimal two-command Typer app. Target: within 1.25x.
- cloud: `--tape demo group list` and each built-in recipe's `recipe run NAME --dry-run` against the bare import
  of the three SDK clients essctl uses (`python -c "import alibabacloud_ess20220222.client, ..."`). Target: 1.0x
  (essctl keeps aiohttp and the SDK's other asynchronous parts unloaded, which the bare import loads).

Runs the cases in turn, round after round (so machine noise hits all alike), and prints medians of wall time and of
CPU time (user + system of the child: steadier on a busy machine). Not a test: timings belong in a benchmark, not an
assertion.

Every case runs from bytecode, as an installed essctl does (pip compiles it; the SDKs' own .pyc files are there):
the warm-up round writes essctl's .pyc files even where PYTHONDONTWRITEBYTECODE is set, which would otherwise have
essctl compile its ~100 modules from source on every run (~100 ms) while the yardstick reads compiled SDK modules.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ESSCTL = [sys.executable, "-m", "essctl"]
SDK_IMPORT = ("import alibabacloud_ess20220222.client, alibabacloud_oos20190601.client, "
              "alibabacloud_ram20150501.client")


def help_cases() -> dict[str, list[str]]:
    return {
        "minimal typer app --help": [sys.executable, str(HERE / "minimal_app.py"), "--help"],
        "essctl --help": [*ESSCTL, "--help"],
        # Past the root, Typer 0.29 coerces parameters through pydantic (~60 ms here), for any app:
        "minimal typer app hello x": [sys.executable, str(HERE / "minimal_app.py"), "hello", "x"],
        "essctl group list --help": [*ESSCTL, "group", "list", "--help"],
    }


def cloud_cases() -> dict[str, list[str]]:
    from essctl.recipe.catalog import builtin_recipe_paths

    cases = {
        "import the 3 SDK clients": [sys.executable, "-c", SDK_IMPORT],
        "--tape demo group list": [*ESSCTL, "--tape", "demo", "group", "list"],
    }
    for name in builtin_recipe_paths():
        cases[f"recipe run {name} --dry-run"] = [*ESSCTL, "recipe", "run", name, "--dry-run", "--output", "json"]
    return cases


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(cases: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, tuple[list, list]]:
    """(wall seconds, CPU seconds) of every run of every case."""
    times: dict[str, tuple[list, list]] = {name: ([], []) for name in cases}
    for command in cases.values():   # warm the page cache and .pyc files
        subprocess.run(command, env=env, capture_output=True, check=True)
    for _ in range(runs):
        for name, command in cases.items():
            cpu, started = child_cpu(), time.perf_counter()
            subprocess.run(command, env=env, capture_output=True, check=True)
            times[name][0].append(time.perf_counter() - started)
            times[name][1].append(child_cpu() - cpu)
    return times


def report(title: str, times: dict[str, tuple[list, list]], runs: int) -> None:
    baseline = next(iter(times))
    wall0, cpu0 = (statistics.median(samples) for samples in times[baseline])
    print(f"\n{title}: ratios to '{baseline}' ({runs} runs each, interleaved)")
    print(f"{'case':<44} {'wall ms':>8} {'min ms':>7} {'ratio':>6} {'cpu ms':>8} {'ratio':>6}")
    for name, (wall, cpu) in times.items():
        print(f"{name:<44} {statistics.median(wall) * 1000:>8.0f} {min(wall) * 1000:>7.0f} "
              f"{statistics.median(wall) / wall0:>6.2f} {statistics.median(cpu) * 1000:>8.0f} "
              f"{statistics.median(cpu) / cpu0:>6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--only", choices=("help", "cloud"))
    options = parser.parse_args()
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)    # see the module's docstring
    if options.only != "cloud":
        report("help", measure(help_cases(), options.runs, env), options.runs)
    if options.only != "help":
        report("cloud", measure(cloud_cases(), options.runs, env), options.runs)


if __name__ == "__main__":
    main()
