"""Dynamic shell completion as bash asks for it (`_ESSCTL_COMPLETE=complete_bash`, COMP_WORDS, COMP_CWORD), in a
process of its own: recipe names, profiles, -p keys from the recipe or template file, and group ids from the cache
`group list` writes, never from the cloud."""
import json
import os
import time

from tests.support.cli import clean_env, run_essctl

GROUP = "asg-sandbox000000000001"


def _complete(tmp_path, line, **env):
    """What bash would offer for the last word of `line` (a trailing space: a new word)."""
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    result = run_essctl(env=clean_env(home, _ESSCTL_COMPLETE="complete_bash", COMP_WORDS=line,
                                      COMP_CWORD=str(cword), XDG_CACHE_HOME=str(tmp_path / "cache"), **env))
    assert result.code == 0, result.err
    return result.out.split()


def test_recipe_names(tmp_path):
    assert _complete(tmp_path, "essctl recipe run r") == ["redis-whitelist", "run-command"]
    assert "attach-nic-eip" in _complete(tmp_path, "essctl recipe plan ")


def test_param_keys_come_from_the_recipe_and_skip_those_given(tmp_path):
    assert _complete(tmp_path, "essctl recipe plan attach-nic-eip -p ") == ["internetChargeType=", "bandwidth="]
    assert _complete(tmp_path, "essctl recipe run --dry-run attach-nic-eip -p bandwidth=5 -p ") == [
        "internetChargeType="]
    assert _complete(tmp_path, "essctl recipe run run-command -g asg-1 -p commandType=x -p c") == ["commandContent="]


def test_param_keys_come_from_the_template_file_without_those_ess_fills(tmp_path):
    template = tmp_path / "t.yaml"
    template.write_text("FormatVersion: OOS-2019-06-01\nParameters:\n  regionId: {Type: String, Default: "
                        "'{{ ACS::RegionId }}'}\n  instanceIds: {Type: List, Default: ['${instanceIds}']}\n"
                        "  script: {Type: String}\n  mode: {Type: String}\nTasks:\n- {Name: sleep, Action: 'ACS::Sleep', "
                        "Properties: {Duration: PT1S}}\n")
    assert _complete(tmp_path, f"essctl template check -f {template} -p mode=x -p ") == ["regionId=", "script="]


def test_profiles_from_the_aliyun_configuration(tmp_path):
    (tmp_path / "home" / ".aliyun").mkdir(parents=True)
    (tmp_path / "home" / ".aliyun" / "config.json").write_text(json.dumps({"profiles": [
        {"name": "prod", "mode": "AK"}, {"name": "sandbox", "mode": "AK"}, {"name": "staging", "mode": "AK"}]}))
    assert _complete(tmp_path, "essctl group list --profile s") == ["sandbox", "staging"]


def test_group_ids_come_from_the_cache_group_list_writes(tmp_path, sandbox):
    cloud = {"ESSCTL_ENDPOINT": sandbox.endpoint, "ALIBABA_CLOUD_REGION_ID": "cn-hangzhou"}
    assert _complete(tmp_path, "essctl hook list -g ", **cloud) == []            # nothing listed yet
    home = tmp_path / "home"
    listed = run_essctl("group", "list", env=clean_env(home, XDG_CACHE_HOME=str(tmp_path / "cache"), **cloud,
                                                     ALIBABA_CLOUD_ACCESS_KEY_ID=os.environ["ALIBABA_CLOUD_ACCESS_KEY_ID"],
                                                     ALIBABA_CLOUD_ACCESS_KEY_SECRET=os.environ[
                                                         "ALIBABA_CLOUD_ACCESS_KEY_SECRET"],
                                                     ALIBABA_CLOUD_SECURITY_TOKEN=os.environ[
                                                         "ALIBABA_CLOUD_SECURITY_TOKEN"]))
    assert listed.code == 0, listed.err
    for line in ("essctl hook list -g ", "essctl recipe run run-command --group a", "essctl diagnose --group "):
        assert _complete(tmp_path, line, **cloud) == [GROUP], line
    # another endpoint (the region's own) never sees the sandbox's ids
    assert _complete(tmp_path, "essctl hook list -g ", ALIBABA_CLOUD_REGION_ID="cn-hangzhou") == []
    # an hour later the cache is stale, and a completion still calls nothing
    [cached] = (tmp_path / "cache" / "essctl" / "groups").iterdir()
    os.utime(cached, (time.time() - 3700, time.time() - 3700))
    requests = len(sandbox.bodies)
    assert _complete(tmp_path, "essctl hook list -g ", **cloud) == []
    assert len(sandbox.bodies) == requests


def test_a_replayed_group_list_fills_no_cache(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    assert run_essctl("--tape", "demo", "group", "list", env=clean_env(home, XDG_CACHE_HOME=str(tmp_path))).code == 0
    assert not (tmp_path / "essctl").exists()
