"""Hostile sandbox scenarios (`essctl sandbox serve --scenario FILE --port 0`) and serve options: each must be refused
before the sandbox starts serving (a case that served would never end)."""
from __future__ import annotations

from tests.hostile.corpus import Case

GROUP = "groups: [{id: asg-hostile0001, max: 3}]\n"


def scenario(name: str, content: str | bytes, expect: str, *options: str) -> Case:
    return Case(f"scenario-{name}", ("sandbox", "serve", "--port", "0", "--scenario", "{dir}/s.yaml", *options),
                expect, files={"s.yaml": content})


def serve(name: str, expect: str, *options: str) -> Case:
    return Case(f"serve-{name}", ("sandbox", "serve", "--port", "0", *options), expect)


LAUGHS = ("x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
          + "".join(f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 9)}]\n" for i in range(1, 10)))

CASES = [
    scenario("alias-bomb", "templates:\n  " + LAUGHS.replace("\n", "\n  ") + "T: *x9\n", "aliases"),
    scenario("alias-recursive", "groups: &g [{id: asg-hostile0001, max: 3, hooks: *g}]\n", "refers to itself"),
    scenario("deep-nesting", "behaviour: {T: {outputs: " + "{a: " * 500 + "1" + "}" * 500 + "}}\n",
             "nested deeper than"),
    scenario("nul-escaped", 'region: "cn-hangzhou\\0"\n', "control character"),
    scenario("nul-raw", "region: cn-\x00hangzhou\n", "s.yaml"),
    scenario("not-utf8", b"region: cn-hangzhou\n# \xff\xfe\n", "not UTF-8"),
    scenario("timestamp", "account_id: 2024-02-30\n", "s.yaml"),
    scenario("region-traversal", "region: ../..\n", "region"),
    scenario("region-query", "region: cn-hangzhou&RegionId=evil\n", "region"),
    scenario("group-max-huge", "groups: [{id: asg-hostile0001, max: 100000000000000000000}]\n", "groups[0].max"),
    scenario("group-max-inf", "groups: [{id: asg-hostile0001, max: .inf}]\n", "groups[0].max"),
    scenario("duration-nan", GROUP + "behaviour: {T: {duration: .nan}}\n", "duration"),
    scenario("duration-inf", GROUP + "behaviour: {T: {duration: .inf}}\n", "duration"),
    scenario("after-inf", GROUP + "scheduled_tasks: [{group: asg-hostile0001, after: .inf}]\n", "after"),
    scenario("after-negative", GROUP + "scheduled_tasks: [{group: asg-hostile0001, after: -5}]\n", "after"),
    scenario("adjustment-huge", GROUP + "scheduled_tasks: [{group: asg-hostile0001, after: 1, adjustment: "
             "99999999999999}]\n", "adjustment"),
    scenario("rate-nan", "faults: {throttle_rate: .nan}\n", "throttle_rate"),
    scenario("latency-huge", "faults: {latency_ms: [0, 100000000000]}\n", "latency_ms"),
    scenario("retry-after-negative", "faults: {retry_after_ms: -1}\n", "retry_after_ms"),
    scenario("rule-calls-text", "faults: {rules: [{action: GetRole, calls: [first], error: {code: X}}]}\n",
             "calls"),
    scenario("rule-calls-float", "faults: {rules: [{action: GetRole, calls: [1.5], error: {code: X}}]}\n",
             "calls"),
    scenario("rule-status-bogus", "faults: {rules: [{action: GetRole, call: 1, error: {code: X, status: 99999}}]}\n",
             "status"),
    scenario("rule-call-zero", "faults: {rules: [{action: GetRole, call: 0, error: {code: X}}]}\n", "call"),
    scenario("template-dir-missing", "template_dirs: [/nonexistent/essctl-hostile]\n", "template_dirs[0]"),
    scenario("template-name-traversal", "templates: {../../x: 'FormatVersion: OOS-2019-06-01'}\n", "templates"),
    scenario("hook-timeout-inf", "groups: [{id: asg-hostile0001, max: 3, hooks: [{name: h1, template: T, timeout: "
             ".inf}]}]\n", "timeout"),
    scenario("long-value-echo", "groups: [{id: asg-" + "z" * 200_000 + ", max: 3}]\n", "groups[0].id"),
    scenario("long-status-echo", "groups: [{id: asg-hostile0001, max: 3, status: " + "S" * 200_000 + "}]\n",
             "groups[0].status"),
    scenario("long-task-group", GROUP + "scheduled_tasks: [{group: asg-" + "q" * 200_000 + ", after: 1}]\n",
             "scheduled_tasks[0].group"),
    scenario("long-duplicate-hook", "groups: [{id: asg-hostile0001, max: 3, hooks: [{name: " + "h" * 200_000
             + ", template: T}, {name: " + "h" * 200_000 + ", template: T}]}]\n", "hooks[1].name"),
    scenario("shadow-file", "root:$6$saltsalt$aGFzaGhhc2g:19700:0:99999:7:::\n", "not a scenario"),
    Case("scenario-state-garbage", ("sandbox", "serve", "--port", "0", "--state", "{dir}/state.json"), "state.json",
         files={"state.json": '{"format": 2, "clock": "soon"}'}),
    serve("templates-missing", "--templates", "--templates", "{dir}/nowhere"),
    Case("scenario-long-path", ("sandbox", "serve", "--port", "0", "--scenario", "{dir}/" + "p" * 240 + "/s.yaml"),
         "region", files={"p" * 240 + "/s.yaml": "region: ../..\n"}),
    serve("speed-inf", "--speed", "--speed", "inf"),
    serve("speed-nan", "--speed", "--speed", "nan"),
    serve("speed-huge", "--speed", "--speed", "1e300"),
]
