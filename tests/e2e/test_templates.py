"""Templates read from OOS through the SDK (against the stub): nested actions, listing, the cross-check with
GenerateExecutionPolicy, the local cache. Real OOS templates come from ../shared/oos-templates."""
import json

import pytest

from tests.support.ground_truth import OOS_TEMPLATES as SHARED
from tests.support.ground_truth import needs_shared


@needs_shared
def test_template_from_oos_with_nested_action_from_oos_then_replayed(stub, cli, tmp_path):
    from alibabacloud_oos20190601 import models

    def answer(name, path):
        return models.GetTemplateResponseBody(content=path.read_text(), template=models.GetTemplateResponseBodyTemplate(
            template_name=name, template_version="v12", share_type="Public")).to_map()

    stub.on("GetTemplate", answer("ACS-ESS-LifeCycleRunCommand", SHARED / "PublicTemplates" / "ACS-ESS-LifeCycleRunCommand.yml"),
            answer("ACS::ECS::RunCommand", SHARED / "CloudProductActions" / "ACS::ECS::RunCommand.yml"))
    tape = tmp_path / "tape.yaml"
    live = cli("--endpoint", stub.url, "--region", "cn-hangzhou", "--record", tape, "-o", "json",
               "template", "show", "ACS-ESS-LifeCycleRunCommand")
    assert live.code == 0, live.err
    assert [c.query["TemplateName"] for c in stub.calls("GetTemplate")] == ["ACS-ESS-LifeCycleRunCommand", "ACS::ECS::RunCommand"]
    stub.shutdown()
    replayed = cli("--tape", tape, "-o", "json", "template", "show", "ACS-ESS-LifeCycleRunCommand")
    assert replayed.out == live.out
    shown = json.loads(replayed.out)
    assert shown["RequiredActions"]["ecs"] == ["ecs:DescribeInvocationResults", "ecs:DescribeInvocations", "ecs:RunCommand"]
    assert shown["Version"] == "v12"


def test_template_list_keeps_the_prefix_and_both_share_types(stub, cli):
    from alibabacloud_oos20190601 import models

    def page(*names):
        return models.ListTemplatesResponseBody(templates=[
            models.ListTemplatesResponseBodyTemplates(template_name=n, template_version="v1") for n in names]).to_map()

    stub.on("ListTemplates", page("ACS-ESS-LifeCycleRunCommand", "ACS-ECS-BulkyRunCommand"), page("ACS-ESS-MyOwn"))
    result = cli("--endpoint", stub.url, "--region", "cn-hangzhou", "-o", "json", "template", "list")
    assert [t["TemplateName"] for t in json.loads(result.out)] == ["ACS-ESS-LifeCycleRunCommand", "ACS-ESS-MyOwn"]
    assert [c.query["ShareType"] for c in stub.calls("ListTemplates")] == ["Public", "Private"]


@needs_shared
@pytest.mark.parametrize("shape", [json.dumps, dict], ids=["policy-as-text (the SDK's type)",
                                                         "policy-as-object (the API reference's sample)"])
def test_policy_from_oos_is_cross_checked_with_generate_execution_policy(stub, cli, shape):
    from alibabacloud_oos20190601 import models

    content = (SHARED / "PublicTemplates" / "ACS-ESS-LifeCycleModifyRedisIPWhitelist.yml").read_text()
    stub.on("GetTemplate", models.GetTemplateResponseBody(content=content, template=models.GetTemplateResponseBodyTemplate(
        template_name="ACS-ESS-LifeCycleModifyRedisIPWhitelist", template_version="v5")).to_map())
    generated = {"Version": "1", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
        "ecs:DescribeInstances", "kvstore:ModifySecurityIps", "ess:CompleteLifecycleAction", "kvstore:DescribeSecurityIps"]}]}
    stub.on("GenerateExecutionPolicy", {"Policy": shape(generated), "MissingPolicy": shape({})})

    result = cli("--endpoint", stub.url, "--region", "cn-hangzhou", "-o", "json", "template", "policy",
                 "ACS-ESS-LifeCycleModifyRedisIPWhitelist")
    assert result.code == 0, result.err
    assert json.loads(result.out)["Statement"][2]["Action"] == ["kvstore:ModifySecurityIps"]   # the document stays clean
    assert "cross-check: OOS GenerateExecutionPolicy also lists kvstore:DescribeSecurityIps" in result.err
    [call] = stub.calls("GenerateExecutionPolicy")
    assert (call.query["TemplateName"], call.query["TemplateVersion"]) == ("ACS-ESS-LifeCycleModifyRedisIPWhitelist", "v5")


def test_get_template_content_is_cached_per_region_name_and_version(stub, tmp_path, monkeypatch):
    from alibabacloud_oos20190601 import models

    from essctl.cloud.gateway import Cloud
    from essctl.cloud.session import CloudSession
    from essctl.cloud.settings import CloudSettings
    from essctl.template.source import load_template_from_oos

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    stub.on("GetTemplate", models.GetTemplateResponseBody(
        content="Tasks:\n- {Name: wait, Action: ACS::Sleep}\n",
        template=models.GetTemplateResponseBodyTemplate(template_name="MyTemplate", template_version="v3")).to_map())
    cloud = Cloud(CloudSession(CloudSettings(region="cn-hangzhou", endpoint=stub.url)))
    assert load_template_from_oos(cloud, "MyTemplate").version == "v3"                # latest: always asked
    assert (tmp_path / "cache" / "essctl" / "templates" / "cn-hangzhou" / "MyTemplate@v3.yaml").exists()
    assert load_template_from_oos(cloud, "MyTemplate", "v3").tasks[0].action == "ACS::Sleep"
    assert len(stub.calls("GetTemplate")) == 1                                         # v3 came from the cache


@needs_shared
@pytest.mark.parametrize("refusal", [(403, "Forbidden", "not authorized"),
                                     (400, "InvalidTemplateName", "the template name is reserved")])
def test_nested_action_refused_by_get_template_is_reported_not_fatal(stub, cli, refusal):
    """Whether OOS serves GetTemplate for action names (ACS::ECS::RunCommand) is not documented; a refusal other
    than 'not found' leaves that action unresolved, named with the code, and the rest of the policy stands."""
    from alibabacloud_oos20190601 import models

    from tests.support.stubcloud import error

    content = (SHARED / "PublicTemplates" / "ACS-ESS-LifeCycleRunCommand.yml").read_text()
    stub.on("GetTemplate", models.GetTemplateResponseBody(content=content, template=models.GetTemplateResponseBodyTemplate(
        template_name="ACS-ESS-LifeCycleRunCommand", template_version="v3")).to_map(), error(*refusal))
    stub.on("GenerateExecutionPolicy", {"Policy": "{}", "MissingPolicy": "{}"})
    result = cli("--endpoint", stub.url, "--region", "cn-hangzhou", "-o", "json", "template", "policy",
                 "ACS-ESS-LifeCycleRunCommand", "--allow-incomplete")
    assert result.code == 0, result.err
    assert f"nested action ACS::ECS::RunCommand could not be read (GetTemplate answered {refusal[1]})" in result.err
    assert [s["Action"] for s in json.loads(result.out)["Statement"]] == [["ess:CompleteLifecycleAction"]]
