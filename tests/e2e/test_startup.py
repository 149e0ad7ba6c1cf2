"""--help, --version and usage errors never import an Alibaba Cloud SDK module (python -X importtime)."""
import pytest

from tests.support.cli import clean_env, run_essctl


@pytest.mark.parametrize("args", [
    ("--help",), ("--version",), ("group", "list", "--help"), ("role", "show", "--help"), ("group", "lst"),
    ("recipe", "run", "--help"), ("recipe", "plan", "--help"), ("diagnose", "--help"), ("activity", "watch", "--help"),
    ("hook", "--help"), ("recipe", "list"),
])
def test_no_sdk_import(args, tmp_path):
    result = run_essctl(*args, env=clean_env(tmp_path), python_flags=("-X", "importtime"))
    imported = [line.split("|")[-1].strip() for line in result.err.splitlines() if line.startswith("import time:")]
    assert "essctl.cli.app" in imported   # the check sees essctl's own imports
    assert [m for m in imported if m.startswith(("alibabacloud_", "darabonba", "Tea"))] == []


def test_the_sdk_is_imported_when_a_client_is_built(tmp_path):
    result = run_essctl("--tape", "demo", "group", "list", env=clean_env(tmp_path), python_flags=("-X", "importtime"))
    assert result.code == 0
    imported = [line.split("|")[-1].strip() for line in result.err.splitlines() if line.startswith("import time:")]
    assert "alibabacloud_tea_openapi.client" in imported and "alibabacloud_ess20220222.models" in imported


def test_version():
    from essctl import __version__

    result = run_essctl("--version", env=clean_env(__import__("pathlib").Path("/nonexistent")))
    assert result.out.strip() == f"essctl {__version__}"


def test_template_commands_on_a_file_need_no_sdk(tmp_path):
    template = tmp_path / "t.yml"
    template.write_text("Tasks:\n- Name: done\n  Action: ACS::ExecuteAPI\n"
                        "  Properties: {Service: ESS, API: CompleteLifecycleAction}\n")
    result = run_essctl("-o", "json", "template", "policy", "--file", template, env=clean_env(tmp_path),
                        python_flags=("-X", "importtime"))
    assert result.code == 0 and '"ess:CompleteLifecycleAction"' in result.out
    imported = [line.split("|")[-1].strip() for line in result.err.splitlines() if line.startswith("import time:")]
    assert [m for m in imported if m.startswith(("alibabacloud_", "darabonba", "Tea"))] == []


def test_a_command_imports_only_the_sdk_models_it_uses(tmp_path):
    result = run_essctl("--tape", "demo", "group", "list", env=clean_env(tmp_path), python_flags=("-X", "importtime"))
    assert result.code == 0
    imported = [line.split("|")[-1].strip() for line in result.err.splitlines() if line.startswith("import time:")]
    models = [m for m in imported if m.startswith("alibabacloud_ess20220222.models._")]
    assert "alibabacloud_ess20220222.models._describe_scaling_groups_response_body" in models
    assert len(models) < 20     # of the package's 313 modules


def test_json_output_loads_no_table_view(tmp_path):
    result = run_essctl("--tape", "demo", "-o", "json", "group", "list", env=clean_env(tmp_path),
                        python_flags=("-X", "importtime"))
    assert result.code == 0 and '"ScalingGroupId"' in result.out
    imported = [line.split("|")[-1].strip() for line in result.err.splitlines() if line.startswith("import time:")]
    assert "essctl.render.formats" in imported
    assert [m for m in imported if m.split(".")[0] == "rich" or m.startswith(("essctl.render.views",
                                                                              "essctl.render.progress"))] == []
