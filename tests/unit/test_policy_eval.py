"""RAM policy evaluation: explicit Deny wins, wildcards, case, NotAction, system policies."""
import json

from essctl.policies.documents import allowed_actions, same_policy
from essctl.policies.evaluation import evaluate, missing_actions
from essctl.policies.system import system_policy_documents

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

def test_a_policy_laid_out_differently_is_the_same_policy():
    wanted = {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["ecs:RunCommand", "ecs:DescribeInvocations"], "Resource": "*"},
        {"Effect": "Allow", "Action": ["ess:CompleteLifecycleAction"], "Resource": "*"}]}
    stored = {"Statement": [
        {"Resource": ["*"], "Action": "ess:CompleteLifecycleAction", "Effect": "Allow"},
        {"Effect": "Allow", "Resource": "*", "Action": ["ecs:DescribeInvocations", "ecs:RunCommand"]}], "Version": "1"}
    assert same_policy(stored, wanted)
    assert not same_policy({"Statement": stored["Statement"][:1]}, wanted)
    denied = {"Statement": [{**stmt, "Effect": "Deny"} for stmt in stored["Statement"]]}
    assert not same_policy(denied, wanted)


def test_allowed_actions_reads_only_allow_statements():
    doc = json.dumps({"Statement": [{"Effect": "Allow", "Action": "ecs:RunCommand"},
                                    {"Effect": "Deny", "Action": ["ecs:DeleteInstance"]}]})
    assert allowed_actions(doc) == {"ecs:RunCommand"} and allowed_actions(None) == set()
