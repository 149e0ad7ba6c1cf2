"""--output json|yaml|table, --query, and exit codes, on the bundled demo tape (no network, no credentials)."""
import json

import yaml


def test_json_output_parses_and_uses_api_field_names(cli):
    result = cli("--tape", "demo", "-o", "json", "group", "list")
    assert result.code == 0
    groups = json.loads(result.out)
    assert [g["ScalingGroupId"] for g in groups] == ["asg-bp1demo0000000000001", "asg-bp1demo0000000000002"]
    assert groups[0]["MinSize"] == 1 and groups[0]["VSwitchIds"] == ["vsw-bp1demovsw000000001"]


def test_json_is_the_default_when_stdout_is_not_a_terminal(cli):
    assert json.loads(cli("--tape", "demo", "group", "list").out)


def test_yaml_output_parses_to_the_same_data(cli):
    as_yaml = yaml.safe_load(cli("--tape", "demo", "-o", "yaml", "hook", "list", "--group", "asg-bp1demo0000000000001").out)
    as_json = json.loads(cli("--tape", "demo", "-o", "json", "hook", "list", "--group", "asg-bp1demo0000000000001").out)
    assert as_yaml == as_json and as_json[0]["LifecycleHookName"] == "ESSHookForRunCommand"


def test_query_filters_the_json_form(cli):
    result = cli("--tape", "demo", "group", "list", "--query", "[?LifecycleState=='Active'].ScalingGroupId")
    assert json.loads(result.out) == ["asg-bp1demo0000000000001"]


def test_bad_query_is_a_usage_error(cli):
    result = cli("--tape", "demo", "group", "list", "--query", "[?")
    assert result.code == 2 and result.err.startswith("essctl: error: --query:")


def test_table_shows_the_columns_an_operator_needs(cli):
    result = cli("--tape", "demo", "-o", "table", "activity", "list", "--group", "asg-bp1demo0000000000001")
    assert result.code == 0
    for text in ("asa-bp1demoact000000002", "Failed", "Successful", "Status", "Progress"):
        assert text in result.out
    role = cli("--tape", "demo", "-o", "table", "role", "show", "OOSServiceRole").out
    assert "oos.aliyuncs.com" in role and "ESSHookPolicyForRunCommand" in role
    assert "acs:ram::<account-id>:role/oosservicerole" in role   # no emoji or markup mangling


def test_options_work_before_and_after_the_command(cli):
    before = cli("--tape", "demo", "-o", "json", "execution", "list", "--template", "ACS-ESS-LifeCycleRunCommand")
    after = cli("execution", "list", "--template", "ACS-ESS-LifeCycleRunCommand", "--tape", "demo", "-o", "json")
    assert before.code == after.code == 0 and before.out == after.out
    assert [e["Status"] for e in json.loads(after.out)] == ["Success", "Failed"]


def test_replay_uses_the_tape_region_over_environment_defaults(tmp_path):
    from tests.support.cli import clean_env, run_essctl

    result = run_essctl("--tape", "demo", "group", "list", env=clean_env(tmp_path, ALIBABA_CLOUD_REGION_ID="cn-beijing"))
    assert result.code == 0, result.err
    assert len(json.loads(result.out)) == 2


def test_exit_codes(cli):
    assert cli("--tape", "demo", "group", "list").code == 0
    assert cli("--tape", "demo", "hook", "list", "--group", "asg-doesnotexist").code == 3   # recorded API error
    assert cli("--tape", "demo", "hook", "list").code == 2                                  # missing --group
    assert cli("--tape", "demo", "-o", "xml", "group", "list").code == 2
    assert cli("group", "lst").code == 2
    assert cli("--tape", "no-such-tape", "group", "list").code == 2


def test_usage_errors_are_one_line_without_traceback(cli):
    result = cli("--tape", "demo", "-o", "xml", "group", "list")
    [line] = result.err.strip().splitlines()
    assert line.startswith("essctl: error: Invalid value for '--output'")
