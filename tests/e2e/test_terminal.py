"""What reaches the terminal (issue 13): escape sequences, control characters, bidi overrides and rich markup from a
recipe file, a tape or an API answer are shown as text in every view (tables, plain lines, the live watch, plans,
diagnoses, error lines) while JSON and YAML keep the data exact; every error is one line of at most 300 characters;
an ASCII terminal, a closed pipe, an unwritable home and Ctrl-C end with at most one line, never a traceback."""
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys

import pytest
import yaml

from essctl.cloud.gateway import Cloud
from essctl.sandbox.scenario import parse_scenario
from essctl.watch.watcher import Pacing, Watcher
from tests.support import sandbox_steps as steps
from tests.support.cli import REPO, clean_env
from tests.support.fake_credentials import FAKE_KEY_ID, FAKE_KEY_SECRET, FAKE_STS_TOKEN
from tests.support.stubcloud import error

# Colour, a window title, an 8-bit CSI, a right-to-left override, rich markup, and a forged second line.
HOSTILE = "\x1b[31mred\x1b[0m \x1b]0;pwned\x07 \x9b2J \u202eevil [bold]boom[/] [/]\r\nforged: line"
HOSTILE_YAML = '"\\e[31mred\\e[0m \\e]0;pwned\\a \\x9b2J \\u202eevil [bold]boom[/] [/]\\r\\nforged: line"'
SHOWN = "\\x1b[31mred\\x1b[0m \\x1b]0;pwned\\x07 \\x9b2J \\u202eevil [bold]boom[/] [/]\\r\\nforged: line"
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
REGION = ("--region", "cn-hangzhou")
# What a recipe may hold (it refuses control characters: a person never writes them), still shown as text.
WRITTEN = "\u202eevil [bold]boom[/] [/] \u2066isolate"
WRITTEN_YAML = '"\\u202eevil [bold]boom[/] [/] \\u2066isolate"'


def _clean(*texts):
    """No control character but the newline, no bidi override, in what a person sees."""
    for text in texts:
        assert not RAW.search(text), repr(RAW.search(text).group())


def _one_line(err):
    lines = err.strip("\n").splitlines()
    assert len(lines) == 1 and len(lines[0]) <= 300, err
    _clean(err)
    return lines[0]


def _groups(name):
    from alibabacloud_ess20220222 import models

    return models.DescribeScalingGroupsResponseBody(total_count=1, page_size=50, page_number=1, scaling_groups=[
        models.DescribeScalingGroupsResponseBodyScalingGroups(
            scaling_group_id="asg-1", scaling_group_name=name, lifecycle_state=name, vpc_id="vpc-1")]).to_map()


# --- cloud data: tables, --query, JSON, YAML, -v ----------------------------------------------------------------

def test_cloud_data_in_a_table_shows_its_escapes_and_markup_as_text(stub, cli):
    stub.on("DescribeScalingGroups", _groups(HOSTILE))
    result = cli("--endpoint", stub.url, *REGION, "-o", "table", "group", "list")
    assert result.code == 0, result.err
    _clean(result.out, result.err)
    assert "\\x1b]0;pwned\\x07" in result.out and "[bold]boom[/] [/]" in result.out
    queried = cli("--endpoint", stub.url, *REGION, "-o", "table", "group", "list", "--query", "[0]")
    _clean(queried.out)
    assert "\\u202eevil" in queried.out


def test_json_and_yaml_keep_the_data_exact(stub, cli):
    stub.on("DescribeScalingGroups", _groups(HOSTILE))
    as_json = cli("--endpoint", stub.url, *REGION, "-o", "json", "group", "list")
    data = json.loads(as_json.out)
    assert data[0]["ScalingGroupName"] == HOSTILE
    assert as_json.out == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    assert "\x1b" not in as_json.out and "\\u001b]0;pwned\\u0007" in as_json.out     # JSON escapes C0 itself
    as_yaml = cli("--endpoint", stub.url, *REGION, "-o", "yaml", "group", "list")
    assert yaml.safe_load(as_yaml.out)[0]["ScalingGroupName"] == HOSTILE


