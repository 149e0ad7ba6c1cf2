"""Hostile OOS template files (`essctl template show | policy | check --file F`, `--action-dir`) and template names
and versions given on the command line: refused in one line before anything is sent."""
from __future__ import annotations

from tests.hostile.corpus import LIFECYCLE_PARAMETERS, Case

HEAD = "FormatVersion: OOS-2019-06-01\n" + LIFECYCLE_PARAMETERS
TASKS = """\
Tasks:
  - Name: run
    Action: ACS::ExecuteAPI
    Properties: {Service: ECS, API: DescribeInstances}
"""


def template(parameters: str = "", tasks: str = TASKS) -> str:
    return HEAD + parameters + tasks


def show(name: str, content: str | bytes, expect: str, *, command: str = "show", extra: tuple[str, ...] = ()) -> Case:
    return Case(f"template-{command}-{name}", ("template", command, "--file", "{dir}/T.yml", *extra), expect,
                files={"T.yml": content})


def named(name: str, expect: str, *argv: str) -> Case:
    return Case(f"template-name-{name}", argv, expect)


LAUGHS = "".join(f"  l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10))

CASES = [
    show("alias-bomb", template("  l0: &l0 {Type: String, Default: lol}\n" + LAUGHS), "aliases"),
    show("alias-bomb-policy", template("  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + LAUGHS),
         "aliases", command="policy"),
    show("alias-recursive-tasks", HEAD + "Tasks: &t\n  - Name: run\n    Action: ACS::ExecuteAPI\n    Properties: "
         "{Service: ECS, API: DescribeInstances, Loop: *t}\n", "refers to itself"),
    show("deep-properties", template(tasks="Tasks:\n  - Name: run\n    Action: ACS::ExecuteAPI\n    Properties: "
                                     + "{a: " * 400 + "1" + "}" * 400 + "\n"), "nested deeper than"),
    show("deep-flow-past-libyaml", template(tasks="Tasks: " + "[" * 3000 + "]" * 3000 + "\n"), "nested deeper than"),
    show("nul-escaped", template(tasks='Tasks:\n  - {Name: "r\\0", Action: ACS::ExecuteAPI}\n'),
         "control character"),
    show("escape-in-description", 'Description: "\\e]8;;http://x\\e\\\\"\n' + template(), "control character"),
    show("not-utf8", template().encode() + b"# \xc3\x28\n", "not UTF-8"),
    show("default-inf", template("  timeout: {Type: Number, Default: .inf}\n"), "timeout", command="check",
         extra=("--hook-timeout", "600")),
    show("default-overflow", template("  timeout: {Type: Number, Default: 1e999}\n"), "timeout"),
    show("default-float-overflow", template("  timeout: {Type: Number, Default: 1.0e999}\n"), "timeout"),
    show("default-nan", template("  timeout: {Type: Number, Default: .nan}\n"), "timeout"),
    show("max-value-text", template("  size: {Type: Number, MaxValue: ten}\n"), "MaxValue", command="check",
         extra=("-p", "size=3")),
    show("min-value-list", template("  size: {Type: Number, MinValue: [1]}\n"), "MinValue", command="check",
         extra=("-p", "size=3")),
    show("allowed-values-scalar", template("  mode: {Type: String, AllowedValues: 5}\n"), "AllowedValues",
         command="check", extra=("-p", "mode=x")),
    show("concurrency-text", template("  timeout: {Type: Number, Default: 600}\n  rateControl: {Type: Json, "
                                      "Default: {Mode: Concurrency, Concurrency: ten}}\n"),
         "rateControl", command="check", extra=("--hook-timeout", "600")),
    show("concurrency-list", template("  timeout: {Type: Number, Default: 600}\n  rateControl: {Type: Json, "
                                      "Default: {Mode: Concurrency, Concurrency: [2]}}\n"),
         "rateControl", command="check", extra=("--hook-timeout", "600")),
    show("concurrency-in-text", template("  timeout: {Type: Number, Default: 600}\n  rateControl: {Type: Json, "
                                         "Default: '{\"Mode\": \"Concurrency\", \"Concurrency\": \"x\"}'}\n"),
         "rateControl", command="check", extra=("--hook-timeout", "600")),
    show("timeout-text-default", template("  timeout: {Type: Number, Default: soon}\n"), "timeout",
         command="check", extra=("--hook-timeout", "600")),
    show("huge-integer", template("  timeout: {Type: Number, Default: " + "9" * 5000 + "}\n"), "timeout"),
    show("long-parameter-type", template("  x: {Type: " + "T" * 200_000 + "}\n"), "Parameters.x.Type"),
    show("long-action", template(tasks="Tasks:\n  - {Name: r, Action: " + "A" * 200_000 + "}\n"), "Tasks[0].Action"),
    show("binary-tag", template("  x: {Type: String, Default: !!binary aGk=}\n"), "!!binary"),
    show("shadow", "root:$6$saltsalt$aGFzaGhhc2g:19700:0:99999:7:::\n", "Tasks"),
    Case("template-show-nested-bomb", ("template", "show", "--file", "{dir}/T.yml", "--action-dir",
                                       "{dir}/actions"), "aliases",
         files={"T.yml": template(tasks="Tasks:\n  - {Name: r, Action: 'ACS::ECS::Nested'}\n"),
                "actions/ACS::ECS::Nested.yml": template("  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                                                         + LAUGHS)}),
    Case("template-many-parameters-listed", ("recipe", "validate", "{dir}/r.yaml", "--template-file", "{dir}/T.yml"),
         "not a parameter of",
         files={"T.yml": template("".join(f"  parameterNumber{i:03d}: {{Type: String, Default: x}}\n"
                                          for i in range(40))),
                "r.yaml": "name: probe\ntemplate: T\nparameters: {zzzzzzzzzzzz: 1}\nhook: {name: probe-hook, "
                          "transition: SCALE_OUT}\npolicy: {derive: true, name: ProbePolicy}\n"}),
    Case("template-long-parameter-name", ("template", "check", "--file", "{dir}/T.yml", "-p", "P" * 5000 + "=x"),
         "filled by ESS", files={"T.yml": template("  ? " + "P" * 5000 + "\n  : {Type: String, Default: '${regionId}'}\n")}),
    named("traversal", "template", "template", "show", "../../etc/passwd"),
    named("query-injection", "template", "template", "show", "ACS-ESS-LifeCycleRunCommand&RegionId=evil"),
    named("space", "template", "template", "policy", "ACS ESS"),
    named("too-long", "template", "template", "show", "T" * 201),
    named("control", "template", "template", "check", "ACS-ESS\x1b[2J"),
    named("version-traversal", "--template-version", "template", "show", "ACS-ESS-LifeCycleRunCommand",
          "--template-version", "../../../tmp/evil"),
    named("version-empty", "--template-version", "template", "show", "ACS-ESS-LifeCycleRunCommand",
          "--template-version", ""),
    named("version-words", "--template-version", "template", "policy", "ACS-ESS-LifeCycleRunCommand",
          "--template-version", "latest please"),
    named("init-traversal", "--template", "recipe", "init", "--template", "../x"),
    named("execution-filter", "--template", "execution", "list", "--template", "a b&c=d"),
]
