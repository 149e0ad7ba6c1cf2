"""RAM policy evaluation: explicit Deny wins, wildcards, case, NotAction, system policies."""
import json

from essctl.core.policy_eval import evaluate, missing_actions, system_policy_documents

TUTORIAL_RUN_COMMAND = {   # ESSHookPolicyForRunCommand, as tutorial 001 grants it
    "Version": "1",
    "Statement": [
        {"Effect": "Allow", "Action": ["ecs:RunCommand", "ecs:DescribeInvocations", "ecs:DescribeInvocationResults"],
         "Resource": "*"},
        {"Effect": "Allow", "Action": ["ess:CompleteLifecycleAction"], "Resource": "*"},
    ],
}


def test_allow_and_missing_by_name():
    needed = ["ecs:RunCommand", "ess:CompleteLifecycleAction", "ecs:DescribeInstances"]
    assert missing_actions(needed, {"p": TUTORIAL_RUN_COMMAND}) == ["ecs:DescribeInstances"]
    assert evaluate("ecs:RunCommand", {"p": TUTORIAL_RUN_COMMAND}).decided_by == "p"


def test_wildcards_case_and_json_text():
    doc = json.dumps({"Statement": {"Effect": "Allow", "Action": "ECS:Describe*", "Resource": "*"}})
    assert evaluate("ecs:DescribeInstances", {"text": doc}).allowed
    assert not evaluate("ecs:RunCommand", {"text": doc}).allowed
    assert evaluate("ecs:DescribeInvocations", {"q": {"Statement": [{"Effect": "Allow", "Action": "ecs:Describe?nvocations"}]}}).allowed


def test_explicit_deny_beats_allow_in_another_policy():
    deny = {"Statement": [{"Effect": "Deny", "Action": ["ecs:RunCommand"], "Resource": "*"}]}
    verdict = evaluate("ecs:RunCommand", {"allow": TUTORIAL_RUN_COMMAND, "deny": deny})
    assert (verdict.allowed, verdict.decided_by) == (False, "deny")


def test_not_action():
    doc = {"Statement": [{"Effect": "Allow", "NotAction": ["ram:*"], "Resource": "*"}]}
    assert evaluate("ecs:RunCommand", {"d": doc}).allowed
    assert not evaluate("ram:CreateRole", {"d": doc}).allowed


def test_system_policies():
    systems = system_policy_documents()
    assert evaluate("ecs:AttachNetworkInterface", {"AliyunECSFullAccess": systems["AliyunECSFullAccess"]}).allowed
    assert not evaluate("ess:CompleteLifecycleAction", {"AliyunECSFullAccess": systems["AliyunECSFullAccess"]}).allowed
    assert evaluate("kvstore:ModifySecurityIps", {"a": systems["AdministratorAccess"]}).allowed
