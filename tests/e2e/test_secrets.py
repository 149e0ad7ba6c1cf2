"""No AccessKey id, secret or STS token in a recording or in -v output, nor with DEBUG=sdk."""
import re

from tests.support.fake_credentials import SECRETS
from tests.support.stubcloud import error


def test_recording_and_verbose_log_hold_no_secret(stub, cli, tmp_path):
    tape = tmp_path / "tape.yaml"
    stub.on("DescribeScalingGroups", {"ScalingGroups": [], "TotalCount": 0, "PageNumber": 1, "PageSize": 50})
    stub.on("DescribeLifecycleHooks", error(403, "Forbidden.RAM", "denied"))
    ok = cli("--endpoint", stub.url, "--region", "cn-hangzhou", "--record", tape, "-v", "group", "list")
    failed = cli("--endpoint", stub.url, "--region", "cn-hangzhou", "--record", tape, "-v", "hook", "list", "--group", "g")

    # The secrets did reach the wire (so the check below is not vacuous) ...
    sent = stub.calls("DescribeScalingGroups")[0].headers
    assert SECRETS[0] in sent["authorization"] and sent["x-acs-security-token"] == SECRETS[2]
    # ... but not the tape, nor the verbose log (which does log the calls).
    [logged] = [line for line in ok.err.splitlines() if "api ess:DescribeScalingGroups" in line]
    assert re.search(r"PageNumber=1 PageSize=50 RegionId=cn-hangzhou -> 200 \(request id STUB-\d+-DescribeScalingGroups\) in \d+ ms", logged)
    assert "credentials: default/env, AccessKey id ****0001" in ok.err
    for text in (tape.read_text(), ok.err, ok.out, failed.err):
        for secret in SECRETS:
            assert secret not in text


def test_debug_sdk_is_disarmed(stub, tmp_path):
    from tests.support.cli import clean_env, run_essctl

    stub.on("DescribeScalingGroups", {"ScalingGroups": [], "TotalCount": 0, "PageNumber": 1, "PageSize": 50})
    env = clean_env(tmp_path, DEBUG="sdk", ALIBABA_CLOUD_ACCESS_KEY_ID=SECRETS[0], ALIBABA_CLOUD_ACCESS_KEY_SECRET=SECRETS[1],
                    ALIBABA_CLOUD_SECURITY_TOKEN=SECRETS[2])
    result = run_essctl("--endpoint", stub.url, "--region", "cn-hangzhou", "group", "list", env=env)
    assert result.code == 0, result.err
    for secret in SECRETS:
        assert secret not in result.err