def test_activity_and_execution_messages_in_tables(stub, cli):
    from alibabacloud_ess20220222 import models as ess
    from alibabacloud_oos20190601 import models as oos

    activity = ess.DescribeScalingActivitiesResponseBodyScalingActivities(
        scaling_activity_id="asa-1", status_code="Failed", status_message=HOSTILE, cause=HOSTILE, progress=100)
    stub.on("DescribeScalingActivities", ess.DescribeScalingActivitiesResponseBody(
        total_count=1, page_size=50, page_number=1, scaling_activities=[activity]).to_map())
    stub.on("ListExecutions", oos.ListExecutionsResponseBody(max_results=50, executions=[
        oos.ListExecutionsResponseBodyExecutions(execution_id="exec-1", template_name="T", status="Failed",
                                                 status_message=HOSTILE)]).to_map())
    activities = cli("--endpoint", stub.url, *REGION, "-o", "table", "activity", "list", "--group", "asg-1")
    executions = cli("--endpoint", stub.url, *REGION, "-o", "table", "execution", "list", "--wide")
    assert activities.code == executions.code == 0, activities.err + executions.err
    _clean(activities.out, executions.out)
    assert "\\x1b]0;pwned" in activities.out and "\\x1b]0;pwned" in executions.out


def test_verbose_tracebacks_show_their_values_as_text(cli):
    result = cli("--tape", "demo", "-v", "recipe", "run", "run-command", "--dry-run", "-p", "commandContent=" + HOSTILE)
    assert result.code == 2 and "Traceback" in result.err
    _clean(result.err)


# --- recipe files and tapes ---------------------------------------------------------------------------------------

def _hostile_recipe(tmp_path, value=WRITTEN_YAML):
    text = (REPO / "recipes" / "run-command.yaml").read_text()
    text = text.replace("title: Run a script on new instances", f"title: {value}")
    text = text.replace("help: The script to run on each new instance; it must exit 0.", f"help: {value}")
    text = text.replace("  description: Run Cloud Assistant commands from ACS-ESS-LifeCycleRunCommand (essctl recipe "
                        "run-command)", f"  description: {value}")
    path = tmp_path / "hostile.yaml"
    path.write_text(text)
    return path


def test_a_recipe_title_and_help_show_as_text(cli, tmp_path):
    path = _hostile_recipe(tmp_path)
    shown = cli("recipe", "show", path, "-o", "table")
    assert shown.code == 0, shown.err
    _clean(shown.out, shown.err)
    assert "\\u202eevil [bold]boom[/] [/] \\u2066isolate" in shown.out
    data = json.loads(cli("recipe", "show", path, "-o", "json").out)
    assert data["Title"] == WRITTEN


def test_a_recipe_holding_escape_sequences_is_refused_in_one_shown_line(cli, tmp_path):
    result = cli("recipe", "show", _hostile_recipe(tmp_path, HOSTILE_YAML))
    assert result.code == 2
    assert "hostile.yaml:3:8: title: '\\x1b[31mred" in _one_line(result.err)


def test_a_dry_run_shows_hostile_inputs_recipe_fields_and_tape_source_as_text(cli, tmp_path):
    tape = tmp_path / "tape.yaml"
    recorded = (REPO / "essctl" / "tapes" / "recipe-run-command.yaml").read_text()
    tape.write_text(re.sub(r"(?m)^source: .*$", lambda _: f"source: {HOSTILE_YAML}", recorded, count=1))
    result = cli("recipe", "run", _hostile_recipe(tmp_path), "--dry-run", "--tape", tape, "-o", "table", "-v",
                 "-p", f"commandContent={WRITTEN}")       # -v: the replayed calls are listed too
    assert result.code == 0, result.err
    _clean(result.out, result.err)
    first = result.out.splitlines()[0]
    assert first.startswith("Dry-run: every answer comes from") and SHOWN in first      # the tape's source
    assert "Description=\\u202eevil [bold]boom" in result.out                           # the policy's description
    report = json.loads(cli("recipe", "run", _hostile_recipe(tmp_path), "--dry-run", "--tape", tape, "-o", "json",
                            "-p", f"commandContent={WRITTEN}").out)
    assert WRITTEN in _strings(report)      # the policy's description, exactly


def _strings(data):
    if isinstance(data, dict):
        return {text for value in data.values() for text in _strings(value)}
    if isinstance(data, list):
        return {text for value in data for text in _strings(value)}
    return {data} if isinstance(data, str) else set()


