"""Lost answers and runs racing on one group, through the real SDK against the sandbox.

A mutating call without a ClientToken is sent once (facts/idempotence.py); after a lost answer (the sandbox's
`after_apply` faults: the change is applied, then a 503 is answered) or an "already exists", the gateway reads the
state back. Every run must end 0 with exactly one of each resource."""
import json
import sys
import threading

import pytest
import yaml

from essctl.sandbox.scenario import DEFAULT_SCENARIO, parse_scenario
from tests.support.fake_credentials import FAKE_KEY_SECRET, FAKE_STS_TOKEN

GROUP = "asg-sandbox000000000001"
POLICY = "ESSHookPolicyForRunCommand"
HOOK = "ESSHookForRunCommand"
OTHER_DOCUMENT = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["ecs:DescribeInstances"],
                                                 "Resource": "*"}]}


def scenario(*rules, policies=(), **faults):
    """The default world with these fault rules ({action, calls, after_apply, error}) and random faults."""
    world = yaml.safe_load(DEFAULT_SCENARIO.read_text(encoding="utf-8"))
    world["faults"] = {"seed": 7, **faults, "rules": list(rules)}
    world["policies"] = [{"name": name, "document": document} for name, document in policies]
    return parse_scenario(yaml.safe_dump(world))


def lost(action, *calls):
    """The n-th calls of `action` are applied, then answered 503 (with a short x-acs-retry-after)."""
    return {"action": action, "calls": list(calls or [1]), "after_apply": True,
            "error": {"code": "ServiceUnavailable", "status": 503, "retry_after_ms": 20}}


def refused(action, code, *calls, status=400):
    return {"action": action, "calls": list(calls or [1]), "error": {"code": code, "status": status,
                                                                     "retry_after_ms": 20}}


def run_recipe(cli, box, *extra, script="echo hi"):
    result = cli("recipe", "run", "run-command", "--group", GROUP, "--yes", "-o", "json", "--poll-interval", "0.02",
                 "--endpoint", box.endpoint, "--region", "cn-hangzhou", "-p", f"commandContent={script}", *extra)
    return result, (json.loads(result.out) if result.out.strip() else None)


def hooks(box):
    return [hook for hook in box.backends.ess.hooks.values() if hook["ScalingGroupId"] == GROUP]


def rules(box):
    return [rule for rule in box.backends.ess.rules.values() if rule["ScalingGroupId"] == GROUP]


def versions(box):
    """Every version the policy has had: (ids now held, how many were ever created)."""
    policy = box.backends.ram.policies[POLICY]
    return [v["VersionId"] for v in policy["versions"]], policy["next_version"] - 1


def outcomes(report):
    return {step["Kind"]: step["Outcome"] for step in report["Applied"]}


def assert_one_of_each(box):
    assert len(hooks(box)) == 1 and len(rules(box)) == 1
    assert list(box.backends.ram.policies) == [POLICY]
    attached = box.backends.ram.roles["OOSServiceRole"]["attached"]
    assert [(a["PolicyName"], a["PolicyType"]) for a in attached] == [(POLICY, "Custom")]


@pytest.mark.parametrize("action, kind", [("CreatePolicy", "policy"), ("CreateLifecycleHook", "hook"),
                                          ("CreateScalingRule", "rule"), ("AttachPolicyToRole", "attachment")])
def test_a_lost_answer_to_a_create_is_read_back_and_the_run_succeeds(cli, sandbox_factory, action, kind):
    box = sandbox_factory(scenario(lost(action)))
    result, report = run_recipe(cli, box, "-v")
    assert result.code == 0, result.err
    assert report["Outcome"] == "succeeded"
    assert box.faults.calls(action) == 1                       # sent once: no SDK retry, no second send
    assert_one_of_each(box)
    assert versions(box) == (["v1"], 1)
    [check] = report["Checks"]
    assert (check["Action"], check["Cause"], check["Lost"], check["Verdict"]) == (
        action, "ServiceUnavailable", True, "in place")
    assert outcomes(report)[kind].endswith(f"; answer lost (ServiceUnavailable), read back: {check['Found']}")
    assert f"check {'ram' if kind in ('policy', 'attachment') else 'ess'}:{action} " in result.err
    assert FAKE_KEY_SECRET not in result.err and FAKE_STS_TOKEN not in result.err


