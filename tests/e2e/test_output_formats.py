"""-o text (the AWS CLI's bare values), -o yaml without `...`, --query on a watch (per event), combinations that
cannot apply (exit 2, one line), -p KEY=@FILE / file://, and `template policy`'s exit code when incomplete."""
import json

import pytest
import yaml

from essctl.render.formats import format_data, format_event
from tests.e2e.test_watch import FAST, _cloud, _scale_out, paced  # noqa: F401, F811 (a fixture)
from tests.support.ground_truth import SHARED, needs_shared

GROUP_1, GROUP_2 = "asg-bp1demo0000000000001", "asg-bp1demo0000000000002"


def test_text_prints_a_queried_string_bare(cli):
    result = cli("--tape", "demo", "-o", "text", "group", "list", "--query", "[0].ScalingGroupId")
    assert result.code == 0 and result.out == f"{GROUP_1}\n"


def test_text_puts_a_list_of_scalars_on_one_line_tab_separated(cli):
    result = cli("--tape", "demo", "-o", "text", "group", "list", "--query", "[].ScalingGroupId")
    assert result.out == f"{GROUP_1}\t{GROUP_2}\n"


def test_text_prints_one_row_per_object(cli):
    result = cli("--tape", "demo", "-o", "text", "group", "list", "--query",
                 "[].{Id: ScalingGroupId, Min: MinSize, State: LifecycleState}")
    assert result.out.splitlines() == [f"{GROUP_1}\t1\tActive", f"{GROUP_2}\t0\tInactive"]


@pytest.mark.parametrize("data, expected", [
    ("a\tb\nc", "a\\tb\\nc\n"),                            # a value never breaks its row
    (None, "\n"), (True, "true\n"), (3, "3\n"), ([], ""),
    ({"B": 2, "A": "x", "L": ["p", "q"], "M": {"K": None}}, "x\t2\nL\tp\nL\tq\nM\t\n"),
    ([{"A": 1}, {"B": 2}], "1\t\n\t2\n"),                   # every row has a column for every scalar key
])
def test_text_form_of_json_values(data, expected):
    assert format_data(data, "text") == expected


def test_yaml_of_a_bare_value_has_no_document_end_marker(cli):
    result = cli("--tape", "demo", "-o", "yaml", "group", "list", "--query", "[0].ScalingGroupId")
    assert result.code == 0 and result.out == f"{GROUP_1}\n"


def test_yaml_events_form_a_stream_of_documents():
    text = format_event({"a": 1}, "yaml") + format_event({"a": 2}, "yaml")
    assert list(yaml.safe_load_all(text)) == [{"a": 1}, {"a": 2}]


def test_watch_applies_the_query_to_each_event_and_the_summary(cli, paced):  # noqa: F811
    _, _, activity_id = _scale_out(paced)
    query = "[Event, Status || State]"
    result = cli("activity", "watch", activity_id, "-o", "text", "--query", query, *FAST, *_cloud(paced))
    assert result.code == 0, result.err
    rows = [line.split("\t") for line in result.out.splitlines()]
    assert ["instance", "InService"] in rows and ["execution", "Success"] in rows
    assert rows[-1] == ["summary", ""]
    as_json = cli("activity", "watch", activity_id, "-o", "json", "--query", "Succeeded", *FAST, *_cloud(paced))
    assert as_json.out.splitlines() == ["true"]     # events the query finds nothing in (null) are left out


def test_query_on_a_watch_in_a_table_is_refused_before_any_call(cli):
    result = cli("execution", "watch", "exec-1", "-o", "table", "--query", "status", "--tape", "demo")
    assert result.code == 2 and result.out == ""
    assert result.err.strip() == ("essctl: error: --query: a watch applies it to each event in -o json, yaml or "
                                  "text, not in a table; add -o json")


def test_recipe_init_refuses_formats_it_cannot_write(cli, tmp_path):
    for option in (["--query", "Name"], ["-o", "json"]):
        result = cli("recipe", "init", "--template", "X", *option)
        assert result.code == 2 and "recipe init writes a commented YAML recipe" in result.err


