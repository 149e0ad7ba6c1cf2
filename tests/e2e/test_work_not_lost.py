"""Once a scaling activity exists, no exit loses it (issue 13): Ctrl-C at any point, throttling or 5xx past the
retries, a recording that cannot be written, output that goes away. Each ends with the activity id and the commands
that resume, on stderr and in the report (table and JSON); before any change, Ctrl-C says nothing was changed.
Through the real SDK against the sandbox."""
import errno
import subprocess
import sys

import pytest

from essctl.cloud.tape import Tape
from essctl.watch.watcher import Watcher
from tests.e2e.test_lost_answers import GROUP, refused, run_recipe, scenario
from tests.support.cli import REPO

REGION = "--region cn-hangzhou"


def _activity_of(box):
    [activity_id] = [a for a in box.backends.ess.activities if a.startswith("asa-")]
    return activity_id


def _resumes_the_watch(result, report, activity_id):
    [line] = result.err.strip().splitlines()[-1:]
    assert f"scaling activity {activity_id} goes on: essctl activity watch {activity_id} {REGION}" in line
    assert report["Trigger"]["ScalingActivityId"] == activity_id
    assert report["Resume"] == [f"essctl activity watch {activity_id} {REGION}",
                                f"essctl diagnose --activity {activity_id} {REGION}"]
    assert report["Stopped"]["Phase"] == "watch"


@pytest.mark.parametrize("code, status", [("Throttling.User", 400), ("ServiceUnavailable", 503)])
def test_every_watch_poll_refused_past_the_retries(cli, sandbox_factory, code, status):
    box = sandbox_factory(scenario(refused("DescribeLifecycleActions", code, status=status) | {"calls": []}))
    result, report = run_recipe(cli, box)
    assert result.code == 3
    _resumes_the_watch(result, report, _activity_of(box))
    assert code in report["Stopped"]["Reason"] and "error:" in result.err


def test_ctrl_c_during_the_watch(cli, sandbox, monkeypatch):
    polls = []

    def interrupted(self, activity_id, templates=None):
        polls.append(activity_id)
        raise KeyboardInterrupt

    monkeypatch.setattr(Watcher, "activity", interrupted)
    result, report = run_recipe(cli, sandbox)
    assert result.code == 130 and polls
    _resumes_the_watch(result, report, _activity_of(sandbox))
    assert result.err.strip().splitlines()[-1].startswith("essctl: interrupted during the watch")


def test_ctrl_c_while_waiting_for_execute_scaling_rule(cli, sandbox, monkeypatch):
    """The rule was executed, its answer never read: the activity id is unknown, so the group's activities say."""
    from essctl.cloud.ess import EssGateway

    execute = EssGateway.execute_scaling_rule

    def answer_lost_to_ctrl_c(self, *args, **kwargs):
        execute(self, *args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(EssGateway, "execute_scaling_rule", answer_lost_to_ctrl_c)
    result, report = run_recipe(cli, sandbox)
    assert result.code == 130
    assert _activity_of(sandbox)      # the scale-out did start
    assert result.err.strip().splitlines()[-1] == (
        f"essctl: interrupted during the trigger; the scale-out may have started: "
        f"essctl activity list --group {GROUP} {REGION}")
    assert report["Outcome"] == "interrupted" and report["Trigger"] is None
    assert report["Stopped"]["NotDone"] == []
    assert report["Resume"] == [f"essctl activity list --group {GROUP} {REGION}"]


def test_disk_full_while_recording_the_watch(cli, sandbox, monkeypatch, tmp_path):
    save = Tape.save

    def full_once_watching(self, path):
        if self.interactions[-1].action == "DescribeLifecycleActions":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        save(self, path)

    monkeypatch.setattr(Tape, "save", full_once_watching)
    result, report = run_recipe(cli, sandbox, "--record", tmp_path / "run.yaml")
    assert result.code != 0 and "Traceback" not in result.err
    _resumes_the_watch(result, report, _activity_of(sandbox))
    assert "No space left on device" in report["Stopped"]["Reason"]


def test_ctrl_c_half_way_through_apply_says_what_was_done_and_not(cli, sandbox, monkeypatch):
    from essctl.cloud.ram import RamGateway

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(RamGateway, "attach_policy_to_role", interrupted)   # after CreatePolicy
    result, report = run_recipe(cli, sandbox)
    assert result.code == 130
    assert [item["Kind"] for item in report["Applied"] if item["Outcome"] != "unchanged"] == ["policy"]
    assert report["Stopped"] == {"Phase": "apply", "Reason": "interrupted", "NotDone": [
        "attachment ESSHookPolicyForRunCommand -> OOSServiceRole", "hook ESSHookForRunCommand",
        "rule run-command-add1", "trigger run-command-add1"]}
    assert result.err.strip().splitlines()[-1] == (
        f"essctl: interrupted during the apply: essctl recipe plan run-command --group {GROUP} {REGION}")
    assert not sandbox.backends.ess.activities


def test_ctrl_c_before_any_change_says_nothing_was_changed(cli, sandbox, monkeypatch):
    from essctl.recipe import run

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "make_plan", interrupted)
    result, report = run_recipe(cli, sandbox)
    assert (result.code, report) == (130, None)
    assert result.err.strip().splitlines() == ["essctl: error: interrupted while planning: nothing was changed"]