def test_a_lost_answer_to_create_policy_version_makes_one_version(cli, sandbox_factory):
    box = sandbox_factory(scenario(lost("CreatePolicyVersion"), policies=[(POLICY, OTHER_DOCUMENT)]))
    result, report = run_recipe(cli, box, "-v")
    assert result.code == 0, result.err
    assert box.faults.calls("CreatePolicyVersion") == 1
    assert versions(box) == (["v1", "v2"], 2)                  # one new version, not two
    policy = box.backends.ram.policies[POLICY]
    assert policy["DefaultVersion"] == "v2"
    assert [step["Ids"] for step in report["Applied"] if step["Kind"] == "policy"] == [{"VersionId": "v2"}]
    assert "read back: the default version v2 has the document (in place)" in result.err
    assert_one_of_each(box)


def test_a_throttled_create_is_read_back_then_sent_again(cli, sandbox_factory):
    box = sandbox_factory(scenario(refused("CreatePolicy", "Throttling.User"),
                                   refused("CreateLifecycleHook", "ServiceUnavailable", status=503)))
    result, report = run_recipe(cli, box)
    assert result.code == 0, result.err
    assert box.faults.calls("CreatePolicy") == 2 and box.faults.calls("CreateLifecycleHook") == 2
    assert [(c["Action"], c["Verdict"]) for c in report["Checks"]] == [("CreatePolicy", "not made"),
                                                                       ("CreateLifecycleHook", "not made")]
    assert_one_of_each(box)


def test_a_throttled_read_is_still_retried_by_the_sdk(cli, sandbox_factory):
    box = sandbox_factory(scenario(refused("DescribeLifecycleHooks", "Throttling.User", 1, 2),
                                   refused("GetPolicy", "ServiceUnavailable", 1, status=503)))
    result, report = run_recipe(cli, box)
    assert result.code == 0, result.err
    assert box.faults.calls("DescribeLifecycleHooks") >= 3 and report["Checks"] == []
    assert_one_of_each(box)


def test_a_lost_answer_to_a_hook_update_is_read_back(cli, sandbox_factory):
    box = sandbox_factory(scenario(lost("ModifyLifecycleHook")))
    assert run_recipe(cli, box, "--no-trigger")[0].code == 0
    result, report = run_recipe(cli, box, "--no-trigger", script="echo changed")
    assert result.code == 0, result.err
    assert box.faults.calls("ModifyLifecycleHook") == 1
    [hook] = hooks(box)
    assert json.loads(hook["NotificationMetadata"])["commandContent"] == "echo changed"
    assert [(c["Action"], c["Verdict"]) for c in report["Checks"]] == [("ModifyLifecycleHook", "in place")]


def test_lost_answers_to_every_teardown_call_are_read_back(cli, sandbox_factory):
    deletes = ("DeleteScalingRule", "DeleteLifecycleHook", "DetachPolicyFromRole", "DeletePolicyVersion",
               "DeletePolicy")
    box = sandbox_factory(scenario(*[lost(action) for action in deletes]))
    assert run_recipe(cli, box, "--no-trigger")[0].code == 0        # the recipe makes (and tags) the policy
    box.backends.ram.policies[POLICY]["versions"][0]["PolicyDocument"] = json.dumps(OTHER_DOCUMENT)
    assert run_recipe(cli, box, "--no-trigger")[0].code == 0        # v2 is the default, v1 must go first
    result = cli("recipe", "teardown", "run-command", "--group", GROUP, "--policy", "--yes", "-o", "json",
                 "--endpoint", box.endpoint, "--region", "cn-hangzhou")
    assert result.code == 0, result.err
    done = {d["Kind"]: d["Outcome"] for d in json.loads(result.out)["Done"]}
    assert all("answer lost (ServiceUnavailable), read back:" in text for text in done.values()), done
    assert hooks(box) == [] and rules(box) == [] and POLICY not in box.backends.ram.policies
    assert all(box.faults.calls(action) == 1 for action in deletes)


def test_create_role_after_a_lost_answer(cli, sandbox_factory):
    world = yaml.safe_load(DEFAULT_SCENARIO.read_text(encoding="utf-8"))
    world.pop("roles")
    world["faults"] = {"rules": [lost("CreateRole")]}
    box = sandbox_factory(parse_scenario(yaml.safe_dump(world)))
    result, report = run_recipe(cli, box, "--create-role", "--no-trigger")
    assert result.code == 0, result.err
    assert list(box.backends.ram.roles) == ["OOSServiceRole"] and box.faults.calls("CreateRole") == 1
    assert outcomes(report)["role"].startswith("created; answer lost (ServiceUnavailable), read back: role "
                                               "OOSServiceRole exists, trusted by oos.aliyuncs.com")