def test_recipe_validate_answers_in_every_format(cli):
    assert json.loads(cli("-o", "json", "recipe", "validate", "run-command").out)["Valid"] is True
    assert cli("-o", "table", "recipe", "validate", "run-command").out.startswith("ok: ")


@needs_shared
@pytest.mark.parametrize("prefix", ["@", "file://"])
def test_a_parameter_value_is_read_from_a_file(cli, tmp_path, prefix):
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\necho 'hi'\n")
    template = SHARED / "oos-templates" / "PublicTemplates" / "ACS-ESS-LifeCycleRunCommand.yml"
    result = cli("-o", "json", "template", "check", "--file", template, "-p", f"commandContent={prefix}{script}",
                 "-p", "commandType=RunShellScript")
    assert result.code == 0, result.err
    assert json.loads(json.loads(result.out)["NotificationMetadata"])["commandContent"] == "#!/bin/sh\necho 'hi'\n"


def test_a_recipe_input_is_read_from_a_file_and_a_double_at_is_literal(cli, tmp_path):
    script = tmp_path / "s.sh"
    script.write_text("echo from-file\n")
    result = cli("-o", "json", "recipe", "plan", "run-command", "--dry-run", "-p", f"commandContent=@{script}")
    assert result.code == 0, result.err
    assert json.loads(result.out)["Inputs"]["commandContent"] == "echo from-file\n"
    literal = cli("-o", "json", "recipe", "plan", "run-command", "--dry-run", "-p", "commandContent=@@home")
    assert json.loads(literal.out)["Inputs"]["commandContent"] == "@home"


@pytest.mark.parametrize("content, problem", [
    (b"\xff\xfe", "is not UTF-8 text (byte 0)"),
    (b"a\x1bb", "the value holds a control character (\\x1b) at position 1"),
    (b"x" * 16385, "is larger than 16384 bytes"),
])
def test_a_bad_value_file_is_one_line_and_exit_2(cli, tmp_path, content, problem):
    path = tmp_path / "v"
    path.write_bytes(content)
    result = cli("recipe", "plan", "run-command", "--dry-run", "-p", f"commandContent=@{path}")
    assert result.code == 2 and result.out == "" and len(result.err.splitlines()) == 1
    assert result.err.startswith("essctl: error: -p commandContent: ") and problem in result.err


def test_a_missing_value_file_is_named(cli, tmp_path):
    result = cli("recipe", "plan", "run-command", "--dry-run", "-p", f"commandContent=file://{tmp_path}/none")
    assert result.code == 2 and f"cannot read {tmp_path}/none: No such file or directory" in result.err


def test_a_custom_recipe_dry_run_without_a_tape_says_what_to_do(cli, tmp_path):
    from essctl.recipe.catalog import builtin_recipe_paths

    recipe = tmp_path / "mine.yaml"
    recipe.write_text(builtin_recipe_paths()["run-command"].read_text().replace("name: run-command", "name: mine", 1))
    result = cli("recipe", "plan", recipe, "--dry-run")
    assert result.code == 2 and result.out == ""
    [line] = result.err.splitlines()
    assert line.startswith("essctl: error: --dry-run: no recorded answers for mine: only the built-in recipes")
    assert "--record my-tape.yaml" in line and line.endswith("then add --tape my-tape.yaml")
    assert "--tape: no file" not in line


def test_teardown_names_the_missing_role_instead_of_waiting_for_it(cli, sandbox_factory):
    from essctl.sandbox.scenario import parse_scenario

    box = sandbox_factory(parse_scenario("groups: [{id: asg-sandbox000000000001, min: 0, max: 5, instances: 1}]\n"
                                         "roles: []\n"))
    result = cli("recipe", "teardown", "run-command", "-g", "asg-sandbox000000000001", "-o", "table", "--yes",
                 "--endpoint", box.endpoint, "--region", "cn-hangzhou")
    assert result.code == 0, result.err
    assert "account unknown (role OOSServiceRole not found)" in result.out.splitlines()[1]
