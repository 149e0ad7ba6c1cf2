"""Recipe files: the built-ins (checked against the real public templates where ../shared has them), inputs,
${input} substitution, `recipe list | show | validate | init`, and a corpus of broken recipes that each give one
FILE:LINE:COL error line and exit code 2."""
import json
import re

import pytest

from essctl.errors import InputError
from essctl.recipe.catalog import builtin_recipe_paths, find_recipe
from essctl.recipe.check import check_against_template
from essctl.recipe.inputs import resolve_inputs, stage_parameters
from essctl.recipe.load import load_recipe, parse_recipe
from essctl.recipe.model import RecipeError
from essctl.template.model import load_template_file
from essctl.template.parameters import notification_metadata
from tests.support.cli import REPO
from tests.support.ground_truth import OOS_TEMPLATES, needs_shared
from tests.support.recipe_examples import DETACH_TEMPLATE

SHARED = OOS_TEMPLATES / "PublicTemplates"
BROKEN = REPO / "tests" / "broken_recipes"
TEST_TEMPLATES = BROKEN / "templates"
BUILTINS = ["analyticdb-whitelist", "attach-nic-eip", "mongodb-whitelist", "polardb-whitelist", "redis-whitelist",
            "run-command"]

DEMO = """\
name: demo
template: Test-LifeCycleDemo
inputs:
  mode: {type: String, required: true, allowed: [Add, Remove], example: Add}
  size: {type: Number, default: 4}
  tags: {type: List}
  dry: {type: Boolean}
  settings: {type: Json}
  label: {type: String}
parameters:
  mode: ${mode}
  size: ${size}
  note: "mode ${mode}, size ${size} in ${regionId}"
  tagList: ${tags}
  dryRun: ${dry}
  extra: ${settings}
  title: "${label}"
hook: {name: ESSHookForDemo, transition: SCALE_OUT, timeout: 400}
policy: {derive: true, name: ESSHookPolicyForDemo}
"""


def _demo(tmp_path, text=DEMO):
    path = tmp_path / "demo.yaml"
    path.write_text(text)
    return load_recipe(path)


# ---------------------------------------------------------------------------------------------------- built-ins


def test_the_builtin_recipes_are_there_and_named_after_their_files():
    paths = builtin_recipe_paths()
    assert sorted(paths) == BUILTINS
    for name, path in paths.items():
        recipe = load_recipe(path)
        assert recipe.name == name and recipe.path == path and recipe.title and recipe.reference
        assert all(item.example is not None for item in recipe.inputs if item.required), \
            f"{name}: a required input without an example cannot be dry-run"
        assert find_recipe(name) == recipe


@needs_shared
@pytest.mark.parametrize("name", BUILTINS)
def test_each_builtin_fits_its_public_templates(name):
    recipe = find_recipe(name)
    values = resolve_inputs(recipe, {}, use_examples=True)
    for stage in recipe.stages:
        template = load_template_file(SHARED / f"{stage.template}.yml")
        check_against_template(recipe, stage, template)
        metadata = json.loads(notification_metadata(template, stage_parameters(stage, values)))
        assert not set(metadata) & {"regionId", "instanceIds", "lifecycleHookId", "lifecycleActionToken"}
        assert metadata.get("OOSAssumeRole", "OOSServiceRole") == recipe.role


@needs_shared
def test_run_command_sends_the_tutorial_script_and_grants_the_tutorial_policy():
    recipe = find_recipe("run-command")
    (stage,) = recipe.stages
    template = load_template_file(SHARED / "ACS-ESS-LifeCycleRunCommand.yml")
    assert recipe.input("commandType").allowed == tuple(template.parameters["commandType"].allowed_values)
    metadata = json.loads(notification_metadata(template, stage_parameters(stage, resolve_inputs(
        recipe, {}, use_examples=True))))
    assert metadata["commandType"] == "RunShellScript"
    assert metadata["commandContent"].split() == ["yum", "install", "-y", "httpd", "systemctl", "start", "httpd",
                                                  "systemctl", "enable", "httpd"]
    assert (stage.hook.name, stage.hook.transition) == ("ESSHookForRunCommand", "SCALE_OUT")
    assert stage.hook.timeout >= template.parameters["timeout"].default + 300
    assert recipe.policy.name == "ESSHookPolicyForRunCommand"
    assert sorted(a for s in recipe.policy.document["Statement"] for a in s["Action"]) == [
        "ecs:DescribeInvocationResults", "ecs:DescribeInvocations", "ecs:RunCommand", "ess:CompleteLifecycleAction"]
    assert (recipe.trigger.rule, recipe.trigger.adjustment) == ("run-command-add1", 1)


