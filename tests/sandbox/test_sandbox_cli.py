"""essctl sandbox serve as a user runs it: a separate process, keys printed, a profile written, Ctrl-C."""
import json
import os
import re
import signal
import subprocess
import sys

from tests.support.cli import REPO, clean_env, run_essctl


def test_serve_help_imports_no_sdk(tmp_path):
    result = run_essctl("sandbox", "serve", "--help", env=clean_env(tmp_path), python_flags=("-X", "importtime"))
    assert result.code == 0 and "--speed" in result.out
    imported = [line.split("|")[-1].strip() for line in result.err.splitlines() if line.startswith("import time:")]
    assert [m for m in imported if m.startswith(("alibabacloud_", "darabonba", "Tea"))] == []


def test_serve_prints_keys_writes_a_profile_and_stops_on_ctrl_c(tmp_path):
    home = tmp_path / "home"
    config = home / ".aliyun" / "config.json"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"current": "prod", "profiles": [{"name": "prod", "mode": "AK",
                                                                   "access_key_id": "keep-me"}]}))
    env = clean_env(home)
    proc = subprocess.Popen([sys.executable, "-m", "essctl", "sandbox", "serve", "--port", "0", "--write-profile",
                             "--speed", "100"], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    lines = [proc.stdout.readline() for _ in range(7)]
    endpoint = re.search(r"ESSCTL_ENDPOINT=(\S+)", "".join(lines)).group(1)
    key_id = re.search(r"AccessKey id (sbx\w+)", "".join(lines)).group(1)
    written = json.loads(config.read_text())
    assert [p["name"] for p in written["profiles"]] == ["prod", "sandbox"] and written["current"] == "prod"
    assert written["profiles"][1]["access_key_id"] == key_id and not key_id.startswith("LTAI")

    result = run_essctl("--profile", "sandbox", "--endpoint", endpoint, "-o", "json", "group", "list", env=env)
    assert result.code == 0, result.err
    assert json.loads(result.out)[0]["ScalingGroupId"] == "asg-sandbox000000000001"

    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert out.strip().endswith("essctl sandbox: stopped") and "Traceback" not in err
    assert os.stat(config).st_mode & 0o077 == 0


def test_serve_a_fleet_in_several_regions(tmp_path):
    env = clean_env(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "essctl", "sandbox", "serve", "--port", "0", "--write-profile",
                             "--groups", "3", "--regions", "cn-hangzhou,cn-shanghai"], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = [proc.stdout.readline() for _ in range(7)]
    assert "(regions cn-hangzhou (default), cn-shanghai, account" in lines[0]
    endpoint = re.search(r"ESSCTL_ENDPOINT=(\S+)", "".join(lines)).group(1)
    listed = {}
    for region in ("cn-hangzhou", "cn-shanghai"):
        result = run_essctl("--profile", "sandbox", "--endpoint", endpoint, "--region", region, "-o", "json",
                            "group", "list", env=env)
        assert result.code == 0, result.err
        listed[region] = [g["ScalingGroupId"] for g in json.loads(result.out)]
    assert listed == {"cn-hangzhou": [f"asg-fleet00{n:06d}" for n in range(3)],
                      "cn-shanghai": [f"asg-fleet01{n:06d}" for n in range(3)]}
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "Traceback" not in err, err


def test_serve_refuses_a_bad_region_list_and_groups_with_a_scenario(tmp_path):
    result = run_essctl("sandbox", "serve", "--regions", "cn-hangzhou,not a region", env=clean_env(tmp_path))
    assert result.code == 2 and "--regions: expected region ids" in result.err
    result = run_essctl("sandbox", "serve", "--groups", "2", "--scenario", str(REPO / "essctl/sandbox/scenarios/default.yaml"),
                        env=clean_env(tmp_path))
    assert result.code == 2 and "give --scenario or --groups, not both" in result.err
