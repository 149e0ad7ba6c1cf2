"""Templates: parsing, placeholders, derived RAM actions and policies, parameter checks, the hook-timeout check.
Real OOS templates come from ../shared/oos-templates (test data no one here wrote)."""
import json

import pytest

from essctl.errors import UsageError
from essctl.facts.ram_actions import ram_codes
from essctl.policies.documents import least_privilege
from essctl.template.heartbeat import check_heartbeat_timeout
from essctl.template.model import load_template_file, parse_template
from essctl.template.parameters import (
    ROLE_FROM_DEFAULT,
    ROLE_FROM_METADATA,
    ROLE_FROM_RAM_ROLE,
    ROLE_FROM_TEMPLATE_DEFAULT,
    assumed_role,
    notification_metadata,
)
from essctl.template.permissions import derive_required_actions
from essctl.template.source import action_dir_resolver, load_template_from_oos
from tests.support import recipe_fixtures as fx
from tests.support.ground_truth import OOS_TEMPLATES as SHARED
from tests.support.ground_truth import needs_shared

PUBLIC = sorted((SHARED / "PublicTemplates").glob("ACS-ESS-*.yml")) if SHARED.exists() else []


def _public(name):
    return load_template_file(SHARED / "PublicTemplates" / f"{name}.yml")


def _derive(name):
    return derive_required_actions(_public(name), action_dir_resolver(SHARED / "CloudProductActions"))


@needs_shared
def test_the_shared_templates_are_there():
    assert len(PUBLIC) >= 25


@needs_shared
@pytest.mark.parametrize("path", PUBLIC, ids=lambda p: p.stem)
def test_every_public_template_parses_and_derives_known_actions(path):
    import yaml

    template = load_template_file(path)
    raw = yaml.safe_load(path.read_text())["Parameters"]
    assert set(template.parameters) == set(raw)
    for name, spec in raw.items():
        parameter = template.parameters[name]
        assert parameter.required == ("Default" not in spec), name
        if "${" in json.dumps(spec.get("Default")):
            assert parameter.placeholder, f"{name} defaults to an ESS placeholder but is not reported as one"
    derivation = derive_required_actions(template, action_dir_resolver(SHARED / "CloudProductActions"))
    assert derivation.actions, "no RAM action derived"
    known = set(ram_codes().values())
    assert all(action.split(":")[0] in known for action in derivation.actions)
    assert derivation.unresolved == []


@needs_shared
def test_run_command_derives_exactly_the_tutorial_policy():
    derivation = _derive("ACS-ESS-LifeCycleRunCommand")
    assert sorted(derivation.actions) == ["ecs:DescribeInvocationResults", "ecs:DescribeInvocations",
                                          "ecs:RunCommand", "ess:CompleteLifecycleAction"]
    assert derivation.nested == ["ACS::ECS::RunCommand"]   # the nested action needs nothing more
    assert least_privilege(derivation.actions) == {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": ["ecs:DescribeInvocationResults", "ecs:DescribeInvocations", "ecs:RunCommand"],
         "Resource": "*"},
        {"Effect": "Allow", "Action": ["ess:CompleteLifecycleAction"], "Resource": "*"}]}


@needs_shared
def test_redis_whitelist_derives_exactly_the_tutorial_policy():
    assert sorted(_derive("ACS-ESS-LifeCycleModifyRedisIPWhitelist").actions) == [
        "ecs:DescribeInstances", "ess:CompleteLifecycleAction", "kvstore:ModifySecurityIps"]


@needs_shared
def test_nic_eip_derives_fourteen_actions_with_eip_as_vpc_actions():
    derivation = _derive("ACS-ESS-LifeCycleCreateNetworkInterfaceAndEipAndAttachToInstance")
    assert sorted(derivation.actions) == [
        "ecs:AttachNetworkInterface", "ecs:CreateNetworkInterface", "ecs:DeleteNetworkInterface",
        "ecs:DescribeInstances", "ecs:DescribeInvocationResults", "ecs:DescribeInvocations",
        "ecs:DescribeNetworkInterfaces", "ecs:DetachNetworkInterface", "ecs:RunCommand",
        "ess:CompleteLifecycleAction", "vpc:AllocateEipAddress", "vpc:AssociateEipAddress",
        "vpc:DescribeEipAddresses", "vpc:ReleaseEipAddress"]
    # The ENI calls have no published RAM table: the plan says these rest on the naming convention.
    assert sorted(derivation.assumed) == ["ecs:AttachNetworkInterface", "ecs:CreateNetworkInterface",
                                          "ecs:DeleteNetworkInterface", "ecs:DescribeNetworkInterfaces",
                                          "ecs:DetachNetworkInterface"]