# --- the watch and the diagnosis, on the sandbox ------------------------------------------------------------------

@pytest.fixture
def failed_activity(sandbox_factory):
    """A scale-out whose script fails with a hostile message, watched to its end."""
    box = sandbox_factory(parse_scenario(f"""
groups: [{{id: {steps.GROUP}, min: 0, max: 5, instances: 1}}]
roles: [{{name: OOSServiceRole, trusted: [oos.aliyuncs.com]}}]
behaviour: {{{steps.RUN_COMMAND}: {{duration: 3, fail: {{task: runCommand, code: InvalidCommand,
  message: {HOSTILE_YAML}}}}}}}"""), speed=50)
    s = steps.session(box)
    steps.grant(s, steps.RUN_COMMAND_ACTIONS)
    steps.create_hook(s, metadata={"commandContent": "exit 1"})
    activity_id = steps.execute(s, steps.create_rule(s))
    steps.wait_for(lambda: steps.finished(s, activity_id), timeout=30)
    return box, activity_id


def test_watch_lines_and_summary_show_the_failure_message_as_text(cli, failed_activity):
    box, activity_id = failed_activity
    result = cli("activity", "watch", activity_id, "-o", "table", "--poll-interval", "0.02",
                 "--endpoint", box.endpoint, *REGION)
    assert result.code == 1, result.err
    _clean(result.out, result.err)
    assert f"InvalidCommand: {SHOWN}" in result.out
    assert not any(line.startswith("forged: line") for line in result.out.splitlines())


def test_watch_json_lines_carry_the_exact_message(cli, failed_activity):
    box, activity_id = failed_activity
    result = cli("activity", "watch", activity_id, "-o", "json", "--poll-interval", "0.02",
                 "--endpoint", box.endpoint, *REGION)
    events = [json.loads(line) for line in result.out.splitlines()]
    assert f"InvalidCommand: {HOSTILE}" in [event.get("StatusMessage") for event in events]


def test_the_live_table_shows_the_failure_message_as_text(failed_activity):
    from essctl.env import Environment
    from essctl.render.watch_views import LiveWatchView

    box, activity_id = failed_activity
    events = []
    Watcher(Cloud(steps.session(box)), events.append, timeout=30, pacing=Pacing(0.02, 0.1)).activity(
        activity_id)

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    env = Environment(output="table", color=True, stdout=out)
    with LiveWatchView(env, f"Activity {activity_id} {HOSTILE}") as view:
        for event in events:
            view.event(event)
    drawn = out.getvalue()
    for raw in ("\x1b]0;pwned", "\x1b[31mred", "\x9b", "\u202e", "\r\nforged"):
        assert raw not in drawn
    assert "\\x1b]0;pwned\\x07" in drawn and "[bold]boom[/]" in drawn


def test_the_diagnosis_shows_the_failure_message_as_text(cli, failed_activity):
    box, activity_id = failed_activity
    result = cli("diagnose", "--activity", activity_id, "-o", "table", "--endpoint", box.endpoint, *REGION)
    _clean(result.out, result.err)
    assert "\\x1b]0;pwned\\x07" in result.out


# --- one line, at most 300 characters, for every kind of error ----------------------------------------------------

def test_an_api_error_message_is_one_shown_line_keeping_the_request_id(stub, cli):
    stub.on("DescribeScalingGroups", error(400, "InvalidParameter", HOSTILE + " " + "v" * 3000))
    result = cli("--endpoint", stub.url, *REGION, "group", "list")
    assert result.code == 3
    line = _one_line(result.err)
    assert line.startswith("essctl: error: ess:DescribeScalingGroups InvalidParameter: \\x1b[31mred")
    assert re.search(r" \.\.\. v+ \(request id STUB-[\w-]+\)$", line), line


def test_a_usage_error_with_a_long_value_is_one_short_line(cli):
    result = cli("--output", "x" * 2000 + HOSTILE, "group", "list")
    assert result.code == 2
    line = _one_line(result.err)
    assert line.startswith("essctl: error: Invalid value for '--output'") and line.endswith("--help')")


