"""Credentials as the SDK default chain and the aliyun CLI find them, observed in the signed request the server sees.
Run as separate processes: the SDK reads the environment once, at import."""
import json

import pytest

from tests.support.cli import clean_env, run_essctl

EMPTY = {"ScalingGroups": [], "TotalCount": 0, "PageNumber": 1, "PageSize": 50}


def _signed_key_id(stub) -> str:
    authorization = stub.calls("DescribeScalingGroups")[-1].headers["authorization"]
    return authorization.split("Credential=")[1].split(",")[0]


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    return path


def _write_aliyun_config(home, profiles, current="default"):
    (home / ".aliyun").mkdir()
    (home / ".aliyun" / "config.json").write_text(json.dumps({"current": current, "profiles": profiles}))


def test_environment_variables(stub, home):
    stub.on("DescribeScalingGroups", EMPTY)
    env = clean_env(home, ALIBABA_CLOUD_ACCESS_KEY_ID="env-key-id-1", ALIBABA_CLOUD_ACCESS_KEY_SECRET="env-secret-1")
    result = run_essctl("--endpoint", stub.url, "--region", "cn-hangzhou", "-v", "group", "list", env=env)
    assert result.code == 0, result.err
    assert _signed_key_id(stub) == "env-key-id-1"
    assert "credentials: default/env" in result.err


def test_profile_file_with_region_and_profile_flag(stub, home):
    stub.on("DescribeScalingGroups", EMPTY)
    _write_aliyun_config(home, [
        {"name": "default", "mode": "AK", "access_key_id": "cli-default-id", "access_key_secret": "s1", "region_id": "cn-shanghai"},
        {"name": "staging", "mode": "StsToken", "access_key_id": "cli-staging-id", "access_key_secret": "s2",
         "sts_token": "tok", "region_id": "ap-southeast-1"},
    ])
    env = clean_env(home)
    default = run_essctl("--endpoint", stub.url, "group", "list", env=env)
    assert default.code == 0, default.err
    assert _signed_key_id(stub) == "cli-default-id"
    assert stub.calls("DescribeScalingGroups")[-1].query["RegionId"] == "cn-shanghai"

    staging = run_essctl("--endpoint", stub.url, "group", "list", "--profile", "staging", env=env)
    assert staging.code == 0, staging.err
    assert _signed_key_id(stub) == "cli-staging-id"
    assert stub.calls("DescribeScalingGroups")[-1].query["RegionId"] == "ap-southeast-1"
    assert stub.calls("DescribeScalingGroups")[-1].headers["x-acs-security-token"] == "tok"


def test_credentials_ini(stub, home):
    stub.on("DescribeScalingGroups", EMPTY)
    (home / ".alibabacloud").mkdir()
    (home / ".alibabacloud" / "credentials.ini").write_text(
        "[default]\ntype = access_key\naccess_key_id = ini-key-id\naccess_key_secret = ini-secret\n")
    result = run_essctl("--endpoint", stub.url, "--region", "cn-hangzhou", "group", "list", env=clean_env(home))
    assert result.code == 0, result.err
    assert _signed_key_id(stub) == "ini-key-id"


def test_no_credentials_is_one_line_naming_the_sources_and_sends_nothing(stub, home):
    result = run_essctl("--endpoint", stub.url, "--region", "cn-hangzhou", "group", "list", env=clean_env(home))
    assert result.code == 2
    [line] = result.err.strip().splitlines()
    assert line.startswith("essctl: error: no Alibaba Cloud credentials found")
    for source in ("ALIBABA_CLOUD_ACCESS_KEY_ID", "~/.aliyun/config.json", "credentials.ini", "aliyun configure"):
        assert source in line
    assert stub.requests == []


def test_unknown_profile_is_one_line(stub, home):
    _write_aliyun_config(home, [{"name": "default", "mode": "AK", "access_key_id": "a", "access_key_secret": "b"}])
    result = run_essctl("--endpoint", stub.url, "--region", "cn-hangzhou", "--profile", "nope", "group", "list",
                        env=clean_env(home))
    assert result.code == 2 and "--profile nope: no such profile" in result.err and len(result.err.strip().splitlines()) == 1


def test_region_from_env_beats_the_profile_and_flag_beats_env(stub, home):
    stub.on("DescribeScalingGroups", EMPTY)
    _write_aliyun_config(home, [{"name": "default", "mode": "AK", "access_key_id": "a", "access_key_secret": "b",
                                 "region_id": "cn-shanghai"}])
    env = clean_env(home, ALIBABA_CLOUD_REGION_ID="cn-beijing")
    run_essctl("--endpoint", stub.url, "group", "list", env=env)
    run_essctl("--endpoint", stub.url, "group", "list", "--region", "eu-central-1", env=env)
    assert [c.query["RegionId"] for c in stub.calls("DescribeScalingGroups")] == ["cn-beijing", "eu-central-1"]


def test_no_region_is_a_usage_error(home):
    result = run_essctl("group", "list", env=clean_env(home, ALIBABA_CLOUD_ACCESS_KEY_ID="a", ALIBABA_CLOUD_ACCESS_KEY_SECRET="b"))
    assert result.code == 2 and "no region: pass --region" in result.err


def test_the_credential_providers_print_nothing_of_their_own(capfd):
    """The SDK's providers attach a stderr handler at import and log every failed source with a traceback; essctl's
    one line replaces them (on a machine whose metadata service answers 404 a user saw three tracebacks)."""
    import logging

    from essctl.cloud.credentials import resolve_credential

    resolve_credential(None)
    logging.getLogger("credentials").error("Refresh credentials failed", exc_info=ValueError("from the SDK"))
    assert capfd.readouterr().err == ""


def test_a_profile_that_does_not_exist_says_so_not_no_region(home):
    _write_aliyun_config(home, [{"name": "dev", "mode": "AK", "access_key_id": "a", "access_key_secret": "b"}])
    result = run_essctl("group", "list", "--profile", "nosuch", env=clean_env(home))
    [line] = result.err.strip().splitlines()
    assert result.code == 2 and line.startswith("essctl: error: --profile nosuch: no such profile in ")
    assert "no region" not in line and line.endswith("(there: dev)")


@pytest.mark.parametrize("mode", ["CloudSSO", "OAuth", "External"])
def test_a_profile_of_an_unsupported_mode_is_named_not_no_credentials(stub, home, mode):
    _write_aliyun_config(home, [{"name": "sso", "mode": mode, "region_id": "cn-hangzhou"}])
    for selected in (["--profile", "sso"], []):     # named, or the current profile of the default chain
        env = clean_env(home, ALIBABA_CLOUD_PROFILE="sso") if not selected else clean_env(home)
        result = run_essctl("--endpoint", stub.url, "group", "list", *selected, env=env)
        assert result.code == 2, result.err
        assert f"profile 'sso' uses mode {mode}, which essctl does not support yet" in result.err
    assert stub.requests == []
