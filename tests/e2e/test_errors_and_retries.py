"""Every SDK failure becomes one CloudAPIError; throttling and 5xx are retried with backoff, other 4xx never; a
mutating call without a ClientToken is sent once (facts/idempotence.py)."""
import socket

import pytest

from essctl.cloud.gateway import Cloud
from essctl.cloud.session import CloudSession
from essctl.cloud.settings import CloudSettings
from essctl.errors import CloudAPIError
from essctl.facts.idempotence import SENT_ONCE
from tests.support.stubcloud import Reply, error

EMPTY = {"ScalingGroups": [], "TotalCount": 0, "PageNumber": 1, "PageSize": 50}


def _session(stub):
    return CloudSession(CloudSettings(region="cn-hangzhou", endpoint=stub.url))


def test_forbidden_ram_maps_to_one_error_with_denied_action(stub, cli):
    detail = {"AuthAction": "ess:DescribeScalingGroups", "PolicyType": "AccountLevelIdentityBasedPolicy",
              "AuthPrincipalType": "SubUser", "NoPermissionType": "ImplicitDeny"}
    stub.on("DescribeScalingGroups", error(403, "Forbidden.RAM", "User not authorized to operate on the specified resource.",
                                           AccessDeniedDetail=detail))
    with pytest.raises(CloudAPIError) as caught:
        Cloud(_session(stub)).ess.list_scaling_groups()
    err = caught.value
    assert (err.service, err.action, err.code, err.status) == ("ess", "DescribeScalingGroups", "Forbidden.RAM", 403)
    assert err.message == "User not authorized to operate on the specified resource."
    assert err.request_id.startswith("STUB-") and err.access_denied_detail["AuthAction"] == "ess:DescribeScalingGroups"
    assert len(stub.calls("DescribeScalingGroups")) == 1   # a 403 is never retried

    result = cli("--endpoint", stub.url, "--region", "cn-hangzhou", "group", "list")
    assert result.code == 3
    assert result.err.strip().splitlines() == [
        "essctl: error: ess:DescribeScalingGroups Forbidden.RAM: User not authorized to operate on the specified "
        f"resource. [denied action ess:DescribeScalingGroups] (request id {result.err.split('request id ')[1].split(')')[0]})"]


def test_throttling_user_400_is_retried_until_it_succeeds(stub):
    stub.on("DescribeScalingGroups", error(400, "Throttling.User", "Request was denied due to user flow control."), EMPTY)
    assert Cloud(_session(stub)).ess.list_scaling_groups() == []
    calls = stub.calls("DescribeScalingGroups")
    assert len(calls) == 2
    assert calls[1].headers.get("x-acs-retry-attempts") == "1"


def test_retry_after_header_is_honoured(stub):
    stub.on("DescribeScalingGroups", Reply(status=429, body={"Code": "Throttling", "Message": "slow down"},
                                           headers={"x-acs-retry-after": "120"}), EMPTY)
    assert Cloud(_session(stub)).ess.list_scaling_groups() == []
    assert stub.calls("DescribeScalingGroups")[1].headers.get("x-acs-retry-delay") == "120"


def test_5xx_is_retried_then_reported(stub):
    stub.on("DescribeScalingGroups", error(500, "InternalError", "The request processing has failed due to some unknown error."))
    with pytest.raises(CloudAPIError) as caught:
        Cloud(_session(stub)).ess.list_scaling_groups()
    assert (caught.value.code, caught.value.status) == ("InternalError", 500)
    assert len(stub.calls("DescribeScalingGroups")) == 4   # MAX_ATTEMPTS


def test_other_4xx_is_not_retried(stub):
    stub.on("DescribeScalingGroups", error(400, "InvalidParameter", "bad"))
    with pytest.raises(CloudAPIError):
        Cloud(_session(stub)).ess.list_scaling_groups()
    assert len(stub.calls("DescribeScalingGroups")) == 1


def test_connection_refused_is_one_network_error(cli):
    with socket.socket() as probe:   # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = cli("--endpoint", f"http://127.0.0.1:{port}", "--region", "cn-hangzhou", "group", "list")
    assert result.code == 3
    [line] = result.err.strip().splitlines()
    assert line.startswith(f"essctl: error: ess:DescribeScalingGroups NetworkError: no answer to 127.0.0.1:{port}")
    assert "Connection refused" in line


def test_a_non_json_answer_is_reported_not_crashed_on(stub, cli):
    stub.on("DescribeScalingGroups", Reply(status=502, raw=b"<html>Bad Gateway</html>"))
    result = cli("--endpoint", stub.url, "--region", "cn-hangzhou", "group", "list")
    assert result.code == 3 and "Traceback" not in result.err
    assert "ess:DescribeScalingGroups" in result.err


def _snake(action):
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in action).lstrip("_")


def _send_raw(session, service, action, **fields):
    """The SDK client's own method for `action`, with an empty request (the stub answers whatever it gets)."""
    import importlib

    from essctl.cloud.services import SERVICES

    models = importlib.import_module(f"{SERVICES[service].package}.models")
    request = getattr(models, f"{action}Request")(**fields)
    return getattr(session.client(service), _snake(action))(request)


SENT_ONCE_CALLS = sorted((service, action) for service, actions in SENT_ONCE.items() for action in actions)
UNAVAILABLE = Reply(status=503, body={"Code": "ServiceUnavailable", "Message": "try later"},
                    headers={"x-acs-retry-after": "10"})


def test_a_call_without_client_token_is_sent_once_on_a_5xx_or_throttling(stub):
    session = _session(stub)
    for service, action in SENT_ONCE_CALLS:
        stub.on(action, UNAVAILABLE)
        with pytest.raises(CloudAPIError) as caught:
            _send_raw(session, service, action)
        assert (caught.value.code, caught.value.status) == ("ServiceUnavailable", 503), action
        assert len(stub.calls(action)) == 1, action
        stub.on(action, error(400, "Throttling.User", "Request was denied due to user flow control."))
        with pytest.raises(CloudAPIError):
            _send_raw(session, service, action)
        assert len(stub.calls(action)) == 2, action


def test_calls_with_a_client_token_and_reads_keep_the_sdk_retries(stub):
    session = _session(stub)
    for service, action, token in [("ess", "ExecuteScalingRule", {"client_token": "t-1"}),
                                   ("ess", "CompleteLifecycleAction", {"client_token": "t-2"}),
                                   ("oos", "StartExecution", {"client_token": "t-3"}),
                                   ("ram", "GetPolicy", {}), ("ess", "DescribeLifecycleHooks", {})]:
        stub.on(action, UNAVAILABLE, {})
        _send_raw(session, service, action, **token)
        assert len(stub.calls(action)) == 2, action
