"""essctl doctor: the read-only probe, against the sandbox (every answer as essctl assumes), against the stub with
Alibaba's own templates and a GenerateExecutionPolicy that disagrees, replayed from the bundled tape with no
credentials, and recorded to a tape a user can share."""
import json

import yaml

from essctl.recipe.catalog import builtin_recipes
from tests.support.cli import clean_env, run_essctl
from tests.support.ground_truth import OOS_TEMPLATES, needs_shared

TEMPLATES = sorted({name for recipe in builtin_recipes() for name in recipe.templates})


def _rows(result, check=None):
    rows = json.loads(result.out)["Checks"]
    return [row for row in rows if check is None or row["Check"] == check]


def test_against_the_sandbox_every_answer_matches(cli, sandbox):
    result = cli("--endpoint", sandbox.endpoint, "--region", "cn-hangzhou", "-o", "json", "doctor")
    assert result.code == 0, result.out
    data = json.loads(result.out)
    assert data["Summary"]["fail"] == 0
    assert [row["Target"] for row in _rows(result, "OOS GenerateExecutionPolicy")] == TEMPLATES
    assert {row["Target"] for row in _rows(result, "endpoint")} == {"ess", "oos", "ram"}
    [role] = _rows(result, "RAM GetRole")
    assert (role["Target"], role["Status"]) == ("OOSServiceRole", "pass")


def test_the_bundled_probe_replays_with_no_credentials(tmp_path):
    result = run_essctl("-o", "json", "doctor", "--dry-run", env=clean_env(tmp_path))
    assert result.code == 0, result.err
    assert json.loads(result.out)["Credentials"] == "none (answers are replayed)"


def test_recorded_with_the_account_redacted_and_replayed(cli, sandbox, tmp_path):
    tape = tmp_path / "doctor.yaml"
    live = cli("--endpoint", sandbox.endpoint, "--region", "cn-hangzhou", "-o", "json", "doctor",
               "--record", tape, "--redact-account")
    assert live.code == 0
    assert sandbox.scenario.account_id not in tape.read_text()
    assert yaml.safe_load(tape.read_text())["account_redacted"] is True
    replayed = cli("-o", "json", "doctor", "--dry-run", "--tape", tape)
    assert replayed.code == 0
    assert [(r["Check"], r["Target"], r["Status"]) for r in _rows(replayed)] == \
        [(r["Check"], r["Target"], r["Status"]) for r in _rows(live)]


@needs_shared
def test_a_disagreeing_generate_execution_policy_and_a_refused_template_exit_1(stub, cli):
    """Alibaba's own templates through GetTemplate, nested actions included; OOS's policy narrower than essctl's
    for every template, and one template refused: each is a failed row, the rest is still probed."""
    from tests.support.stubcloud import error

    def template(seen):
        name = seen.query["TemplateName"]
        if name == "ACS-ESS-LifeCycleModifyMongoDBIPWhitelist":
            return error(403, "Forbidden", "not allowed")
        folder = "CloudProductActions" if name.startswith("ACS::") else "PublicTemplates"
        return {"Content": (OOS_TEMPLATES / folder / f"{name}.yml").read_text(),
                "Template": {"TemplateName": name, "TemplateVersion": "v9"}}

    stub.on("DescribeScalingGroups", {"TotalCount": 0, "PageNumber": 1, "PageSize": 50, "ScalingGroups": []})
    stub.on("GetRole", error(404, "EntityNotExist.Role", "The role does not exist."))
    stub.on("GetTemplate", template)
    stub.on("GenerateExecutionPolicy", {"Policy": {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["ess:CompleteLifecycleAction"], "Resource": "*"}]}})
    result = cli("--endpoint", stub.url, "--region", "cn-hangzhou", "-o", "json", "doctor")
    assert result.code == 1
    assert [(r["Status"], r["Detail"]) for r in _rows(result, "RAM GetRole")] == [
        ("warn", "does not exist yet: `essctl recipe run` creates it")]
    refused = [r for r in _rows(result, "OOS GetTemplate") if r["Status"] == "fail"]
    assert [r["Target"] for r in refused] == ["ACS-ESS-LifeCycleModifyMongoDBIPWhitelist"]
    nested = {r["Target"]: r["Status"] for r in _rows(result, "OOS GetTemplate (nested action)")}
    assert nested["ACS-ESS-LifeCycleRunCommand > ACS::ECS::RunCommand"] == "pass"
    run_command = next(r for r in _rows(result, "OOS GenerateExecutionPolicy")
                       if r["Target"] == "ACS-ESS-LifeCycleRunCommand")
    assert run_command["Status"] == "fail"
    assert run_command["Detail"] == ("essctl also derives ecs:DescribeInvocationResults, ecs:DescribeInvocations, "
                                     "ecs:RunCommand")