# --- another run between plan and apply ---------------------------------------------------------------------------

@pytest.fixture
def between_plan_and_apply(monkeypatch):
    """Run `act()` after each recipe run's plan, before its apply (as another run would)."""
    import essctl.recipe.run as run_module

    acts = []
    apply_plan = run_module.apply_plan

    def apply_after_acts(*args, **kwargs):
        for act in acts:
            act()
        return apply_plan(*args, **kwargs)

    monkeypatch.setattr(run_module, "apply_plan", apply_after_acts)
    return acts.append


def test_a_policy_made_with_another_document_since_the_plan_is_an_error_that_says_so(cli, sandbox,
                                                                                     between_plan_and_apply):
    def someone_else():
        with sandbox.world.lock:
            sandbox.backends.ram.create_policy(POLICY, json.dumps(OTHER_DOCUMENT))

    between_plan_and_apply(someone_else)
    result, _ = run_recipe(cli, sandbox)
    assert result.code == 3
    [line] = result.err.strip().splitlines()
    assert line.startswith("essctl: error: ram:CreatePolicy EntityAlreadyExists.Policy: The policy does already "
                           f"exist: {POLICY}; a policy {POLICY} exists with another document (default version v1)")
    assert versions(sandbox) == (["v1"], 1)


class _PerThread:
    """sys.stdout / sys.stderr for runs in threads: each thread writes to its own buffer."""

    def __init__(self, fallback):
        self._local, self._fallback = threading.local(), fallback

    def use(self, buffer):
        self._local.buffer = buffer

    def write(self, text):
        return getattr(self._local, "buffer", self._fallback).write(text)

    def flush(self):
        pass

    def isatty(self):
        return False


def test_two_runs_at_once_on_one_group_converge(sandbox, between_plan_and_apply, monkeypatch):
    import io

    from essctl.cli.app import run

    out, err = _PerThread(sys.stdout), _PerThread(sys.stderr)
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    both_planned = threading.Barrier(2, timeout=30)
    between_plan_and_apply(both_planned.wait)       # each plans, then both apply together
    results = {}

    def one_run(name):
        buffers = io.StringIO(), io.StringIO()
        out.use(buffers[0])
        err.use(buffers[1])
        code = run(["recipe", "run", "run-command", "--group", GROUP, "--yes", "-o", "json", "--poll-interval",
                    "0.02", "--endpoint", sandbox.endpoint, "--region", "cn-hangzhou", "-p", "commandContent=echo hi"])
        results[name] = code, buffers[0].getvalue(), buffers[1].getvalue()

    threads = [threading.Thread(target=one_run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert {name: code for name, (code, _, _) in results.items()} == {"a": 0, "b": 0}, results
    reports = [json.loads(stdout) for _, stdout, _ in results.values()]
    assert all(report["Outcome"] == "succeeded" for report in reports)
    assert_one_of_each(sandbox)
    assert versions(sandbox) == (["v1"], 1)
    # Both planned creates; one made each resource, the other found it made and says so.
    texts = sorted(step["Outcome"] for report in reports for step in report["Applied"] if step["Kind"] != "role")
    assert texts.count("already attached") == 1
    assert sum(text.startswith("already there; ") for text in texts) == 3, texts


# --- many runs under random faults (tests/benchmarks/converge.py prints the figures) ------------------------------

def test_twenty_runs_under_random_lost_answers_and_throttling_never_make_more_versions_than_changes(
        sandbox_factory, tmp_path):
    from tests.benchmarks.converge import churn, scenario_text

    box = sandbox_factory(parse_scenario(scenario_text(1, 20, throttle_rate=0.08, server_error_rate=0.02,
                                                       lost_rate=0.35)))
    figures = churn(box, 20, tmp_path)
    assert figures.exit_codes == {0: 20}, figures.failures
    assert figures.changes_asked == 20 and figures.versions_created == 20 and figures.runs_over == []
    assert figures.wrong_document == [] and (figures.hooks, figures.rules) == (1, 1)
    assert figures.lost_answers >= 10 and figures.read_backs["in place"] == figures.lost_answers
    assert sum(figures.refused.values()) >= 10
