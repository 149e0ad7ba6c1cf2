"""Re-record the tapes that `essctl recipe run NAME --dry-run` replays (essctl/tapes/recipe-NAME.yaml).

    .venv/bin/python tests/record_recipe_tapes.py [NAME ...]      (or: make tapes)

Each built-in recipe runs live, through the real SDK clients, against a fresh sandbox (the default scenario: one
group, OOSServiceRole with no policy yet), with the examples of its required inputs, and every call is recorded.
The sandbox serves its own stand-in templates, so no Alibaba template text ends up on a tape.
"""
from __future__ import annotations

import io
import json
import os
import sys
from contextlib import redirect_stdout
from pathlib import Path

HERE = Path(__file__).resolve().parent
TAPES = HERE.parent / "essctl" / "tapes"
KEY_ID, SECRET = "sbx-recording-key", "sbx-recording-secret"
GROUP = "asg-sandbox000000000001"


def example_arguments(recipe) -> list[str]:
    """-p NAME=EXAMPLE for each required input: what a dry-run uses when the user gives none."""
    args = []
    for item in recipe.inputs:
        if item.required and item.example is not None:
            value = item.example if isinstance(item.example, str) else json.dumps(item.example)
            args += ["-p", f"{item.name}={value}"]
    return args


def record(names: list[str]) -> None:
    for variable in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        os.environ.pop(variable, None)
    os.environ.update({"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "ALIBABA_CLOUD_ACCESS_KEY_ID": KEY_ID,
                       "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET})
    from essctl.cli.app import run
    from essctl.cloud.tape import Tape
    from essctl.core.recipes import builtin_recipe_paths, find_recipe
    from essctl.sandbox import AccessKey, Sandbox

    for name in names or sorted(builtin_recipe_paths()):
        out = TAPES / f"recipe-{name}.yaml"
        out.unlink(missing_ok=True)
        with Sandbox(credentials=[AccessKey(KEY_ID, SECRET)], speed=100) as box, redirect_stdout(io.StringIO()):
            code = run(["recipe", "run", name, "--group", GROUP, "--yes", "--endpoint", box.endpoint,
                        "--region", "cn-hangzhou", "--record", str(out), "--poll-interval", "0.02", "-o", "json",
                        *example_arguments(find_recipe(name))])
        if code != 0:
            raise SystemExit(f"recording {name} failed (exit {code})")
        tape = Tape.load(out)
        tape.source = "the essctl sandbox (default scenario, stand-in templates)"
        tape.save(out)
        print(f"{out.relative_to(HERE.parent)}: {len(tape.interactions)} calls", file=sys.stderr)


if __name__ == "__main__":
    record(sys.argv[1:])
