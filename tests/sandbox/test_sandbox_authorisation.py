"""Every call an OOS task makes is authorised against the role's policies with the sandbox's own API -> RAM action
table (essctl/sandbox/ram/api_actions.yaml), and GenerateExecutionPolicy answers from the same table."""
import json
from importlib import resources

import yaml

from essctl.sandbox.ram.actions import call_needs
from tests.support.ground_truth import API_REFERENCE, needs_shared
from tests.support.sandbox_steps import (
    REGION,
    create_hook,
    create_rule,
    execute,
    executions,
    finished,
    grant,
    session,
    task_runs,
    wait_for,
)

ENI = "ACS-ESS-LifeCycleCreateNetworkInterfaceAndEipAndAttachToInstance"
ENI_ECS = ["ecs:DescribeInstances", "ecs:CreateNetworkInterface", "ecs:DescribeNetworkInterfaces",
           "ecs:AttachNetworkInterface", "ecs:DetachNetworkInterface", "ecs:DeleteNetworkInterface", "ecs:RunCommand",
           "ecs:DescribeInvocations", "ecs:DescribeInvocationResults", "ess:CompleteLifecycleAction"]
EIP_AS_ECS = ["ecs:AllocateEipAddress", "ecs:DescribeEipAddresses", "ecs:AssociateEipAddress",
              "ecs:ReleaseEipAddress"]
EIP_AS_VPC = [action.replace("ecs:", "vpc:") for action in EIP_AS_ECS]


def _scale_out_with_eni(sandbox, actions):
    s = session(sandbox)
    grant(s, actions)
    create_hook(s, template=ENI)
    activity_id = execute(s, create_rule(s))
    done = wait_for(lambda: finished(s, activity_id))
    [execution] = executions(s, activity_id)
    return done, execution, {t.task_name: t for t in task_runs(s, execution.execution_id)}


def test_eip_calls_through_ecs_need_the_vpc_action_and_the_ecs_one_does_not_help(sandbox):
    done, execution, runs = _scale_out_with_eni(sandbox, ENI_ECS + EIP_AS_ECS)
    assert done.status_code == "Failed" and execution.status == "Failed"
    assert runs["allocateEip"].status == "Failed"
    assert runs["allocateEip"].status_message == ("Forbidden.RAM: User not authorized to operate on the specified "
                                                  "resource. Action: vpc:AllocateEipAddress")
    assert runs["createNetworkInterface"].status == "Success" and "associateEip" not in runs
    assert runs["CompleteLifecycleActionForAbandon"].status == "Success"


def test_the_vpc_actions_let_the_eni_template_succeed(sandbox):
    done, execution, runs = _scale_out_with_eni(sandbox, ENI_ECS + EIP_AS_VPC)
    assert (done.status_code, execution.status) == ("Successful", "Success")
    assert runs["allocateEip"].status == runs["associateEip"].status == "Success"


def test_generate_execution_policy_answers_from_the_sandboxs_table(sandbox):
    from alibabacloud_oos20190601 import models

    s = session(sandbox)
    grant(s, ENI_ECS + EIP_AS_ECS)
    body = s.oos.generate_execution_policy(models.GenerateExecutionPolicyRequest(
        region_id=REGION, template_name=ENI, ram_role="OOSServiceRole")).body
    needed = {a for st in json.loads(body.policy)["Statement"] for a in st["Action"]}
    missing = {a for st in json.loads(body.missing_policy)["Statement"] for a in st["Action"]}
    assert needed == set(ENI_ECS + EIP_AS_VPC) and not needed & set(EIP_AS_ECS)
    assert missing == set(EIP_AS_VPC)


def test_generate_url_is_not_checked_when_called_but_the_policy_holds_get_object(sandbox_factory):
    from alibabacloud_oos20190601 import models

    from essctl.sandbox.scenario import parse_scenario

    template = {"FormatVersion": "OOS-2019-06-01", "RamRole": "OOSServiceRole", "Tasks": [
        {"Name": "sign", "Action": "ACS::ExecuteAPI",
         "Properties": {"Service": "OSS", "API": "GenerateUrl", "Parameters": {"BucketName": "b", "URI": "o"}}}]}
    scenario = parse_scenario("roles: [{name: OOSServiceRole, trusted: [oos.aliyuncs.com]}]\n"
                              f"templates: {{Sign: {json.dumps(json.dumps(template))}}}\n"
                              "behaviour: {Sign: {duration: 1}}\n")
    s = session(sandbox_factory(scenario))
    body = s.oos.generate_execution_policy(models.GenerateExecutionPolicyRequest(
        region_id=REGION, template_content=json.dumps(template))).body
    assert json.loads(body.policy)["Statement"] == [{"Effect": "Allow", "Action": ["oss:GetObject"], "Resource": "*"}]
    started = s.oos.start_execution(models.StartExecutionRequest(region_id=REGION, template_name="Sign")).body
    done = wait_for(lambda: [e for e in executions(s, template="Sign") if e.status != "Running"])
    assert done[0].execution_id == started.execution.execution_id and done[0].status == "Success"


def test_lookups_ignore_case_and_fall_back_to_the_services_ram_code():
    assert call_needs("ecs", "allocateeipaddress").actions == ("vpc:AllocateEipAddress",)
    assert call_needs("r-kvstore", "ModifySecurityIps").actions == ("kvstore:ModifySecurityIps",)
    fallback = call_needs("ESS", "DescribeScalingInstances")
    assert (fallback.actions, fallback.basis) == (("ess:DescribeScalingInstances",), "convention")
    assert call_needs("ECI", "DescribeContainerGroups").basis == "assumed"
    assert call_needs("Nope", "Thing").basis == "unknown-service"


def _table():
    return yaml.safe_load((resources.files("essctl.sandbox.ram") / "api_actions.yaml").read_text(encoding="utf-8"))


def test_every_entry_cites_a_source_the_table_names():
    table = _table()
    entries = [*table["services"].values(), *(e for apis in table["apis"].values() for e in apis.values())]
    for entry in entries:
        cited = [entry["source"]] if isinstance(entry["source"], str) else entry["source"]
        assert cited and all(name in table["sources"] for name in cited), entry
        assert entry["basis"] in ("documented", "convention", "assumed")


@needs_shared
def test_every_cited_source_exists_and_every_reachable_pair_has_a_known_ram_code():
    for path in _table()["sources"].values():
        assert (API_REFERENCE / path).is_file(), path
    rows = [line.split("\t") for line in (API_REFERENCE / "TEMPLATE-API-PAIRS.tsv").read_text().splitlines()[1:]]
    reachable = [(row[0], row[1]) for row in rows if row[5] == "yes"]
    assert len(reachable) > 60
    assert [pair for pair in reachable if call_needs(*pair).basis == "unknown-service"] == []
