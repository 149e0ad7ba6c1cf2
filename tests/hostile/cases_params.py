"""Hostile `-p KEY=VALUE` values: numbers that are not finite or not in range, JSON nested without end, keys given
twice, empty required inputs, values too long to echo or to fit, control characters. Checked against a recipe's
inputs (`recipe plan`) or a template file's parameters (`template check --file`), before anything is sent."""
from __future__ import annotations

from tests.hostile.corpus import LIFECYCLE_PARAMETERS, Case

JSON_RECIPE = """\
name: typed
template: Probe-LifeCycleTyped
inputs:
  settings: {type: Json}
  tags: {type: List}
  size: {type: Number}
  script: {type: String, required: true}
parameters:
  settings: ${settings}
  tags: ${tags}
  size: ${size}
  commandContent: ${script}
hook: {name: typed-hook, transition: SCALE_OUT}
policy: {derive: true, name: TypedPolicy}
"""

TEMPLATE = "FormatVersion: OOS-2019-06-01\n" + LIFECYCLE_PARAMETERS + """\
  timeout: {Type: Number, Default: 600}
  rateControl: {Type: Json, Default: {Mode: Concurrency, Concurrency: 10}}
  label: {Type: String, Default: x}
  mode: {Type: String, Default: Append, AllowedValues: [Append, Delete]}
Tasks:
  - Name: run
    Action: ACS::ExecuteAPI
    Properties: {Service: ECS, API: DescribeInstances, Parameters: {RegionId: '{{ regionId }}'}}
"""


def bandwidth(name: str, value: str) -> Case:
    """The built-in attach-nic-eip recipe's Number input."""
    return Case(f"param-bandwidth-{name}", ("recipe", "plan", "attach-nic-eip", "--group", "asg-hostile0001", "-p",
                                            f"bandwidth={value}"), "-p bandwidth")


def typed(name: str, expect: str, *params: str, process: bool = False) -> Case:
    argv = ("recipe", "plan", "{dir}/typed.yaml", "--group", "asg-hostile0001", "-p", "script=true", *params)
    return Case(f"param-typed-{name}", argv, expect, files={"typed.yaml": JSON_RECIPE}, process=process)


def check(name: str, expect: str, *params: str) -> Case:
    argv = ("template", "check", "--file", "{dir}/T.yml", *params)
    return Case(f"param-check-{name}", argv, expect, files={"T.yml": TEMPLATE})


def concurrency(name: str, value: str) -> Case:
    """rateControl with a Concurrency of another kind, read by the hook-timeout check."""
    value = '{"Mode":"Concurrency","Concurrency":%s}' % value
    return check(f"concurrency-{name}", "rateControl", "-p", f"rateControl={value}", "--hook-timeout", "600")


def run_command(name: str, expect: str, *params: str, process: bool = False) -> Case:
    argv = ("recipe", "plan", "run-command", "--group", "asg-hostile0001", *params)
    return Case(f"param-run-command-{name}", argv, expect, process=process)


CASES = [
    bandwidth("inf", "inf"),
    bandwidth("minus-inf", "-inf"),
    bandwidth("nan", "nan"),
    bandwidth("nan-upper", "NaN"),
    bandwidth("infinity-word", "Infinity"),
    bandwidth("overflow", "1e999"),
    bandwidth("absurd", "1e300"),
    bandwidth("spaced-nan", " nan "),
    bandwidth("huge-integer", "9" * 5000),
    Case("param-bandwidth-twice", ("recipe", "plan", "attach-nic-eip", "--group", "asg-hostile0001",
                                   "-p", "bandwidth=5", "-p", "bandwidth=6"), "given twice"),
    run_command("key-twice", "given twice", "-p", "commandContent=a", "-p", "commandContent=a"),
    run_command("key-twice-spaced", "given twice", "-p", "commandContent=a", "-p", " commandContent =b"),
    run_command("empty-required", "-p commandContent", "-p", "commandContent="),
    run_command("blank-required", "-p commandContent", "-p", "commandContent= \t "),
    run_command("too-long", "-p commandContent", "-p", "commandContent=" + "echo hi; " * 20_000),
    run_command("control-character", "-p commandContent", "-p", "commandContent=echo \x1b]0;owned\x07"),
    run_command("not-utf8-argv", "-p commandContent", "-p", "commandContent=\udcff\udcfe", process=True),
    run_command("long-unknown-key", "-p", "-p", "k" * 100_000 + "=1"),
    run_command("long-not-allowed", "-p commandType", "-p", "commandContent=x", "-p", "commandType=" + "Z" * 100_000),
    run_command("control-in-key", "-p", "-p", "command\x1bContent=x"),
    typed("json-nan", "-p settings", "-p", "settings=[NaN]"),
    typed("json-infinity", "-p settings", "-p", 'settings={"a": Infinity}'),
    typed("json-overflow", "-p settings", "-p", "settings=[1e999]"),
    typed("json-deep", "-p settings", "-p", "settings=" + "[" * 100_000 + "]" * 100_000),
    typed("json-deeper-than-limit", "-p settings", "-p", "settings=" + "[" * 200 + "]" * 200),
    typed("json-deep-mapping", "-p settings", "-p", "settings=" + '{"a":' * 5000 + "1" + "}" * 5000),
    typed("json-control-in-string", "-p settings", "-p", 'settings={"a": "\\u0000"}'),
    typed("list-deep", "-p tags", "-p", "tags=" + "[" * 50_000 + "]" * 50_000),
    typed("list-nan", "-p tags", "-p", "tags=[1, NaN]"),
    typed("number-nan", "-p size", "-p", "size=nan"),
    typed("number-inf-exponent", "-p size", "-p", "size=-1e999"),
    check("timeout-inf", "timeout", "-p", "timeout=inf"),
    check("timeout-nan", "timeout", "-p", "timeout=nan"),
    check("timeout-overflow", "timeout", "-p", "timeout=1e999", "--hook-timeout", "600"),
    check("timeout-absurd", "timeout", "-p", "timeout=1e308", "-p", 'rateControl={"Mode":"Concurrency",'
          '"Concurrency":1}', "--hook-timeout", "600"),
    concurrency("text", '"ten"'),
    concurrency("list", '[10]'),
    concurrency("inf", '1e999'),
    concurrency("mapping", '{"n":1}'),
    concurrency("negative", '-3'),
    check("rate-control-deep", "rateControl", "-p", "rateControl=" + '{"a":' * 3000 + "1" + "}" * 3000,
          "--hook-timeout", "600"),
    check("parameter-twice", "given twice", "-p", "label=a", "-p", "label=b"),
    check("long-unknown-parameter", "not a parameter", "-p", "q" * 100_000 + "=1"),
    check("long-not-allowed", "mode", "-p", "mode=" + "M" * 100_000),
    check("control-in-value", "label", "-p", "label=a\x1b[2Jb"),
]