def test_the_table_report_names_the_activity_and_the_resume_commands(cli, sandbox, monkeypatch):
    monkeypatch.setattr(Watcher, "activity", lambda *args: (_ for _ in ()).throw(KeyboardInterrupt))
    result = cli("recipe", "run", "run-command", "--group", GROUP, "--yes", "-o", "table", "--endpoint",
                 sandbox.endpoint, "--region", "cn-hangzhou", "-p", "commandContent=echo hi")
    activity_id = _activity_of(sandbox)
    assert result.code == 130
    assert "Recipe run-command: INTERRUPTED" in result.out
    assert "  stopped    during the watch: interrupted" in result.out
    assert f"  resume     essctl activity watch {activity_id} {REGION}" in result.out


def test_output_closed_during_the_watch(sandbox_factory, tmp_path):
    """`essctl recipe run ... | head -1`: the reader goes away while the watch prints; the activity id and the
    resume command still reach the terminal (stderr)."""
    from tests.support.cli import clean_env
    from tests.support.fake_credentials import FAKE_KEY_ID, FAKE_KEY_SECRET, FAKE_STS_TOKEN

    box = sandbox_factory(speed=20)
    env = clean_env(tmp_path, ALIBABA_CLOUD_ACCESS_KEY_ID=FAKE_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET=FAKE_KEY_SECRET,
                    ALIBABA_CLOUD_SECURITY_TOKEN=FAKE_STS_TOKEN)
    proc = subprocess.Popen(
        [sys.executable, "-m", "essctl", "recipe", "run", "run-command", "--group", GROUP, "--yes", "-o", "table",
         "--poll-interval", "0.05", "--endpoint", box.endpoint, "--region", "cn-hangzhou",
         "-p", "commandContent=echo hi"], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith("• trigger"):
            break
    proc.stdout.close()      # like `head`: the reader is gone while the watch still prints
    err = proc.stderr.read()
    assert proc.wait(timeout=60) != 0
    activity_id = _activity_of(box)
    assert "Traceback" not in err
    assert f"scaling activity {activity_id} goes on: essctl activity watch {activity_id} {REGION}" in err
    assert "broken pipe" in err


def test_activity_watch_refused_past_the_retries_says_how_to_resume(cli, sandbox_factory):
    from tests.support import sandbox_steps as steps

    box = sandbox_factory(scenario(refused("DescribeLifecycleActions", "Throttling.User") | {"calls": []}))
    s = steps.session(box)
    activity_id = steps.execute(s, steps.create_rule(s))
    result = cli("activity", "watch", activity_id, "--poll-interval", "0.02", "--endpoint", box.endpoint,
                 "--region", "cn-hangzhou", "-o", "json")
    assert result.code == 3
    [line] = result.err.strip().splitlines()
    assert line.startswith("essctl: error: ess:DescribeLifecycleActions Throttling.User")
    assert line.endswith(f"resume with: essctl activity watch {activity_id} --region cn-hangzhou; then: essctl "
                         f"diagnose --activity {activity_id} --region cn-hangzhou")


def test_ctrl_c_at_the_confirmation_says_nothing_was_changed(monkeypatch):
    import types

    import typer

    from essctl.cli.options import confirmer
    from essctl.errors import Interrupted

    def abort(*args, **kwargs):
        raise typer.Abort()

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(typer, "confirm", abort)
    ask = confirmer(types.SimpleNamespace(env=types.SimpleNamespace(stdout_isatty=True)), False, False, "change")
    with pytest.raises(Interrupted, match="interrupted at the confirmation: nothing was changed"):
        ask(None)
