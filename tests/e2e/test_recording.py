"""--record: a path that cannot be recorded to is refused before anything is sent; a tape that cannot be written
later (a full disk) is one typed error (RecordingFailed, exit 74) naming the file, never a crash; --dry-run refuses
--record (it sends nothing to record)."""
import errno
import os

import pytest
import yaml

from essctl.errors import EssctlError, RecordingFailed


def _groups_body(*ids):
    from alibabacloud_ess20220222 import models

    return models.DescribeScalingGroupsResponseBody(
        total_count=len(ids), page_number=1, page_size=50, request_id="R-1",
        scaling_groups=[models.DescribeScalingGroupsResponseBodyScalingGroups(
            scaling_group_id=i, scaling_group_name=f"name-{i}", lifecycle_state="Active") for i in ids]).to_map()


def _one_line(result):
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) <= 300 and "Traceback" not in result.err, result.err
    return lines[0]


@pytest.mark.parametrize("where", ["a-file/t.yaml", "a-file/deeper/t.yaml", "a-folder", "link.yaml"])
def test_a_path_that_cannot_be_recorded_to_is_refused_before_anything_is_sent(stub, cli, tmp_path, where):
    (tmp_path / "a-file").write_text("not a folder\n")
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "victim").write_text("precious\n")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "victim")
    stub.on("DescribeScalingGroups", _groups_body("asg-1"))

    result = cli("--endpoint", stub.url, "--region", "cn-hangzhou", "--record", tmp_path / where, "group", "list")

    assert result.code == 2
    line = _one_line(result)
    assert f"--record {tmp_path / where}: cannot record there" in line and "nothing was sent" in line
    assert stub.calls("DescribeScalingGroups") == []
    assert (tmp_path / "victim").read_text() == "precious\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not bind root")
def test_a_folder_without_write_permission_is_refused_before_anything_is_sent(stub, cli, tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    stub.on("DescribeScalingGroups", _groups_body("asg-1"))
    result = cli("--endpoint", stub.url, "--region", "cn-hangzhou", "--record", folder / "t.yaml", "group", "list")
    assert result.code == 2 and "Permission denied" in _one_line(result)
    assert stub.calls("DescribeScalingGroups") == []


def test_a_full_disk_while_recording_is_recording_failed_naming_the_file(stub, cli, tmp_path, monkeypatch):
    tape = tmp_path / "t.yaml"
    stub.on("DescribeScalingGroups", _groups_body("asg-1"))
    stub.on("DescribeLifecycleHooks", {"LifecycleHooks": [], "TotalCount": 0, "PageNumber": 1, "PageSize": 50,
                                       "RequestId": "R-2"})
    live = ("--endpoint", stub.url, "--region", "cn-hangzhou", "--record", tape)
    assert cli(*live, "group", "list").code == 0
    recorded = tape.read_text()

    def disk_full(handle):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)    # the write of the tape's new version fails
    result = cli(*live, "hook", "list", "--group", "asg-1")

    assert result.code == 74
    assert _one_line(result) == (f"essctl: error: --record {tape}: cannot write the tape: No space left on device "
                                 "(ENOSPC); ess:DescribeLifecycleHooks was sent and is not on the tape")
    assert tape.read_text() == recorded                              # the tape keeps what it had, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.yaml"]  # and no temporary file is left


def test_recording_failed_reaches_the_caller_as_an_essctl_error_from_the_call_itself(stub, tmp_path, monkeypatch):
    """What a caller after a scale-out catches: the error of the call being recorded, typed, with the file."""
    from essctl.cloud.gateway import Cloud
    from essctl.cloud.session import CloudSession
    from essctl.cloud.settings import CloudSettings

    stub.on("DescribeScalingGroups", _groups_body("asg-1"))
    tape = tmp_path / "t.yaml"
    cloud = Cloud(CloudSession(CloudSettings(region="cn-hangzhou", endpoint=stub.url, record=tape)))
    assert [g.id for g in cloud.ess.list_scaling_groups()] == ["asg-1"]

    def disk_full(handle):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(EssctlError) as caught:
        cloud.ess.list_scaling_groups()
    assert isinstance(caught.value, RecordingFailed) and caught.value.exit_code == 74
    assert caught.value.path == tape and caught.value.error.errno == errno.ENOSPC
    assert len(yaml.safe_load(tape.read_text())["interactions"]) == 1
    assert len(stub.calls("DescribeScalingGroups")) == 2        # the second call was sent: the error says so


def test_an_error_answer_that_cannot_be_recorded_is_recording_failed_too(stub, cli, tmp_path, monkeypatch):
    from tests.support.stubcloud import error

    stub.on("DescribeLifecycleHooks", error(404, "InvalidScalingGroupId.NotFound", "no such group"))

    def disk_full(handle):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    result = cli("--endpoint", stub.url, "--region", "cn-hangzhou", "--record", tmp_path / "t.yaml", "hook",
                 "list", "--group", "asg-9")
    assert result.code == 74 and "cannot write the tape: No space left on device" in _one_line(result)


@pytest.mark.parametrize("argv", [("recipe", "run", "run-command", "--dry-run"),
                                  ("recipe", "plan", "run-command", "--dry-run"), ("doctor", "--dry-run")])
def test_dry_run_refuses_record(cli, tmp_path, argv):
    tape = tmp_path / "t.yaml"
    result = cli("--record", tape, *argv)
    assert result.code == 2
    assert "a --dry-run replays recorded answers and sends nothing, so there is nothing to record" in _one_line(result)
    assert not tape.exists()
