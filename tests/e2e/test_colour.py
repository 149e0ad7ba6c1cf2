"""Colour and width through `python -m essctl` on a pseudo-terminal 80 columns wide (issue 15): failures red and
ids whole; no escape code with NO_COLOR, --no-color, or into a pipe."""
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios

import pytest

from tests.support.cli import REPO, clean_env, run_essctl

ACTIVITIES = ("--tape", "demo", "-o", "table", "activity", "list", "--group", "asg-bp1demo0000000000001")
RED = "\x1b[31m"


def _on_a_terminal(args, env, columns=80, stream="stdout", code=0):
    """essctl's stdout (or stderr) on a pseudo-terminal of `columns` columns: what it wrote there."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {**env, "COLUMNS": str(columns), "TERM": "xterm-256color"}
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, stream: follower}
    proc = subprocess.Popen([sys.executable, "-m", "essctl", *args], **streams, stdin=subprocess.DEVNULL, env=env,
                            cwd=REPO)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:          # the follower side closed: essctl has ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=60) == code
    return b"".join(chunks).decode().replace("\r\n", "\n")


@pytest.fixture
def env(tmp_path):
    variables = clean_env(tmp_path)
    variables.pop("NO_COLOR")
    return variables


def test_a_terminal_gets_red_failures_and_whole_ids_at_80_columns(env):
    out = _on_a_terminal(ACTIVITIES, env)
    assert f"{RED}Failed" in out
    lines = [line for line in out.splitlines() if "asa-" in line]
    assert lines and all("asa-bp1demoact00000000" in line for line in lines)


@pytest.mark.parametrize("extra, args", [({"NO_COLOR": "1"}, ()), ({}, ("--no-color",))],
                         ids=["NO_COLOR", "--no-color"])
def test_no_color_and_the_flag_leave_no_colour_on_a_terminal(env, extra, args):
    out = _on_a_terminal((*ACTIVITIES, *args), {**env, **extra})
    assert "Failed" in out and RED not in out and "\x1b[3" not in out


def test_a_pipe_gets_no_escape_code(env):
    result = run_essctl(*ACTIVITIES, env=env)
    assert result.code == 0 and "Failed" in result.out and "\x1b" not in result.out


def test_an_error_line_starts_red_on_a_terminal_and_plain_with_no_color(env):
    args = ("--tape", "demo", "group", "list", "--region", "not a region")
    red = _on_a_terminal(args, env, stream="stderr", code=2)
    assert red.startswith(f"{RED}essctl: error:\x1b[0m --region") and red.count("\x1b") == 2
    for extra, flags in (({"NO_COLOR": "1"}, ()), ({}, ("--no-color",))):
        plain = _on_a_terminal((*args, *flags), {**env, **extra}, stream="stderr", code=2)
        assert plain.startswith("essctl: error: --region") and "\x1b" not in plain


def test_a_diagnosis_shows_its_error_finding_and_failed_checks_red_and_passed_checks_green(env):
    out = _on_a_terminal(("diagnose", "--tape", "diagnose-forbidden-ram", "--group", "asg-sandbox000000000001"),
                         env, code=1)
    assert f"{RED}1. [error] Forbidden.RAM" in out
    assert f"{RED}  FAIL  role_allows_template_actions" in out and "\x1b[32m  pass  role_exists_and_trusts_oos" in out
