"""Recipe commands as a user runs them: no SDK imported where none is needed, and `recipe init` reading its
template from OOS through the SDK."""
import pytest

from essctl.recipe.load import load_recipe
from tests.support.cli import REPO, clean_env, run_essctl
from tests.support.recipe_examples import DETACH_TEMPLATE

BROKEN = REPO / "tests" / "broken_recipes"
TEST_TEMPLATES = BROKEN / "templates"


@pytest.mark.parametrize("args", [
    ("recipe", "list"), ("recipe", "show", "run-command"), ("recipe", "validate", "attach-nic-eip"),
    ("recipe", "validate", BROKEN / "bad-timeout.yaml"),
    ("recipe", "init", "--template-file", TEST_TEMPLATES / "Test-LifeCycleDemo.yml"),
])
def test_recipe_commands_import_no_sdk(tmp_path, args):
    result = run_essctl(*args, env=clean_env(tmp_path), python_flags=("-X", "importtime"))
    assert result.code in (0, 2), result.err
    imported = [line.split("|")[-1].strip() for line in result.err.splitlines() if line.startswith("import time:")]
    assert "essctl.recipe.load" in imported
    assert [m for m in imported if m.startswith(("alibabacloud_", "darabonba", "Tea"))] == []


def test_init_reads_the_template_from_oos_through_the_sdk(stub, cli, tmp_path, monkeypatch):
    from alibabacloud_oos20190601 import models

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    stub.on("GetTemplate", models.GetTemplateResponseBody(content=DETACH_TEMPLATE, template=(
        models.GetTemplateResponseBodyTemplate(template_name="My-LifeCycleDetachDataDisk", template_version="v2"))
    ).to_map())
    out = tmp_path / "recipe.yaml"
    result = cli("--endpoint", stub.url, "--region", "cn-hangzhou", "recipe", "init",
                 "--template", "My-LifeCycleDetachDataDisk", "--output-file", out)
    assert result.code == 0, result.err
    [call] = stub.calls("GetTemplate")
    assert call.query["TemplateName"] == "My-LifeCycleDetachDataDisk"
    assert load_recipe(out).stages[0].template == "My-LifeCycleDetachDataDisk"