def test_whitelist_recipes_append_on_scale_out_and_delete_on_scale_in():
    for name in ("redis-whitelist", "polardb-whitelist", "mongodb-whitelist", "analyticdb-whitelist"):
        recipe = find_recipe(name)
        out, into = recipe.stages
        assert (out.hook.transition, into.hook.transition) == ("SCALE_OUT", "SCALE_IN")
        assert (out.parameters["modifyMode"], into.parameters["modifyMode"]) == ("Append", "Delete")
        assert out.template == into.template and out.hook.name != into.hook.name
    assert find_recipe("redis-whitelist").policy.name == "ESSHookPolicyForRedisWhitelist"
    assert find_recipe("redis-whitelist").input("dbInstanceId").example == "r-bp1example000000"


def test_attach_nic_eip_derives_by_default_and_offers_the_tutorials_system_policies():
    recipe = find_recipe("attach-nic-eip")
    assert recipe.policy.derive and recipe.policy.name == "ESSHookPolicyForAttachNicEip"
    assert recipe.policy_variants["tutorial"].system == ("AliyunECSFullAccess", "AliyunESSFullAccess",
                                                         "AliyunEIPFullAccess")
    assert [stage.template for stage in recipe.stages] == [
        "ACS-ESS-LifeCycleCreateNetworkInterfaceAndEipAndAttachToInstance",
        "ACS-ESS-LifeCycleDetachNetworkInterfaceAndDeleteEip"]
    assert "internetChargeType" not in recipe.stages[1].parameters   # another template: its own parameters


def test_find_recipe_names_the_builtins_for_an_unknown_name():
    with pytest.raises(RecipeError, match=r"run-comand: not a built-in recipe or a file \(did you mean run-command\?"
                                          r"\); built-ins: analyticdb-whitelist, attach-nic-eip"):
        find_recipe("run-comand")
    with pytest.raises(RecipeError, match="no such recipe file"):
        find_recipe("./missing.yaml")


# ---------------------------------------------------------------------------------------------------- inputs


def test_resolve_inputs_types_each_value(tmp_path):
    recipe = _demo(tmp_path)
    values = resolve_inputs(recipe, {"mode": "Remove", "size": "2.5", "tags": "a, b", "dry": "TRUE",
                                     "settings": '{"k": [1]}', "label": "007"})
    assert values == {"mode": "Remove", "size": 2.5, "tags": ["a", "b"], "dry": True, "settings": {"k": [1]},
                      "label": "007"}
    assert resolve_inputs(recipe, {"mode": "Add", "size": "3", "tags": '["x"]'}) == {
        "mode": "Add", "size": 3, "tags": ["x"]}


def test_resolve_inputs_uses_examples_then_defaults(tmp_path):
    recipe = _demo(tmp_path)
    assert resolve_inputs(recipe, {}, use_examples=True) == {"mode": "Add", "size": 4}
    assert resolve_inputs(recipe, {"size": "8"}, use_examples=True) == {"mode": "Add", "size": 8}


@pytest.mark.parametrize("raw, field, problem", [
    ({"mode": "Add", "sise": "3"}, "input.sise", "not an input of recipe demo (did you mean size?)"),
    ({"size": "3"}, "input.mode", "required by recipe demo"),
    ({"mode": "Sideways"}, "input.mode", "must be one of Add, Remove, got 'Sideways'"),
    ({"mode": "Add", "size": "big"}, "input.size", "must be a number, got 'big'"),
    ({"mode": "Add", "dry": "yes"}, "input.dry", "must be true or false, got 'yes'"),
    ({"mode": "Add", "settings": "{oops"}, "input.settings", "must be JSON, got '{oops'"),
])
def test_resolve_inputs_errors_name_the_input(tmp_path, raw, field, problem):
    with pytest.raises(InputError) as caught:
        resolve_inputs(_demo(tmp_path), raw)
    assert (caught.value.field, caught.value.problem) == (field, problem)


