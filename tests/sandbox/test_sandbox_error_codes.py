"""The sandbox answers the error codes and HTTP statuses the API pages document (api-docs/ess/<Api>.md and their
common-code pages, api-docs/ram/_ErrorMessages.md), spelling included; the rest are in
tests/conformance/known_exceptions.yaml with their sources."""
import urllib.error
import urllib.request

import pytest

from essctl.errors import CloudAPIError
from tests.support.sandbox_steps import GROUP, REGION, RUN_COMMAND, create_hook, grant, session


def _error(call):
    with pytest.raises(CloudAPIError) as caught:
        call()
    return caught.value


def test_the_lifecycle_hook_apis_spell_a_bad_parameter_as_their_pages_do(sandbox):
    from alibabacloud_ess20220222 import models

    s = session(sandbox)
    assert _error(lambda: create_hook(s, timeout=29)).code == "InvalidParamter"      # CreateLifecycleHook.md (sic)
    hook_id = create_hook(s)
    error = _error(lambda: s.ess.complete_lifecycle_action(models.CompleteLifecycleActionRequest(
        lifecycle_hook_id=hook_id, lifecycle_action_token="t", lifecycle_action_result="MAYBE")))
    assert (error.code, error.status) == ("InvalidParamter", 400)          # CompleteLifecycleAction.md (sic)
    error = _error(lambda: s.ess.modify_lifecycle_hook(models.ModifyLifecycleHookRequest(
        lifecycle_hook_id=hook_id, heartbeat_timeout=5)))
    assert error.code == "InvalidParamter"                                # ModifyLifecycleHook.md (sic)
    error = _error(lambda: s.ess.describe_lifecycle_actions(models.DescribeLifecycleActionsRequest(
        region_id=REGION, scaling_activity_id="asa-none")))
    assert error.code == "InvalidParameter"                               # DescribeLifecycleActions.md spells it


def test_a_hook_named_in_its_group_that_is_not_there(sandbox):
    from alibabacloud_ess20220222 import models

    s = session(sandbox)
    error = _error(lambda: s.ess.modify_lifecycle_hook(models.ModifyLifecycleHookRequest(
        region_id=REGION, scaling_group_id=GROUP, lifecycle_hook_name="nobody", heartbeat_timeout=60)))
    assert (error.code, error.status) == ("InvalidLifecycleHookName.NotExist", 400)
    error = _error(lambda: s.ess.modify_lifecycle_hook(models.ModifyLifecycleHookRequest(
        region_id=REGION, lifecycle_hook_id="ash-nobody", heartbeat_timeout=60)))
    assert (error.code, error.status) == ("InvalidLifecycleHookId.NotExist", 400)


def test_a_request_without_a_signature_or_of_an_unknown_version(sandbox):
    request = urllib.request.Request(f"{sandbox.endpoint}/?RegionId={REGION}", method="POST", headers={
        "x-acs-action": "DescribeScalingGroups", "x-acs-version": "2022-02-22"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 400 and b'"IncompleteSignature"' in caught.value.read()

    from alibabacloud_tea_openapi import models as open_api_models
    from darabonba.runtime import RuntimeOptions

    s = session(sandbox)
    params = open_api_models.Params(action="DescribeScalingGroups", version="2014-08-28", protocol="HTTPS",
                                    pathname="/", method="POST", auth_type="AK", style="RPC",
                                    req_body_type="formData", body_type="json")
    error = _error(lambda: s.ess.call_api(params, open_api_models.OpenApiRequest(query={"RegionId": REGION}),
                                          RuntimeOptions()))
    assert (error.code, error.status) == ("InvalidAction.NotFound", 404)   # as the gateway answers (aliyun-cli)


def test_ram_and_oos_codes(sandbox):
    from alibabacloud_oos20190601 import models as oos
    from alibabacloud_ram20150501 import models as ram

    s = session(sandbox)
    grant(s, ["ecs:RunCommand"], name="P")
    error = _error(lambda: s.ram.create_policy_version(ram.CreatePolicyVersionRequest(
        policy_name="P", policy_document='{"Version": "1", "Statement": []}', rotate_strategy="Sometimes")))
    assert (error.code, error.status) == ("InvalidParameter", 400) and "RotateStrategy" in error.message
    error = _error(lambda: s.oos.get_template(oos.GetTemplateRequest(region_id=REGION, template_name=RUN_COMMAND,
                                                                      template_version="v9")))
    assert (error.code, error.status) == ("EntityNotExists.Template", 404)
