"""Re-record the bundled tapes that replay recipe runs and diagnoses offline (essctl/tapes/):

- recipe-NAME.yaml, what `essctl recipe run NAME --dry-run` replays: each built-in recipe run live against a fresh
  sandbox (the default scenario: one group, OOSServiceRole with no policy yet) with the examples of its inputs;
- run-command-slow-script.yaml, a failing run to rehearse (`recipe run run-command --dry-run --tape
  run-command-slow-script`): the script outlasts the hook's timeout, and the run diagnoses itself;
- diagnose-SCENARIO.yaml, `essctl diagnose --group asg-sandbox000000000001` on each failure of
  tests/support/failure_scenarios.py (`essctl diagnose --tape diagnose-forbidden-ram --group ...`);
- doctor.yaml, what `essctl doctor --dry-run` replays: the probe of a fresh sandbox, account redacted;
- rollout-KIND.yaml, what `essctl rollout start ... --dry-run` replays: a rollout of each documented template
  (image, script, package, download-file, download-oss-file) and an instance refresh (refresh) in a group of four
  instances, in two batches.

    .venv/bin/python -m tools.record_tapes [NAME ...]      (or: make tapes)

Everything runs through the real SDK clients; the sandbox serves its own stand-in templates, so no Alibaba template
text ends up on a tape.
"""
from __future__ import annotations

import io
import os
import sys
from contextlib import redirect_stdout
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TAPES = REPO / "essctl" / "tapes"
KEY_ID, SECRET = "sbx-recording-key", "sbx-recording-secret"
# Failures whose diagnosis is recorded ("throttled" is not: a tape holds what the SDK returned after its retries).
DIAGNOSED = ("forbidden-ram", "hook-timeout", "activity-in-progress")


# Slow enough for a few poll rounds of each state on a tape (at 100x a whole run fits in two rounds).
RECIPE_SPEED = 25
ROLLOUT_SCENARIO = """
groups:
  - {id: asg-sandbox000000000001, name: web, max: 10, instances: 4, image: m-old}
roles:
  - {name: OOSServiceRole, trusted: [oos.aliyuncs.com]}
"""
# rollout-KIND: the flags of `essctl rollout start` that record it.
ROLLOUTS = {
    "image": ["--image", "m-new"],
    "script": ["--script", "echo updated", "--rollback-script", "echo undone"],
    "package": ["--package", "nginx", "--package-version", "1.2"],
    "download-file": ["--template", "ACS-ESS-RollingUpdateByDownloadFileAndRunCommand",
                      "-p", "invokeSourcePath=https://example.com/app-2.tar.gz", "-p", "invokeDestinationDir=/opt/app",
                      "-p", "invokeScript=echo updated", "-p", "rollbackSourcePath=https://example.com/app-1.tar.gz",
                      "-p", "rollbackDestinationDir=/opt/app"],
    "download-oss-file": ["--template", "ACS-ESS-RollingUpdateByDownloadOSSFileAndRunCommand",
                          "-p", "invokeBucketName=my-bucket", "-p", "invokeObjectName=app-2.tar.gz",
                          "-p", "invokeDestinationDir=/opt/app", "-p", "invokeScript=echo updated",
                          "-p", "rollbackBucketName=my-bucket", "-p", "rollbackObjectName=app-1.tar.gz",
                          "-p", "rollbackDestinationDir=/opt/app"],
    "refresh": ["--engine", "instance-refresh", "--image", "m-new", "--min-healthy", "50"],
}

SLOW_SCRIPT = "behaviour: {ACS-ESS-LifeCycleRunCommand: {duration: 1200}}\n"   # > the recipe's 900 s hook timeout


def _record(out: Path, scenario: str | None, argv: list[str], *, expect: int, source: str,
            stage: str | None = None, speed: float = 100) -> None:
    """Run essctl with --record against a fresh sandbox (after staging a failure, if asked)."""
    from essctl.cli.app import run
    from essctl.cloud.tape import Tape
    from essctl.sandbox import AccessKey, Sandbox
    from essctl.sandbox.scenario import parse_scenario

    out.unlink(missing_ok=True)
    world = parse_scenario(scenario, source=out.stem) if scenario else None
    with Sandbox(world, credentials=[AccessKey(KEY_ID, SECRET)], speed=speed) as box:
        if stage:
            from tests.support import failure_scenarios

            failure_scenarios.stage(stage, box)
        with redirect_stdout(io.StringIO()):
            code = run([*argv, "--endpoint", box.endpoint, "--region", "cn-hangzhou", "--record", str(out),
                        "-o", "json"])
    if code != expect:
        raise SystemExit(f"recording {out.name}: exit {code}, expected {expect}")
    tape = Tape.load(out)
    tape.source = f"the essctl sandbox ({source}, stand-in templates)"
    tape.save(out)
    print(f"{out.relative_to(REPO)}: {len(tape.interactions)} calls", file=sys.stderr)


def record(names: list[str]) -> None:
    for variable in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        os.environ.pop(variable, None)
    os.environ.update({"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "ALIBABA_CLOUD_ACCESS_KEY_ID": KEY_ID,
                       "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET})
    from essctl.recipe.catalog import builtin_recipe_paths, find_recipe
    from tests.support.failure_scenarios import SCENARIOS
    from tests.support.recipe_examples import example_arguments
    from tests.support.sandbox_steps import GROUP

    recipes = sorted(builtin_recipe_paths())
    wanted = names or [*recipes, "run-command-slow-script", *(f"diagnose-{s}" for s in DIAGNOSED), "doctor",
                       *(f"rollout-{kind}" for kind in ROLLOUTS)]
    for name in wanted:
        fast = ["--yes", "--poll-interval", "0.02"]
        if name in recipes:
            _record(TAPES / f"recipe-{name}.yaml", None, ["recipe", "run", name, "--group", GROUP, *fast,
                    *example_arguments(find_recipe(name))], expect=0, source="default scenario",
                    speed=RECIPE_SPEED)
        elif name == "run-command-slow-script":
            _record(TAPES / f"{name}.yaml", SCENARIOS["forbidden-ram"] + SLOW_SCRIPT,
                    ["recipe", "run", "run-command", "--group", GROUP, *fast,
                     *example_arguments(find_recipe("run-command"))],
                    expect=1, source="a 1200 s script behind a 900 s hook", speed=600)
        elif name.startswith("diagnose-") and name[len("diagnose-"):] in DIAGNOSED:
            scenario = name[len("diagnose-"):]
            _record(TAPES / f"{name}.yaml", SCENARIOS[scenario], ["diagnose", "--group", GROUP], expect=1,
                    source=f"failure scenario {scenario}", stage=scenario)
        elif name.startswith("rollout-") and name[len("rollout-"):] in ROLLOUTS:
            _record(TAPES / f"{name}.yaml", ROLLOUT_SCENARIO, ["rollout", "start", "--group", GROUP, "--batches", "2",
                    *fast, *ROLLOUTS[name[len("rollout-"):]]], expect=0, source="a group of four instances")
        elif name == "doctor":
            _record(TAPES / "doctor.yaml", None, ["doctor", "--redact-account"], expect=0, source="default scenario")
        else:
            raise SystemExit(f"unknown tape {name!r}")


if __name__ == "__main__":
    record(sys.argv[1:])