def test_the_command_line_words_an_input_as_its_flag(cli, tmp_path):
    _demo(tmp_path)
    result = cli("recipe", "plan", tmp_path / "demo.yaml", "--group", "asg-x", "-p", "mode=Add", "-p", "sise=3")
    assert result.code == 2
    assert result.err == "essctl: error: -p sise: not an input of recipe demo (did you mean size?)\n"


def test_stage_parameters_keeps_whole_references_typed_and_text_references_text(tmp_path):
    recipe = _demo(tmp_path)
    (stage,) = recipe.stages
    values = resolve_inputs(recipe, {"mode": "Add", "tags": "a,b", "dry": "false", "settings": '{"k":1}'})
    assert stage_parameters(stage, values) == {
        "mode": "Add", "size": 4, "note": "mode Add, size 4 in ${regionId}", "tagList": ["a", "b"],
        "dryRun": False, "extra": {"k": 1}}   # label has no value: the template's default applies


def test_stage_parameters_refuses_text_that_needs_a_missing_input(tmp_path):
    recipe = _demo(tmp_path, DEMO.replace('"${label}"', '"about ${label}"'))
    with pytest.raises(InputError, match=r"input.label: has no value, and parameters.title needs it"):
        stage_parameters(recipe.stages[0], resolve_inputs(recipe, {"mode": "Add"}))


def test_locate_names_file_line_and_column(tmp_path):
    document = _demo(tmp_path).document
    assert document.position(("hook",)) == (18, 7)
    assert document.position(("parameters", "size")) == (12, 9)
    assert document.position(("parameters", "nothing")) == (11, 3)   # the nearest parent
    with pytest.raises(RecipeError, match=r"demo.yaml:11:3: parameters.nothing: missing"):
        _demo(tmp_path).fail(("parameters", "nothing"), "missing")


def test_scale_in_errors_point_at_the_override(tmp_path):
    text = DEMO + "scale_in:\n  hook: {name: ESSHookForDemoIn}\n  parameters:\n    mode: Sideways\n"
    recipe = _demo(tmp_path, text)
    template = load_template_file(TEST_TEMPLATES / "Test-LifeCycleDemo.yml")
    assert recipe.stages[1].hook.transition == "SCALE_IN"
    with pytest.raises(RecipeError, match=r"demo.yaml:23:11: scale_in.parameters.mode: must be one of Add, Remove"):
        check_against_template(recipe, recipe.stages[1], template)


def test_parse_recipe_names_the_source():
    with pytest.raises(RecipeError, match=r"^inline:1:7: name: must be 2-64"):
        parse_recipe("name: x\ntemplate: T\nhook: {name: h1, transition: SCALE_OUT}\n"
                     "policy: {system: [AliyunECSFullAccess]}\n", source="inline")
    with pytest.raises(RecipeError, match=r"^inline:1:1: recipe: missing required field template$"):
        parse_recipe("name: x\n", source="inline")


# ---------------------------------------------------------------------------------------------------- commands


def test_recipe_list_json(cli):
    result = cli("recipe", "list", "-o", "json")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert [row["Name"] for row in rows] == BUILTINS
    redis = next(row for row in rows if row["Name"] == "redis-whitelist")
    assert redis["Template"] == ["ACS-ESS-LifeCycleModifyRedisIPWhitelist"]
    assert redis["Transitions"] == ["SCALE_OUT", "SCALE_IN"]