def test_an_internal_error_is_one_short_line(cli, monkeypatch):
    import essctl.render

    def broken(*args, **kwargs):
        raise RuntimeError("first line\n" + "y" * 1000 + HOSTILE)

    monkeypatch.setattr(essctl.render, "output", broken)
    result = cli("--tape", "demo", "group", "list")
    assert result.code == 70
    line = _one_line(result.err)
    assert line.startswith("essctl: internal error: RuntimeError: first line yyy")
    assert line.endswith("(rerun with --verbose for the traceback)")


def test_a_tape_miss_naming_a_long_hostile_parameter_is_one_short_line(cli):
    result = cli("--tape", "demo", "execution", "list", "--template", "A" * 200)
    assert result.code == 2
    assert _one_line(result.err).startswith("essctl: error: tape ")


# --- encodings, closed pipes, an unwritable home ------------------------------------------------------------------

def _process_env(tmp_path, **extra):
    env = clean_env(tmp_path, **extra)
    env.pop("PYTHONUNBUFFERED", None)    # as a user runs it: stdout buffered, flushed at exit
    env.pop("PYTHONIOENCODING", None)
    return {**env, **extra}


@pytest.mark.parametrize("args", [("recipe", "show", "run-command", "-o", "table"),
                                  ("recipe", "run", "run-command", "--dry-run", "-o", "table"),
                                  ("recipe", "show", "run-command", "-o", "json")], ids=["table", "lines", "json"])
def test_an_ascii_terminal_gets_backslash_escapes_not_a_crash(tmp_path, args):
    proc = subprocess.run([sys.executable, "-m", "essctl", *args], cwd=REPO, capture_output=True, timeout=60,
                          env=_process_env(tmp_path, PYTHONIOENCODING="ascii"))
    assert (proc.returncode, proc.stderr) == (0, b"")
    proc.stdout.decode("ascii")
    if args[-1] == "json":
        assert "在ECS实例中自动执行脚本" in json.loads(proc.stdout)["Reference"]     # \uXXXX is JSON too
    else:
        assert b"\\u5728ECS" in proc.stdout or b"\\u2022" in proc.stdout


def test_the_c_locale_does_not_break_output(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "essctl", "recipe", "show", "run-command", "-o", "table"],
                          cwd=REPO, capture_output=True, timeout=60,
                          env=_process_env(tmp_path, LANG="C", LC_ALL="C"))
    assert (proc.returncode, proc.stderr) == (0, b"")


@pytest.mark.parametrize("args", [("--version",), ("recipe", "validate", "run-command"),
                                  ("recipe", "list", "-o", "table"), ("--tape", "demo", "-o", "json", "group", "list"),
                                  ("recipe", "run", "run-command", "--dry-run", "-o", "table")],
                         ids=["version", "validate", "table", "json", "lines"])
def test_a_closed_pipe_ends_quietly(tmp_path, args):
    read, write = os.pipe()
    os.close(read)      # the reader is gone before essctl writes: `essctl ... | head -0`
    try:
        proc = subprocess.run([sys.executable, "-m", "essctl", *args], cwd=REPO, stdout=write,
                              stderr=subprocess.PIPE, timeout=60, env=_process_env(tmp_path))
    finally:
        os.close(write)
    assert (proc.returncode, proc.stderr.decode()) == (1, "")


def test_head_reading_one_line_leaves_stderr_empty(tmp_path):
    proc = subprocess.run(f"'{sys.executable}' -m essctl recipe run run-command --dry-run -o table | head -1",
                          shell=True, cwd=REPO, capture_output=True, timeout=60, env=_process_env(tmp_path))
    assert proc.stdout.decode().startswith("Dry-run: ") and proc.stderr == b""


def _serve(cli):
    return cli("sandbox", "serve", "--port", "0", "--write-profile")


def test_write_profile_into_an_unwritable_aliyun_folder_is_one_line(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".aliyun").write_text("a file where the folder should be")
    result = _serve(cli)
    assert result.code == 2 and result.out == ""
    assert _one_line(result.err) == (f"essctl: error: --write-profile: cannot write {tmp_path}/.aliyun/config.json: "
                                     f"{tmp_path}/.aliyun is not a folder; not changed")


