"""Convergence benchmark (a script; tests/e2e/test_converge_benchmark.py asserts its invariant): recipe runs under
random lost answers and throttling, each run changing the policy document and the hook, counting the policy
versions created against the changes asked.

    .venv/bin/python -m tests.benchmarks.converge [--runs 20] [--seed 1] [--compare]

Each run is `essctl recipe run` in this process against one sandbox, alternating two copies of the run-command
recipe whose policies differ by one action (so every run asks for a new policy version) and two command contents
(so every run modifies the hook). The sandbox's faults, seeded: random throttling (with x-acs-retry-after) and 503s,
and `after_apply` rules that apply a call and then answer 503 (a lost answer) on random call numbers of every
create, modify and attach. A change is asked when the policy's default document before the run differs from the
run's. `--compare` repeats the runs with the SDK retrying every call, as essctl did before facts/idempotence.py.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GROUP = "asg-sandbox000000000001"
POLICY = "ESSHookPolicyForRunCommand"
LOST_ANSWER_ACTIONS = ("CreatePolicy", "CreatePolicyVersion", "AttachPolicyToRole", "CreateLifecycleHook",
                       "ModifyLifecycleHook", "CreateScalingRule")
EXTRA_ACTION = "ecs:DescribeInstances"      # what the second recipe's policy adds


@dataclass
class Figures:
    runs: int = 0
    exit_codes: dict[int, int] = field(default_factory=dict)
    changes_asked: int = 0
    versions_created: int = 0
    runs_over: list[int] = field(default_factory=list)       # runs that made more versions than they asked for
    lost_answers: int = 0           # after_apply faults answered
    refused: dict[str, int] = field(default_factory=dict)     # random faults answered, by code
    read_backs: dict[str, int] = field(default_factory=dict)  # the gateways' checks, by verdict
    wrong_document: list[int] = field(default_factory=list)   # runs that ended 0 without their document in place
    failures: list[str] = field(default_factory=list)         # "run N: the error line" of runs not ending 0
    hooks: int = 0
    rules: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        codes = ", ".join(f"exit {code}: {count}" for code, count in sorted(self.exit_codes.items()))
        return [
            f"runs: {self.runs} ({codes}) in {self.seconds:.1f} s",
            f"policy changes asked: {self.changes_asked}; policy versions created: {self.versions_created}"
            + (f"; runs with more versions than changes: {self.runs_over}" if self.runs_over else ""),
            f"faults answered: {self.lost_answers} lost answers (applied, then 503), "
            + ", ".join(f"{count} {code}" for code, count in sorted(self.refused.items())),
            "read-backs by the gateways: " + (", ".join(f"{count} {verdict}" for verdict, count in
                                                        sorted(self.read_backs.items())) or "none"),
            f"at the end: {self.hooks} hook(s), {self.rules} rule(s); runs ending 0 without their document: "
            f"{self.wrong_document or 'none'}",
            *self.failures,
        ]


def recipe_files(directory: Path) -> tuple[Path, Path]:
    """run-command as shipped, and a copy whose policy also allows EXTRA_ACTION."""
    from essctl.recipe.catalog import builtin_recipe_paths

    text = builtin_recipe_paths()["run-command"].read_text(encoding="utf-8")
    wider = text.replace("Action: [ecs:DescribeInvocationResults,", f"Action: [{EXTRA_ACTION}, "
                                                                    "ecs:DescribeInvocationResults,")
    assert wider != text
    first, second = directory / "run-command.yaml", directory / "run-command-wider.yaml"
    first.write_text(text, encoding="utf-8")
    second.write_text(wider, encoding="utf-8")
    return first, second


def scenario_text(seed: int, runs: int, *, throttle_rate: float, server_error_rate: float,
                  lost_rate: float) -> str:
    """The default world with seeded random faults and lost answers on random call numbers."""
    import yaml

    from essctl.sandbox.scenario import DEFAULT_SCENARIO

    chooser = random.Random(seed)
    world = yaml.safe_load(DEFAULT_SCENARIO.read_text(encoding="utf-8"))
    rules = []
    for action in LOST_ANSWER_ACTIONS:
        calls = [n for n in range(1, 3 * runs + 1) if chooser.random() < lost_rate]
        if calls:
            rules.append({"action": action, "calls": calls, "after_apply": True,
                          "error": {"code": "ServiceUnavailable", "status": 503, "retry_after_ms": 10}})
    world["faults"] = {"seed": seed, "throttle_rate": throttle_rate, "server_error_rate": server_error_rate,
                       "retry_after_ms": 10, "rules": rules}
    return yaml.safe_dump(world)


def _count_faults(faults: Any) -> dict[str, int]:
    """Wrap the sandbox's fault decisions to count what they answered (the sandbox itself is unchanged)."""
    counts: dict[str, int] = {}
    decide = faults.decide

    def counting(action: str) -> Any:
        delay, before, after = decide(action)
        if after is not None:
            counts["lost"] = counts.get("lost", 0) + 1
        elif before is not None:
            counts[before.code] = counts.get(before.code, 0) + 1
        return delay, before, after

    faults.decide = counting
    return counts