def test_recipe_show_lists_the_steps_with_the_exact_arn_and_metadata(cli):
    result = cli("recipe", "show", "redis-whitelist", "-o", "json")
    assert result.code == 0, result.err
    shown = json.loads(result.out)
    actions = [step["Action"] for step in shown["Steps"]]
    assert actions == ["GetRole", "CreatePolicy", "AttachPolicyToRole", "CreateLifecycleHook", "CreateLifecycleHook",
                       "CreateScalingRule", "ExecuteScalingRule", "watch"]
    hooks = [step["Detail"] for step in shown["Steps"] if step["Action"] == "CreateLifecycleHook"]
    arn = "acs:oos:{region}:{account}:template/ACS-ESS-LifeCycleModifyRedisIPWhitelist"
    assert f"NotificationArn {arn}" in hooks[0]
    assert ('{"dbInstanceId":"r-bp1example000000","modifyMode":"Append","OOSAssumeRole":"OOSServiceRole"}'
            in hooks[0])
    assert '"modifyMode":"Delete"' in hooks[1] and "SCALE_IN" in hooks[1]
    assert shown["Policy"]["Document"]["Statement"][1]["Action"] == ["kvstore:ModifySecurityIps"]


def test_recipe_show_of_a_derived_policy_says_so(cli):
    shown = json.loads(cli("recipe", "show", "attach-nic-eip", "-o", "json").out)
    assert shown["Policy"]["Document"].startswith("derived from ACS-ESS-LifeCycleCreateNetworkInterface")
    assert shown["PolicyVariants"]["tutorial"]["SystemPolicies"] == [
        "AliyunECSFullAccess", "AliyunESSFullAccess", "AliyunEIPFullAccess"]


def test_recipe_show_table(cli):
    result = cli("recipe", "show", "run-command", "-o", "table")
    assert result.code == 0 and "ESSHookForRunCommand" in result.out and "commandContent" in result.out


@needs_shared
def test_recipe_validate_builtins_against_the_public_templates(cli):
    for name in BUILTINS:
        result = cli("recipe", "validate", name, "--template-dir", SHARED, "-o", "table")
        assert result.code == 0, result.err
        assert result.out.startswith(f"ok: {builtin_recipe_paths()[name]} (parameters checked against ACS-ESS-")


def test_recipe_validate_structure_only(cli):
    result = cli("recipe", "validate", "run-command", "-o", "table")
    assert (result.code, result.out, result.err) == (0, f"ok: {builtin_recipe_paths()['run-command']}\n", "")
    as_json = json.loads(cli("recipe", "validate", "run-command").out)
    assert as_json == {"File": str(builtin_recipe_paths()["run-command"]), "Valid": True, "CheckedAgainst": []}


BROKEN_FILES = sorted(BROKEN.glob("*.yaml"))
EXPECT = re.compile(r"# expect: (\d+):(\d+): (\S+): (.+)")


def test_the_broken_corpus_is_large_enough():
    assert len(BROKEN_FILES) >= 18


@pytest.mark.parametrize("path", BROKEN_FILES, ids=lambda p: p.stem)
def test_each_broken_recipe_gives_one_error_line_and_exit_2(cli, path):
    expect = EXPECT.fullmatch(path.read_text().split("\n", 1)[0])
    assert expect, f"{path.name}: the first line must be '# expect: LINE:COL: field: text'"
    line, column, field, text = expect.groups()
    result = cli("recipe", "validate", path, "--template-dir", TEST_TEMPLATES)
    assert result.code == 2 and result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert f"{path}:{line}:{column}: {field}: " in lines[0]
    assert text in lines[0]


def test_the_corpus_base_is_valid(cli, tmp_path):
    """Each broken file differs from a valid recipe; the demo template accepts that recipe."""
    base = tmp_path / "base.yaml"
    base.write_text("name: demo\ntemplate: Test-LifeCycleDemo\ninputs:\n  mode: {type: String, required: true, "
                    "allowed: [Add, Remove], example: Add}\nparameters:\n  mode: ${mode}\nhook:\n"
                    "  name: ESSHookForDemo\n  transition: SCALE_OUT\n  timeout: 400\npolicy:\n  derive: true\n"
                    "  name: ESSHookPolicyForDemo\n")
    result = cli("recipe", "validate", base, "--template-dir", TEST_TEMPLATES)
    assert result.code == 0, result.err


def test_validate_with_a_template_dir_missing_the_template(cli, tmp_path):
    result = cli("recipe", "validate", "run-command", "--template-dir", tmp_path)
    assert result.code == 2 and f"--template-dir: no ACS-ESS-LifeCycleRunCommand.yml in {tmp_path}" in result.err


# ---------------------------------------------------------------------------------------------------- init


