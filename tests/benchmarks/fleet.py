"""Fleet benchmark: one recipe across many scaling groups in one essctl process, against one group's run.

    .venv/bin/python -m tests.benchmarks.fleet [--speed 1 --speed 20] [--groups 100] [--regions 3 --per-region 30]
                                               [--quota 10] [--parallel 16]

For each sandbox speed (1: real pacing, an instance launches in 10 s and run-command's execution takes 30 s; N:
compressed N times), a fresh in-process sandbox with every group Active at one instance, and essctl run as a separate
process (as a user's shell would), through the real SDK:

1. one group: `essctl recipe run run-command --group G --yes` (set up, scale out by one, watch to the end);
2. fleet, one region: `--groups-from` of `--groups` groups with `--trigger all` (each sets up and scales out);
3. fleet, several regions: `--regions` x `--per-region` groups, `--region` given once per region;
4. the same three without scaling (`--no-trigger`, `--trigger none`): the set-up alone.

The sandbox answers each API action at most `--quota` calls a second (per region; RAM's once for the account) with
`Throttling`, the documented flow-control error, so essctl's rate limit (starting at 20 a second) meets throttling,
absorbs it through the SDK's retries and slows down. Printed per case: wall time, its ratio to the one-group case of
the same kind (goal: 100 groups within 1.5x of one group's run), API calls per group, throttled answers (as the
sandbox counted them, and as essctl saw them), the exit code, and the race check (the run-command policy has exactly
one version, and no group failed).

Not a test: timings belong in a benchmark, not an assertion.
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

REPO = Path(__file__).resolve().parents[2]
KEY_ID, SECRET = "bench-key-0001", "bench-secret-0001"     # obviously fake: the sandbox accepts any key it is given
POLICY = "ESSHookPolicyForRunCommand"
REGIONS = ("cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-qingdao")


def group_id(region_index: int, number: int) -> str:
    """As essctl.sandbox.scenario.fleet_scenario names them."""
    return f"asg-fleet{region_index:02d}{number:06d}"


def essctl(args: list[str], endpoint: str, home: Path, stdin: str | None = None) -> tuple[int, float, str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ALIBABA_CLOUD_")}
    env.update({"HOME": str(home), "ESSCTL_ENDPOINT": endpoint, "ALIBABA_CLOUD_ACCESS_KEY_ID": KEY_ID,
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET, "ALIBABA_CLOUD_REGION_ID": REGIONS[0],
                "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "NO_COLOR": "1"})
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "essctl", *args], env=env, input=stdin, capture_output=True,
                          text=True, timeout=3600, cwd=REPO)
    return proc.returncode, time.monotonic() - started, proc.stdout, proc.stderr


def throttled_by_sandbox(box) -> int:
    counts = getattr(box.faults, "throttled", None) or {}
    return sum(counts.values()) if isinstance(counts, dict) else int(counts)


def one_case(speed: float, regions: int, per_region: int, quota: float, parallel: int, trigger: bool,
             fleet: bool, rate: float | None) -> dict:
    from essctl.sandbox import AccessKey, Sandbox
    from essctl.sandbox.scenario import fleet_scenario, parse_scenario

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        world = parse_scenario(fleet_scenario(per_region, REGIONS[:regions], quotas={"*": quota} if quota else None))
        with Sandbox(world, speed=speed, credentials=[AccessKey(KEY_ID, SECRET)]) as box:
            common = ["recipe", "run", "run-command", "-p", "commandContent=echo hi", "--yes", "-o", "json"]
            if fleet:
                listed = "".join(json.dumps({"ScalingGroupId": group_id(r, n), "RegionId": REGIONS[r]}) + ",\n"
                                 for r in range(regions) for n in range(per_region))
                args = [*common, "--groups-from", "-", "--trigger", "all" if trigger else "none",
                        "--parallel", str(parallel), *(["--rate", f"{rate:g}"] if rate else []), *[part for r in REGIONS[:regions] for part in ("--region", r)]]
                code, wall, out, err = essctl(args, box.endpoint, home, stdin="[" + listed.rstrip(",\n") + "]")
                lines = [json.loads(line) for line in out.splitlines() if line.strip()]
                summary = lines[-1] if lines else {}
                groups, calls = summary.get("Groups", 0), summary.get("Calls", 0)
                seen = summary.get("Throttled", 0)
                bad = [line for line in lines if line.get("Event") == "GroupEnded" and line.get("ExitCode")]
            else:
                args = [*common, "--group", group_id(0, 0), *([] if trigger else ["--no-trigger"])]
                code, wall, out, err = essctl(args, box.endpoint, home)
                report = json.loads(out) if out.strip() else {}
                groups, calls, seen, bad = 1, len(report.get("Calls", [])), 0, []
            policy = box.backends.ram.policies.get(POLICY)
            return {"code": code, "wall": wall, "groups": groups, "calls": calls, "seen": seen,
                    "throttled": throttled_by_sandbox(box), "versions": len(policy["versions"]) if policy else 0,
                    "failed": len(bad), "error": err.strip().splitlines()[-1] if code and err.strip() else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--speed", type=float, action="append")
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--regions", type=int, default=3)
    parser.add_argument("--per-region", type=int, default=30)
    parser.add_argument("--quota", type=float, default=10.0)
    parser.add_argument("--parallel", type=int, default=16)
    parser.add_argument("--rate", type=float, help="essctl's --rate (default: its own)")
    options = parser.parse_args()
    for speed in options.speed or [1.0, 20.0]:
        print(f"\nsandbox speed x{speed:g}{' (real pacing)' if speed == 1 else ''}; quota {options.quota:g} calls/s "
              f"per action; --parallel {options.parallel}; --rate {options.rate or 'default'}")
        print(f"{'case':<34} {'groups':>6} {'wall s':>7} {'ratio':>6} {'calls/grp':>9} {'throttled':>9} "
              f"{'seen':>5} {'exit':>4} {'versions':>8} {'failed':>6}")
        for trigger in (True, False):
            base = None
            cases = [("one group", 1, 1, False), (f"fleet {options.groups} x 1 region", 1, options.groups, True),
                     (f"fleet {options.regions} regions x {options.per_region}", options.regions,
                      options.per_region, True)]
            for name, regions, per_region, fleet in cases:
                row = one_case(speed, regions, per_region, options.quota, options.parallel, trigger, fleet,
                               options.rate)
                base = base or row["wall"]
                label = f"{name}{'' if trigger else ', set-up only'}"
                print(f"{label:<34} {row['groups']:>6} {row['wall']:>7.1f} {row['wall'] / base:>6.2f} "
                      f"{row['calls'] / max(row['groups'], 1):>9.1f} {row['throttled']:>9} {row['seen']:>5} "
                      f"{row['code']:>4} {row['versions']:>8} {row['failed']:>6}" + (f"  {row['error']}" if row['error']
                                                                                  else ""), flush=True)


if __name__ == "__main__":
    main()
