"""The README's five-minute tour, run line by line as a shell would (bash -e), so that it stays true: the sandbox
starts, the recipe runs against it through the real SDKs and succeeds, the diagnosis finds no problem, the teardown
removes what the run made. Only the port differs (a free one instead of 8780) and the files go to a temporary home.
Also `make demo`'s command: the run as a person sees it, ending with the next command to try."""
import json
import re
import socket
import subprocess
import sys
from pathlib import Path

from tests.support.cli import REPO, clean_env


def _tour() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- tour -->", 1)[1].split("<!-- /tour -->", 1)[0]
    return block.split("```sh\n", 1)[1].rsplit("```", 1)[0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_readme_tour_runs_as_written(tmp_path):
    tour = _tour()
    assert "essctl sandbox serve" in tour and "essctl recipe run run-command" in tour
    port = _free_port()
    script = (tour.replace(". .venv/bin/activate", f". {Path(sys.executable).parent}/activate")
              .replace("essctl sandbox serve", f"essctl sandbox serve --port {port}")
              .replace("127.0.0.1:8780", f"127.0.0.1:{port}"))
    # each command's JSON on its own line, so that the test can read them apart
    script = "\n".join(f"{line}\necho '<<end>>'" if line.startswith(("essctl ", "sleep")) and " &" not in line
                       else line for line in script.splitlines())
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=clean_env(tmp_path), capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    outputs = proc.stdout.split("<<end>>\n")
    assert f"serving ESS, OOS and RAM on http://127.0.0.1:{port}" in outputs[0]
    groups, plan, run, activities, diagnosis, teardown = (json.loads(out[out.index("{") if out.lstrip().startswith(
        "{") else out.index("["):]) for out in outputs[1:7])
    assert [group["ScalingGroupId"] for group in groups] == ["asg-sandbox000000000001"]
    assert [c["Action"] for c in plan["Changes"] if c["Kind"] == "hook"] == ["create"]
    assert run["Outcome"] == "succeeded", run.get("Diagnosis")
    assert activities[0]["StatusCode"] == "Successful"
    assert diagnosis["UnresolvedErrors"] == 0
    assert {c["Kind"] for c in teardown["Changes"] if c["Action"] == "delete"} >= {"hook", "rule", "policy"}
    assert "Traceback" not in proc.stderr


def test_make_demos_command_reads_as_the_run_and_ends_with_the_next_step(tmp_path):
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^demo:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    lines = [line.strip() for line in recipe.splitlines()]
    assert lines[0] == "$(ESSCTL) recipe run run-command --dry-run --output table"
    echoed = [re.sub(r'^@echo ?"?|"$', "", line) for line in lines[1:]]
    assert echoed[-1].strip().startswith(". .venv/bin/activate && essctl sandbox serve")
    assert echoed[-1].strip().split("&& ", 1)[1] in _tour()           # the tour's own first command
    proc = subprocess.run([sys.executable, "-m", "essctl", "recipe", "run", "run-command", "--dry-run", "--output",
                           "table"], cwd=REPO, env=clean_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert len(out) < 100 and not [line for line in out if "replayed " in line]
    assert any(line.startswith("[   0.0s] • ") for line in out) and any(
        re.match(r"^\[ *[1-9]\d\.\ds\] • activity asa-\S+: Successful", line) for line in out)