def test_init_writes_a_skeleton_that_validates(cli, tmp_path):
    template = tmp_path / "My-LifeCycleDetachDataDisk.yml"
    template.write_text(DETACH_TEMPLATE)
    out = tmp_path / "recipe.yaml"
    result = cli("recipe", "init", "--template-file", template, "--output-file", out)
    assert result.code == 0, result.err
    recipe = load_recipe(out)
    (stage,) = recipe.stages
    assert recipe.name == "my-detach-data-disk" and stage.template == "My-LifeCycleDetachDataDisk"
    assert stage.hook.transition == "SCALE_IN" and recipe.trigger.adjustment == -1
    assert stage.hook.timeout >= 900 + 300
    assert [item.name for item in recipe.inputs] == ["diskCategory", "options"]
    assert recipe.input("diskCategory").allowed == ("cloud_essd", "cloud_ssd")
    assert stage.parameters == {"diskCategory": "${diskCategory}", "options": "${options}",
                                "OOSAssumeRole": "OOSServiceRole"}
    assert recipe.policy.derive
    validated = cli("recipe", "validate", out, "--template-file", template, "-o", "table")
    assert validated.code == 0 and validated.out.startswith(f"ok: {out}"), validated.err


def test_init_gives_the_ecs_and_eci_variants_of_a_template_their_own_names(cli, tmp_path):
    names = []
    for template_name in ("ACS-ESS-LifeCycleDetachDataDisk", "ACS-ESS-ECILifeCycleDetachDataDisk"):
        template = tmp_path / f"{template_name}.yml"
        template.write_text(DETACH_TEMPLATE)
        out = tmp_path / f"{template_name}.yaml"
        assert cli("recipe", "init", "--template-file", template, "--output-file", out).code == 0
        recipe = load_recipe(out)
        names.append((recipe.name, recipe.stages[0].hook.name, recipe.policy.name, recipe.trigger.rule))
    assert names == [
        ("detach-data-disk", "ESSHookForDetachDataDisk", "ESSHookPolicyForDetachDataDisk", "detach-data-disk-remove1"),
        ("eci-detach-data-disk", "ESSHookForECIDetachDataDisk", "ESSHookPolicyForECIDetachDataDisk",
         "eci-detach-data-disk-remove1")]


def test_init_refuses_to_overwrite_without_force(cli, tmp_path):
    template = tmp_path / "t.yml"
    template.write_text(DETACH_TEMPLATE)
    out = tmp_path / "recipe.yaml"
    out.write_text("mine\n")
    result = cli("recipe", "init", "--template", "My-LifeCycleAddThing", "--template-file", template,
                 "--output-file", out)
    assert result.code == 2 and "exists (add --force" in result.err and out.read_text() == "mine\n"
    forced = cli("recipe", "init", "--template", "My-LifeCycleAddThing", "--template-file", template,
                 "--output-file", out, "--force")
    assert forced.code == 0
    assert load_recipe(out).stages[0].template == "My-LifeCycleAddThing"
    assert load_recipe(out).stages[0].hook.transition == "SCALE_OUT"


def test_init_to_stdout_and_refuses_non_lifecycle_templates(cli, tmp_path):
    template = tmp_path / "Plain.yml"
    template.write_text("Tasks:\n- Name: a\n  Action: ACS::ExecuteAPI\n  Properties: {Service: ECS, API: X}\n")
    result = cli("recipe", "init", "--template-file", template)
    assert result.code == 2 and "not a lifecycle-hook template" in result.err
    template.write_text(DETACH_TEMPLATE)
    result = cli("recipe", "init", "--template-file", template)
    assert result.code == 0 and "template: Plain" in result.out


@needs_shared
@pytest.mark.parametrize("path", sorted(SHARED.glob("ACS-ESS-*LifeCycle*.yml")) if SHARED.exists() else [],
                         ids=lambda p: p.stem)
def test_init_round_trips_every_public_lifecycle_template(cli, tmp_path, path):
    out = tmp_path / "r.yaml"
    assert cli("recipe", "init", "--template-file", path, "--output-file", out).code == 0
    result = cli("recipe", "validate", out, "--template-file", path)
    assert result.code == 0, result.err