def churn(sandbox: Any, runs: int, directory: Path) -> Figures:
    """`runs` recipe runs against `sandbox`, alternating the two policies and two command contents."""
    from essctl.cli.app import run
    from essctl.policies.documents import same_policy
    from essctl.recipe.catalog import find_recipe

    recipes = recipe_files(directory)
    wanted = [find_recipe(str(path)).policy_spec(None).document for path in recipes]
    ram = sandbox.backends.ram
    counts = _count_faults(sandbox.faults)
    figures = Figures(runs=runs)
    started = time.monotonic()
    for number in range(runs):
        which = number % 2
        with sandbox.world.lock:
            policy = ram.policies.get(POLICY)
            before = json.loads(ram.default_version(policy)["PolicyDocument"]) if policy else None
            created_before = policy["next_version"] - 1 if policy else 0
        asked = before is None or not same_policy(before, wanted[which])
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(["recipe", "run", str(recipes[which]), "--group", GROUP, "--yes", "-o", "json", "--no-trigger",
                        "--endpoint", sandbox.endpoint, "--region", "cn-hangzhou",
                        "-p", f"commandContent=echo {'ab'[which]}"])
        figures.exit_codes[code] = figures.exit_codes.get(code, 0) + 1
        if code != 0:
            figures.failures.append(f"run {number + 1}: {err.getvalue().strip().splitlines()[-1]}")
        report = json.loads(out.getvalue()) if out.getvalue().strip() else {}
        for check in report.get("Checks", []):
            figures.read_backs[check["Verdict"]] = figures.read_backs.get(check["Verdict"], 0) + 1
        with sandbox.world.lock:
            policy = ram.policies.get(POLICY)
            created = (policy["next_version"] - 1 if policy else 0) - created_before
            now = json.loads(ram.default_version(policy)["PolicyDocument"]) if policy else None
        figures.changes_asked += asked
        figures.versions_created += created
        if created > int(asked):
            figures.runs_over.append(number + 1)
        if code == 0 and (now is None or not same_policy(now, wanted[which])):
            figures.wrong_document.append(number + 1)
    figures.seconds = time.monotonic() - started
    figures.lost_answers = counts.pop("lost", 0)
    figures.refused = counts
    figures.hooks = sum(1 for hook in sandbox.backends.ess.hooks.values() if hook["ScalingGroupId"] == GROUP)
    figures.rules = sum(1 for rule in sandbox.backends.ess.rules.values() if rule["ScalingGroupId"] == GROUP)
    return figures


@contextlib.contextmanager
def sdk_retries_everything():
    """essctl as it was before facts/idempotence.py: the SDK retries every call, mutating or not."""
    import essctl.cloud.session as session_module

    sent_once = session_module.sent_once
    session_module.sent_once = lambda service, action: False
    try:
        yield
    finally:
        session_module.sent_once = sent_once


def bench(runs: int, seed: int, **rates: float) -> Figures:
    from essctl.sandbox import AccessKey, Sandbox
    from essctl.sandbox.scenario import parse_scenario

    scenario = parse_scenario(scenario_text(seed, runs, **rates))
    key = AccessKey(os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"], os.environ["ALIBABA_CLOUD_ACCESS_KEY_SECRET"])
    with tempfile.TemporaryDirectory(prefix="essctl-converge-") as directory, \
            Sandbox(scenario, speed=200, credentials=[key]) as sandbox:
        return churn(sandbox, runs, Path(directory))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--throttle-rate", type=float, default=0.08)
    parser.add_argument("--server-error-rate", type=float, default=0.02)
    parser.add_argument("--lost-rate", type=float, default=0.35, help="share of call numbers answered 503 after "
                                                                      "being applied, per mutating action")
    parser.add_argument("--compare", action="store_true", help="also run with the SDK retrying every call")
    args = parser.parse_args()
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALIBABA_CLOUD_SECURITY_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update(HOME=tempfile.mkdtemp(prefix="essctl-bench-"), ALIBABA_CLOUD_ECS_METADATA_DISABLED="true",
                      ALIBABA_CLOUD_ACCESS_KEY_ID="bench-key-0001", ALIBABA_CLOUD_ACCESS_KEY_SECRET="bench-secret-0001")
    rates = {"throttle_rate": args.throttle_rate, "server_error_rate": args.server_error_rate,
             "lost_rate": args.lost_rate}
    print(f"{args.runs} runs, seed {args.seed}, throttle_rate {args.throttle_rate}, server_error_rate "
          f"{args.server_error_rate}, lost answers on {args.lost_rate:.0%} of the call numbers of "
          f"{', '.join(LOST_ANSWER_ACTIONS)}")
    print("essctl (calls without ClientToken sent once, read back after a lost answer):")
    for line in bench(args.runs, args.seed, **rates).lines():
        print(f"  {line}")
    if args.compare:
        print("the same runs with the SDK retrying every call (essctl before facts/idempotence.py):")
        with sdk_retries_everything():
            for line in bench(args.runs, args.seed, **rates).lines():
                print(f"  {line}")


if __name__ == "__main__":
    main()
