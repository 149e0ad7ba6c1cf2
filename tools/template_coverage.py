"""How many of Alibaba's public ACS-ESS-* templates essctl runs against the sandbox with zero file edits, and why the
others do not: each is run through essctl's real path (the SDK clients, a fresh sandbox serving the public files of
../shared/oos-templates):

- a rolling-update template: `essctl rollout start --template NAME -p ... --yes`;
- a lifecycle-hook template: the built-in recipe that runs it, else `essctl recipe init --template NAME
  --output-file F` (the skeleton as written) and `essctl recipe run F -p ... --yes`;
- any other: `essctl execution start NAME -p ... --yes`.

    .venv/bin/python -m tools.template_coverage

Required inputs get a placeholder value of their type; a run counts when it exits 0.
"""
from __future__ import annotations

import io
import json
import os
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO.parent / "shared" / "oos-templates"
KEY_ID, SECRET = "sbx-coverage-key", "sbx-coverage-secret"
GROUP = "asg-coverage000000000001"
SCENARIO = f"""
groups:
  - {{id: {GROUP}, name: web, max: 10, instances: 2}}
roles:
  - {{name: OOSServiceRole, trusted: [oos.aliyuncs.com]}}
"""


def _value(parameter) -> str:
    kind, name = parameter.type, parameter.name
    if parameter.allowed_values:
        return str(parameter.allowed_values[0])
    if kind == "List":
        return '["sandbox-1"]'
    if kind == "Json":
        return "{}"
    if kind == "Number":
        return "1"
    if kind == "Boolean":
        return "true"
    return "r-sandbox0001" if name.lower().endswith("id") else "sandbox"


def _essctl(box, *args: str) -> tuple[int, str]:
    """Exit code and the last error line; a rollout that updated no instance (none of the kind it updates) is
    counted as not run."""
    from essctl.cli.app import run

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        as_json = [] if args[:2] == ("recipe", "init") else ["-o", "json"]     # init writes YAML only
        code = run([*args, "--endpoint", box.endpoint, "--region", "cn-hangzhou", *as_json])
    lines = [line for line in err.getvalue().splitlines() if line.strip() and "succeeded:" not in line]
    if code == 0 and args[0] == "rollout":
        batches = (json.loads(out.getvalue()).get("Watch") or {}).get("Batches") or []
        if not batches or not all(b["Done"] == len(b["Instances"]) for b in batches):
            return 1, "the rollout ended without updating any instance (the sandbox models no instance of its kind)"
    return code, lines[-1] if lines else ""


def _required(template, box=None) -> list[str]:
    """-p for every required parameter: the sandbox group's own configuration and instance where one is named,
    else a placeholder of its type."""
    real = {}
    if box is not None:
        ess = box.world.ess
        configuration = ess.groups[GROUP].get("ActiveScalingConfigurationId")
        instance = sorted(i for i, item in ess.instances.items() if item.get("ScalingGroupId") == GROUP)[0]
        real = {"scalingconfigurationid": configuration, "scalingconfigurationids": json.dumps([configuration]),
                "instanceid": instance}
    args = []
    for parameter in template.parameters.values():
        if parameter.required and parameter.name not in ("invokeType", "scalingGroupId", "ScalingGroupId") \
                and not parameter.placeholder:
            args += ["-p", f"{parameter.name}={real.get(parameter.name.lower()) or _value(parameter)}"]
    return args


def attempt(name: str, folder: Path, keys: list | None = None) -> tuple[str, int, str]:
    """(how essctl runs it, exit code, the last error line); the sandbox accepts `keys` (default: the tool's own)."""
    from essctl.facts.rollout import TEMPLATES as ROLLOUTS
    from essctl.recipe.catalog import builtin_recipe_paths
    from essctl.recipe.load import load_recipe
    from essctl.sandbox import AccessKey, Sandbox
    from essctl.sandbox.scenario import parse_scenario
    from essctl.template.model import parse_template

    text = (TEMPLATES / "PublicTemplates" / f"{name}.yml").read_text(encoding="utf-8")
    template = parse_template(text, name=name, source="file")
    fast = ["--yes", "--poll-interval", "0.02", "--group", GROUP]
    with Sandbox(parse_scenario(SCENARIO, source=name), credentials=keys or [AccessKey(KEY_ID, SECRET)], speed=500,
                 template_dirs=[TEMPLATES]) as box:
        if name in ROLLOUTS:
            code, line = _essctl(box, "rollout", "start", "--template", name, "--batches", "2", *fast,
                                 *_required(template))
            return "rollout start --template", code, line
        if template.is_lifecycle_template():
            builtin = next((recipe for path in builtin_recipe_paths().values()
                            if name in (recipe := load_recipe(path)).templates), None)
            if builtin is not None:
                from tests.support.recipe_examples import example_arguments

                code, line = _essctl(box, "recipe", "run", builtin.name, *fast, *example_arguments(builtin))
                return f"recipe run {builtin.name}", code, line
            recipe = folder / f"{name}.yaml"
            code, line = _essctl(box, "recipe", "init", "--template", name, "--output-file", str(recipe))
            if code:
                return "recipe init", code, line
            code, line = _essctl(box, "recipe", "run", str(recipe), *fast, *_required(template))
            return "recipe init + run", code, line
        code, line = _essctl(box, "execution", "start", name, "--yes", "--poll-interval", "0.02",
                             *_group_parameter(template), *_required(template, box))
        return "execution start", code, line


def _group_parameter(template) -> list[str]:
    """The scaling group, for a template that takes one."""
    for name in ("scalingGroupId", "ScalingGroupId"):
        if name in template.parameters:
            return ["-p", f"{name}={GROUP}"]
    return []


def main() -> int:
    if not TEMPLATES.is_dir():
        raise SystemExit(f"{TEMPLATES} is absent: the public templates are needed")
    for variable in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        os.environ.pop(variable, None)
    os.environ.update({"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "ALIBABA_CLOUD_ACCESS_KEY_ID": KEY_ID,
                       "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET})
    names = sorted(p.stem for p in (TEMPLATES / "PublicTemplates").glob("ACS-ESS-*.yml"))
    runs = 0
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            how, code, line = attempt(name, Path(folder))
            runs += code == 0
            rows.append({"template": name, "how": how, "exit": code, "runs": code == 0,
                         "why_not": "" if code == 0 else line[:200]})
            print(f"{'ok  ' if code == 0 else 'no  '} {name:<62} {how:<28} "
                  f"{'' if code == 0 else f'exit {code}: {line[:160]}'}", file=sys.stderr)
    print(json.dumps({"runs": runs, "of": len(names), "templates": rows}, indent=2))
    print(f"{runs} of {len(names)} public ACS-ESS templates run with zero file edits against the sandbox",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
