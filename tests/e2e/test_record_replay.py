"""Record against a loopback server through the real SDK, then replay with the server gone and no credentials."""
import json

import yaml

from tests.support.cli import clean_env, run_essctl
from tests.support.stubcloud import error


def _groups_body(*ids):
    from alibabacloud_ess20220222 import models

    return models.DescribeScalingGroupsResponseBody(
        total_count=len(ids), page_number=1, page_size=50,
        scaling_groups=[models.DescribeScalingGroupsResponseBodyScalingGroups(
            scaling_group_id=i, scaling_group_name=f"name-{i}", lifecycle_state="Active", min_size=0, max_size=3)
            for i in ids],
    ).to_map()


def test_replay_with_server_down_and_no_credentials_gives_the_recorded_answers(stub, cli, tmp_path):
    tape = tmp_path / "tape.yaml"
    stub.on("DescribeScalingGroups", _groups_body("asg-1", "asg-2"))
    stub.on("DescribeLifecycleHooks", error(404, "InvalidScalingGroupId.NotFound", "The specified scaling group does not exist."))
    live = ["--endpoint", stub.url, "--region", "cn-hangzhou", "--record", tape, "-o", "json"]

    recorded = cli(*live, "group", "list")
    recorded_error = cli(*live, "hook", "list", "--group", "asg-gone")
    assert recorded.code == 0 and recorded_error.code == 3
    assert stub.calls("DescribeScalingGroups")[0].headers["authorization"].startswith("ACS3-HMAC-SHA256")
    stub.shutdown()

    env = clean_env(tmp_path / "home")   # no credentials of any kind
    replayed = run_essctl("--tape", tape, "-o", "json", "group", "list", env=env)
    replayed_error = run_essctl("--tape", tape, "hook", "list", "--group", "asg-gone", env=env)

    assert replayed.code == 0, replayed.err
    assert json.loads(replayed.out) == json.loads(recorded.out)
    assert [g["ScalingGroupId"] for g in json.loads(replayed.out)] == ["asg-1", "asg-2"]
    assert replayed_error.code == 3
    assert replayed_error.err.strip() == recorded_error.err.strip()
    assert "InvalidScalingGroupId.NotFound" in replayed_error.err


def test_tape_records_request_and_response_in_the_documented_shape(stub, cli, tmp_path):
    tape = tmp_path / "tape.yaml"
    stub.on("DescribeLifecycleHooks", error(404, "InvalidScalingGroupId.NotFound", "no such group"))
    cli("--endpoint", stub.url, "--region", "cn-beijing", "--record", tape, "hook", "list", "--group", "asg-9")

    document = yaml.safe_load(tape.read_text())
    assert document["format"] == 1 and document["region"] == "cn-beijing"
    [item] = document["interactions"]
    assert (item["service"], item["version"], item["action"]) == ("ess", "2022-02-22", "DescribeLifecycleHooks")
    assert item["parameters"]["ScalingGroupId"] == "asg-9"
    assert item["error"]["class"] == "ClientException"
    assert (item["error"]["status"], item["error"]["code"]) == (404, "InvalidScalingGroupId.NotFound")
    assert item["error"]["request_id"].startswith("STUB-")


def test_a_call_the_tape_lacks_fails_naming_action_and_parameters(stub, cli, tmp_path):
    tape = tmp_path / "tape.yaml"
    stub.on("DescribeScalingGroups", _groups_body("asg-1"))
    cli("--endpoint", stub.url, "--region", "cn-hangzhou", "--record", tape, "group", "list")

    result = cli("--tape", tape, "hook", "list", "--group", "asg-1")

    assert result.code == 2
    assert "no answer for ess:DescribeLifecycleHooks" in result.err and "ScalingGroupId=asg-1" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_repeated_calls_replay_in_recorded_order_and_the_last_answer_repeats(stub, cli, tmp_path):
    tape = tmp_path / "tape.yaml"
    stub.on("DescribeScalingGroups", _groups_body("asg-1"), _groups_body("asg-1", "asg-2"))
    for _ in range(2):
        cli("--endpoint", stub.url, "--region", "cn-hangzhou", "--record", tape, "group", "list")
    stub.shutdown()

    answers = [json.loads(cli("--tape", tape, "-o", "json", "group", "list").out) for _ in range(3)]
    # One session per command: each starts from the first answer again.
    assert [len(a) for a in answers] == [1, 1, 1]

    from essctl.cloud.gateway import Cloud
    from essctl.cloud.session import CloudSession
    from essctl.cloud.settings import CloudSettings

    ess = Cloud(CloudSession(CloudSettings(tape=tape))).ess
    assert [len(ess.list_scaling_groups()) for _ in range(4)] == [1, 2, 2, 2]


def test_client_token_does_not_affect_matching(stub, tmp_path):
    from alibabacloud_ess20220222 import models

    from essctl.cloud.session import CloudSession
    from essctl.cloud.settings import CloudSettings

    tape = tmp_path / "tape.yaml"
    stub.on("ExecuteScalingRule", models.ExecuteScalingRuleResponseBody(scaling_activity_id="asa-1").to_map())
    live = CloudSession(CloudSettings(region="cn-hangzhou", endpoint=stub.url, record=tape))
    live.ess.execute_scaling_rule(models.ExecuteScalingRuleRequest(scaling_rule_ari="ari:x", client_token="token-a"))
    stub.shutdown()

    replay = CloudSession(CloudSettings(tape=tape))
    answer = replay.ess.execute_scaling_rule(models.ExecuteScalingRuleRequest(scaling_rule_ari="ari:x", client_token="token-b"))
    assert answer.body.scaling_activity_id == "asa-1"
    # Recorded as sent, ignored when matching.
    assert yaml.safe_load(tape.read_text())["interactions"][0]["parameters"]["ClientToken"] == "token-a"


def test_redact_account_replaces_the_account_id_and_replay_still_matches(stub, cli, tmp_path):
    from alibabacloud_ram20150501 import models

    tape = tmp_path / "tape.yaml"
    stub.on("GetRole", models.GetRoleResponseBody(role=models.GetRoleResponseBodyRole(
        role_name="OOSServiceRole", arn="acs:ram::1234567890123456:role/oosservicerole")).to_map())
    stub.on("ListPoliciesForRole", models.ListPoliciesForRoleResponseBody(
        policies=models.ListPoliciesForRoleResponseBodyPolicies(policy=[])).to_map())
    cli("--endpoint", stub.url, "--region", "cn-hangzhou", "--record", tape, "--redact-account", "role", "show", "OOSServiceRole")

    text = tape.read_text()
    assert "1234567890123456" not in text and "acs:ram::<account-id>:role/oosservicerole" in text
    result = cli("--tape", tape, "-o", "json", "role", "show", "OOSServiceRole")
    assert result.code == 0 and json.loads(result.out)["Role"]["Arn"] == "acs:ram::<account-id>:role/oosservicerole"