def test_write_profile_on_a_read_only_file_system_is_one_line(cli, tmp_path, monkeypatch):
    import errno
    import tempfile

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    result = _serve(cli)
    assert result.code == 2
    assert _one_line(result.err).endswith(".aliyun/config.json: Read-only file system; not changed")
    assert not (tmp_path / ".aliyun" / "config.json").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_write_profile_with_a_read_only_home_is_one_line(cli, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir(mode=0o555)
    monkeypatch.setenv("HOME", str(home))
    result = _serve(cli)
    assert result.code == 2 and "Permission denied" in _one_line(result.err)


# --- Ctrl-C --------------------------------------------------------------------------------------------------------

def test_ctrl_c_in_any_command_is_one_line_and_130(cli, monkeypatch):
    import essctl.render

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(essctl.render, "output", interrupted)
    result = cli("--tape", "demo", "group", "list")
    assert (result.code, result.err) == (130, "essctl: interrupted\n")


def test_ctrl_c_at_a_prompt_is_one_line_and_130(cli, monkeypatch):
    import typer

    import essctl.render

    def prompt(*args, **kwargs):
        return typer.confirm("Proceed?")

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(essctl.render, "output", prompt)
    monkeypatch.setattr(sys.modules[typer.confirm.__module__], "visible_prompt_func", ctrl_c)   # click's input()
    result = cli("--tape", "demo", "group", "list")
    assert (result.code, result.err.strip("\n")) == (130, "essctl: interrupted")


def test_an_interrupt_that_carries_its_own_message_is_printed_once(cli, monkeypatch):
    """The hook for a command that says more after Ctrl-C: an EssctlError of exit code 130 is its one line."""
    import essctl.render
    from essctl.errors import EssctlError
    from essctl.exitcodes import ExitCode

    class Stopped(EssctlError):
        exit_code = ExitCode.INTERRUPTED

    def interrupted(*args, **kwargs):
        raise Stopped("interrupted while planning: nothing was changed")

    monkeypatch.setattr(essctl.render, "output", interrupted)
    result = cli("--tape", "demo", "group", "list")
    assert (result.code, result.err) == (130, "essctl: error: interrupted while planning: nothing was changed\n")


def test_ctrl_c_while_waiting_for_an_answer_says_interrupted(tmp_path):
    with socket.socket() as silent:            # accepts, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        silent.settimeout(60)
        env = _process_env(tmp_path, ALIBABA_CLOUD_ACCESS_KEY_ID=FAKE_KEY_ID,
                           ALIBABA_CLOUD_ACCESS_KEY_SECRET=FAKE_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN=FAKE_STS_TOKEN)
        proc = subprocess.Popen([sys.executable, "-m", "essctl", "--endpoint",
                                 f"http://127.0.0.1:{silent.getsockname()[1]}", *REGION, "group", "list"],
                                cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            connection, _ = silent.accept()    # essctl waits for the answer now
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
            connection.close()
        finally:
            proc.kill()
    assert (proc.returncode, err.decode()) == (130, "essctl: interrupted\n")


# --- the corpus's terminal cases (tests/hostile/cases_terminal.py) show no raw control character either -----------

def _corpus_cases():
    from tests.hostile.cases_terminal import CASES

    return CASES


@pytest.mark.parametrize("case", _corpus_cases(), ids=lambda case: case.name)
def test_the_terminal_corpus_shows_every_control_character_as_text(case, tmp_path, capsys, monkeypatch):
    from tests.hostile.corpus import Listener, environment, materialise

    listener = Listener()
    try:
        argv, extra = materialise(case, tmp_path, listener)
        defaults = {"ESSCTL_ENDPOINT": listener.url, "ALIBABA_CLOUD_REGION_ID": "cn-hangzhou"}
        if case.process:
            proc = subprocess.run([sys.executable, "-m", "essctl", *argv], cwd=REPO, capture_output=True, timeout=60,
                                  env=environment({**defaults, **extra}, tmp_path / "home"))
            out, err = proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")
            assert proc.stderr.isascii() or case.env.get("PYTHONIOENCODING") is None
        else:
            from essctl.cli.app import run

            for key, value in {"HOME": str(tmp_path / "home"), **defaults, **extra}.items():
                monkeypatch.setenv(key, value)
            run(argv)
            captured = capsys.readouterr()
            out, err = captured.out, captured.err
    finally:
        listener.close()
    _clean(out, err)