@needs_shared
def test_policy_command_prints_only_the_document(cli):
    result = cli("-o", "json", "template", "policy", "--file", SHARED / "PublicTemplates" / "ACS-ESS-LifeCycleRunCommand.yml",
                 "--action-dir", SHARED / "CloudProductActions")
    assert result.code == 0
    document = json.loads(result.out)
    assert [s["Action"] for s in document["Statement"]] == [
        ["ecs:DescribeInvocationResults", "ecs:DescribeInvocations", "ecs:RunCommand"], ["ess:CompleteLifecycleAction"]]


@needs_shared
def test_without_the_action_folder_the_nested_action_is_reported_and_the_policy_withheld(cli):
    template = SHARED / "PublicTemplates" / "ACS-ESS-LifeCycleRunCommand.yml"
    result = cli("-o", "json", "template", "policy", "--file", template)
    assert result.code == 1 and result.out == ""
    assert "nested action ACS::ECS::RunCommand could not be resolved" in result.err
    assert "the policy is incomplete: 1 unresolved" in result.err and "--allow-incomplete" in result.err
    allowed = cli("-o", "json", "template", "policy", "--file", template, "--allow-incomplete")
    assert allowed.code == 0 and json.loads(allowed.out)["Statement"]


@needs_shared
@pytest.mark.parametrize("args, expected", [
    (["-p", "dbInstanceId=r-1", "-p", "modifyMod=Append"], "modifyMod: not a parameter of ACS-ESS-LifeCycleModifyRedisIPWhitelist (did you mean modifyMode?)"),
    (["-p", "dbInstanceId=r-1"], "modifyMode: required by ACS-ESS-LifeCycleModifyRedisIPWhitelist"),
    (["-p", "dbInstanceId=r-1", "-p", "modifyMode=Replace"], "modifyMode: must be one of Append, Delete, AppendDup"),
    (["-p", "dbInstanceId=r-1", "-p", "modifyMode=Append", "-p", "instanceIds=i-1"], "instanceIds: filled by ESS with ${instanceIds}"),
    (["-p", "dbInstanceId"], "--parameter: expected KEY=VALUE"),
])
def test_parameter_errors_are_one_line_and_exit_2(cli, args, expected):
    result = cli("template", "check", "--file", SHARED / "PublicTemplates" / "ACS-ESS-LifeCycleModifyRedisIPWhitelist.yml", *args)
    assert result.code == 2
    [line] = result.err.strip().splitlines()
    assert expected in line


@needs_shared
def test_metadata_is_strings_with_json_text_for_json_and_lists():
    template = _public("ACS-ESS-LifeCycleRunCommand")
    text = notification_metadata(template, {"timeout": "900", "rateControl": {"Mode": "Concurrency", "MaxErrors": 0, "Concurrency": 2},
                                            "commandContent": "echo a & b"})
    assert json.loads(text) == {"timeout": "900", "rateControl": '{"Mode":"Concurrency","MaxErrors":0,"Concurrency":2}',
                                "commandContent": "echo a & b"}
    with pytest.raises(UsageError, match="NotificationMetadata is .* characters; ESS accepts at most 4096"):
        notification_metadata(template, {"commandContent": "x" * 5000})
    with pytest.raises(UsageError, match="timeout: must be a number"):
        notification_metadata(template, {"timeout": "ten"})
    forced = notification_metadata(template, {"regionId": "cn-hangzhou"}, force_placeholders=True)
    assert json.loads(forced) == {"regionId": "cn-hangzhou"}


@needs_shared
def test_hook_timeout_check_suggests_more_than_the_task_needs():
    template = _public("ACS-ESS-LifeCycleRunCommand")
    advice = check_heartbeat_timeout(template, 30, {"timeout": "120"})
    assert advice is not None and advice.suggested > 120 and advice.suggested >= advice.needed
    assert "LifecycleHookIdAndLifecycleActionToken.Invalid" in advice.reason
    assert check_heartbeat_timeout(template, 900, {}) is None                  # 600 s + margin fits
    assert check_heartbeat_timeout(template, 900, {}, instances=25).suggested == 2100   # 3 batches of 10


