"""Colour with meaning (issue 15): red failures, yellow warnings, green success, dim detail, on a terminal with
colour on; no escape code at all with colour off (NO_COLOR, --no-color), TERM=dumb or off a terminal. The values
themselves still show as text (essctl.render.safe): a coloured cell does not let markup or escapes through."""
import io
import re

import pytest

from essctl.env import Environment
from essctl.render import Listing, write_lines
from essctl.render.style import DETAIL, ERROR, SUCCESS, WARNING, Line
from essctl.render.views import LISTINGS

SGR = re.compile(r"\x1b\[[0-9;]*m")
RED, YELLOW, GREEN, DIM = "\x1b[31m", "\x1b[33m", "\x1b[32m", "\x1b[2m"
HOSTILE = "\x1b[31mred\x1b[0m [bold]boom[/] \x1b]0;pwned\x07"


class Terminal(io.StringIO):
    def isatty(self):
        return True


def _env(*, tty=True, color=True):
    return Environment(output="table", color=color, stdout=Terminal() if tty else io.StringIO())


def _activities(env):
    items = [{"ScalingActivityId": "asa-bp1failed0000000001", "StatusCode": "Failed", "StatusMessage": HOSTILE,
              "StartTime": "2026-11-30T20:15Z"},
             {"ScalingActivityId": "asa-bp1partly0000000001", "StatusCode": "Warning", "StatusMessage": "partly",
              "StartTime": "2026-11-30T20:14Z"},
             {"ScalingActivityId": "asa-bp1succeeded000000001", "StatusCode": "Successful", "StatusMessage": "fine",
              "StartTime": "2026-11-30T20:13Z"}]
    console = env.console()
    console.width = 120
    for renderable in LISTINGS["scaling_activities"](Listing("scaling_activities", items)):
        console.print(renderable)
    return env.stdout.getvalue()


def _styled_lines(out):
    """Each line's SGR codes (once the table's own box and bold header are set aside) keyed by its id."""
    return {match: line for line in out.splitlines() for match in re.findall(r"asa-bp1\w+", line)}


def test_a_table_colours_each_row_by_what_its_state_means():
    out = _activities(_env())
    rows = _styled_lines(out)
    assert f"{RED}Failed" in rows["asa-bp1failed0000000001"]
    assert f"{YELLOW}Warning" in rows["asa-bp1partly0000000001"]
    assert f"{GREEN}Successful" in rows["asa-bp1succeeded000000001"]
    assert DIM in rows["asa-bp1succeeded000000001"] and RED not in rows["asa-bp1succeeded000000001"]
    # the failed row's message is red too, and its escapes and markup still show as text
    failed = rows["asa-bp1failed0000000001"]
    assert failed.count(RED) >= 2 and "\\x1b[31mred\\x1b[0m [bold]boom[/]" in SGR.sub("", failed)
    assert "\x1b]0;pwned" not in out and "\x07" not in out


@pytest.mark.parametrize("env", [_env(color=False), _env(tty=False)], ids=["colour off", "not a terminal"])
def test_no_escape_code_without_colour_or_off_a_terminal(env):
    out = _activities(env)
    assert RED not in out and GREEN not in out and YELLOW not in out and "\x1b[" not in out.replace("\\x1b[", "")
    assert "Failed" in out and "\\x1b[31mred\\x1b[0m [bold]boom[/]" in out


def test_lines_are_painted_by_meaning_only_on_a_colour_terminal():
    lines = [Line("+ create", SUCCESS), Line("! careful", WARNING), Line("FAIL x", ERROR), Line("time", DETAIL),
             "plain", Line(f"value {HOSTILE}", ERROR)]
    env = _env()
    write_lines(env, lines)
    out = env.stdout.getvalue().splitlines()
    assert out[0] == f"{GREEN}+ create\x1b[0m" and out[1] == f"{YELLOW}! careful\x1b[0m"
    assert out[2] == f"{RED}FAIL x\x1b[0m" and out[3] == f"{DIM}time\x1b[0m" and out[4] == "plain"
    assert out[5] == f"{RED}value \\x1b[31mred\\x1b[0m [bold]boom[/] \\x1b]0;pwned\\x07\x1b[0m"   # escaped inside
    for env in (_env(color=False), _env(tty=False)):
        write_lines(env, lines)
        assert "\x1b" not in env.stdout.getvalue()


@pytest.mark.parametrize("variables, flag, colour", [
    ({}, False, True), ({"NO_COLOR": "1"}, False, False), ({"NO_COLOR": ""}, False, True), ({}, True, False),
    ({"TERM": "dumb"}, False, False),
], ids=["default", "NO_COLOR", "NO_COLOR empty", "--no-color", "TERM=dumb"])
def test_no_color_and_the_flag_and_a_dumb_terminal_turn_colour_off(monkeypatch, variables, flag, colour):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    env = Environment.from_options(output="table", query=None, no_color=flag, verbose=False)
    env.stdout = Terminal()
    assert env.stdout_colour is colour
    write_lines(env, [Line("FAIL", ERROR)])
    assert (RED in env.stdout.getvalue()) is colour
    out = _activities(_with_stdout(env))
    assert (f"{RED}Failed" in out) is colour


def _with_stdout(env):
    env.stdout = Terminal()
    env._consoles.clear()
    return env


def test_the_live_watch_marks_a_failure_red_and_a_success_green():
    from essctl.events import ExecutionChanged
    from essctl.render.watch_views import LiveWatchView

    env = _env()
    console = env.console()
    view = LiveWatchView(env, "Activity asa-1", console=console)
    view.event(ExecutionChanged(execution_id="exec-failed", status="Failed", template="T", status_message="boom",
                                outputs=None))
    view.event(ExecutionChanged(execution_id="exec-fine", status="Success", template="T", status_message=None,
                                outputs=None))
    console.print(view)
    rows = {name: line for line in env.stdout.getvalue().splitlines() for name in ("exec-failed", "exec-fine")
            if name in line}
    assert f"{RED}✗" in rows["exec-failed"] and f"{RED}Failed" in rows["exec-failed"]
    assert f"{GREEN}✓" in rows["exec-fine"] and f"{GREEN}Success" in rows["exec-fine"]