def test_a_cycle_of_nested_actions_is_an_error(tmp_path, cli):
    actions = tmp_path / "actions"
    actions.mkdir()
    (actions / "ACS::X::First.yml").write_text("Tasks:\n- Name: a\n  Action: ACS::X::Second\n")
    (actions / "ACS::X::Second.yml").write_text("Tasks:\n- Name: b\n  Action: ACS::X::First\n")
    main = tmp_path / "main.yml"
    main.write_text("Tasks:\n- Name: start\n  Action: ACS::X::First\n")
    result = cli("template", "policy", "--file", main, "--action-dir", actions)
    assert result.code == 2
    assert "nested actions form a cycle: main > ACS::X::First > ACS::X::Second > ACS::X::First" in result.err


def test_an_api_given_by_expression_is_reported(tmp_path):
    path = tmp_path / "t.yml"
    path.write_text("Parameters:\n  api: {Type: String}\nTasks:\n- Name: call\n  Action: ACS::ExecuteAPI\n"
                    "  Properties: {Service: ECS, API: '{{ api }}'}\n"
                    "- Name: done\n  Action: ACS::ExecuteApi\n  Properties: {Service: ESS, API: CompleteLifecycleAction}\n")
    derivation = derive_required_actions(load_template_file(path))
    assert list(derivation.actions) == ["ess:CompleteLifecycleAction"]
    assert derivation.unresolved and "cannot be resolved statically" in derivation.unresolved[0]


@pytest.mark.parametrize("content, expected", [
    ("Tasks:\n- Name: a\n  Action: [\n", "bad.yml:4:1: yaml: expected the node content"),
    ("Parameters:\n  x: {Type: Strin}\nTasks:\n- {Name: a, Action: ACS::Sleep}\n",
     "bad.yml:2:13: Parameters.x.Type: must be one of String, Number, Boolean, List, Json, got 'Strin'"),
    ("Description: no tasks\n", "bad.yml:1:1: Tasks: must be a non-empty list of tasks"),
])
def test_malformed_templates_are_one_line_errors(tmp_path, cli, content, expected):
    path = tmp_path / "bad.yml"
    path.write_text(content)
    result = cli("template", "show", "--file", path)
    assert result.code == 2 and "Traceback" not in result.err
    [line] = result.err.strip().splitlines()
    assert expected in line


def test_a_hook_runs_as_its_metadata_role_else_the_template_default_else_oosservicerole_and_a_literal_ramrole_wins():
    text = "FormatVersion: OOS-2019-06-01\nParameters:\n  OOSAssumeRole: {Type: String, Default: TplRole}\n" \
           "RamRole: '{{ OOSAssumeRole }}'\nTasks:\n- {Name: a, Action: ACS::Sleep}\n"
    template = parse_template(text, name="t", source="t")
    assert assumed_role('{"OOSAssumeRole": "HookRole"}', template) == ("HookRole", ROLE_FROM_METADATA)
    assert assumed_role("", template) == ("TplRole", ROLE_FROM_TEMPLATE_DEFAULT)
    assert assumed_role("not json", None) == ("OOSServiceRole", ROLE_FROM_DEFAULT)
    literal = parse_template(text.replace("'{{ OOSAssumeRole }}'", "FixedRole"), name="t", source="t")
    assert assumed_role('{"OOSAssumeRole": "HookRole"}', literal) == ("FixedRole", ROLE_FROM_RAM_ROLE)


@pytest.mark.parametrize("named", ["HookRole", "acs:ram::1234567890123456:role/HookRole", " HookRole "])
def test_a_role_given_by_its_arn_is_the_role_of_that_name(named):
    text = "FormatVersion: OOS-2019-06-01\nRamRole: ROLE\nTasks:\n- {Name: a, Action: ACS::Sleep}\n"
    assert assumed_role("", parse_template(text.replace("ROLE", f"'{named}'"), name="t", source="t"))[0] == "HookRole"
    assert assumed_role(json.dumps({"OOSAssumeRole": named}))[0] == "HookRole"


def test_a_cache_folder_the_file_system_refuses_is_no_cache(cloud, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", "/" + "x" * 5000)     # a name too long: an OSError, exit 70 before
    assert load_template_from_oos(cloud, fx.TEMPLATE_NAME, "v1").name == fx.TEMPLATE_NAME


def test_a_relative_cache_folder_is_ignored_as_xdg_says(cloud, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")
    load_template_from_oos(cloud, fx.TEMPLATE_NAME, "v1")
    assert not (tmp_path / "relative").exists()
