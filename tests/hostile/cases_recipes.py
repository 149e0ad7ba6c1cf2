"""Hostile recipe files: alias bombs, recursion, deep nesting, control characters, bad encodings, numbers that are
not finite, values too long to echo, files that are not recipes. Each is read with `recipe validate`, `recipe show`
or `recipe plan`, and each must end in one FILE:LINE:COL line and exit 2 before anything is sent."""
from __future__ import annotations

from tests.hostile.corpus import Case

HEAD = """\
name: probe
template: ACS-ESS-LifeCycleRunCommand
inputs:
  script: {type: String, required: true}
hook: {name: probe-hook, transition: SCALE_OUT, timeout: 900}
policy: {derive: true, name: ProbePolicy}
"""
PARAMETERS = "parameters:\n  commandContent: ${script}\n"
BASE = HEAD + PARAMETERS


def recipe(parameters: str = "", *, head: str = "", **fields: str) -> str:
    """BASE with top-level fields replaced or added (`hook="..."`), `head` lines first, and `parameters` lines added
    to its parameters."""
    lines = HEAD.splitlines()
    for key, value in fields.items():
        if any(line.startswith(f"{key}:") for line in lines):
            lines = [f"{key}: {value}" if line.startswith(f"{key}:") else line for line in lines]
        else:
            lines.append(f"{key}: {value}")
    return head + "\n".join(lines) + "\n" + PARAMETERS + parameters


def laughs(levels: int, *, mapping: bool = False) -> str:
    """Billion-laughs parameters: each level holds nine aliases of the one below; commandType takes the top."""
    lines = ['  l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        below = f"*l{level - 1}"
        items = ", ".join(f"k{i}: {below}" for i in range(9)) if mapping else ", ".join([below] * 9)
        lines.append(f"  l{level}: &l{level} " + (f"{{{items}}}" if mapping else f"[{items}]"))
    lines.append(f"  commandType: *l{levels - 1}")
    return "\n".join(lines) + "\n"


def with_number_input(spec: str) -> str:
    """BASE with a Number input `n` ({type: Number, ...spec}) passed as the parameter size."""
    return recipe("  size: ${n}\n").replace("required: true}\n", "required: true}\n  n: {type: Number, " + spec + "}\n")


def validate(name: str, content: str | bytes, expect: str, *, file: str = "r.yaml") -> Case:
    return Case(f"recipe-{name}", ("recipe", "validate", f"{{dir}}/{file}"), expect, files={file: content})


LONG = "x" * 200_000
DEEP_FLOW = "[" * 5000 + "]" * 5000
SHADOW = ("root:$6$saltsalt$c2VjcmV0aGFzaHNlY3JldGhhc2hzZWNyZXRoYXNo:19700:0:99999:7:::\n"
          "daemon:*:19700:0:99999:7:::\n")

BOMB_TOP = ("x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
            + "".join(f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 10)}]\n" for i in range(1, 8)))

CASES = [
    # --- aliases: expansion, recursion --------------------------------------------------------------------------
    validate("alias-bomb-list", recipe(laughs(9)), "aliases"),
    validate("alias-bomb-mapping", recipe(laughs(9, mapping=True)), "aliases"),
    validate("alias-bomb-deeper", recipe(laughs(12)), "aliases"),
    validate("alias-bomb-in-unknown-fields", recipe(description="*x7", head=BOMB_TOP), "aliases"),
    validate("alias-bomb-as-key", recipe("  ? *l8\n  : x\n" + laughs(9).replace("  commandType: *l8\n", "")),
             "aliases"),
    validate("alias-recursive-list", recipe("  loop: &loop [1, *loop]\n"), "refers to itself"),
    validate("alias-recursive-mapping", recipe("  loop: &loop {again: *loop}\n"), "refers to itself"),
    validate("alias-recursive-root", "&root {name: probe, again: *root}\n", "refers to itself"),
    validate("alias-recursive-input", BASE.replace("{type: String, required: true}",
                                                   "&i {type: Json, default: [*i]}"), "refers to itself"),
    validate("alias-undefined", recipe("  x: *nowhere\n"), "nowhere"),
    validate("merge-key-recursive", recipe("  m: &m {<<: *m}\n"), "refers to itself"),
    # --- nesting -------------------------------------------------------------------------------------------------
    validate("deep-flow-list", recipe(f"  deep: {'[' * 500}1{']' * 500}\n"), "nested deeper than"),
    validate("deep-flow-mapping", recipe(f"  deep: {'{a: ' * 300}1{'}' * 300}\n"), "nested deeper than"),
    validate("deep-flow-past-libyaml", recipe(f"  deep: {DEEP_FLOW}\n"), "nested deeper than"),
    validate("deep-block-sequence", recipe("  deep:\n    " + "- " * 2000 + "x\n"), "nested deeper than"),
    validate("deep-block-mapping", recipe("".join(f"{'  ' * (i + 1)}k{i}:\n" for i in range(300))),
             "nested deeper than"),
    validate("deep-input-default", BASE.replace("{type: String, required: true}",
                                                "{type: Json, default: " + "[" * 200 + "]" * 200 + "}"),
             "nested deeper than"),
    # --- characters and encodings --------------------------------------------------------------------------------
    validate("nul-byte-raw", recipe(hook="{name: probe\x00hook, transition: SCALE_OUT}"), "r.yaml:"),
    validate("nul-escaped-in-name", recipe(name='"probe\\0"'), "control character"),
    validate("nul-escaped-in-description", recipe(description='"text\\0more"'), "control character"),
    validate("escape-sequence-in-title", recipe(title='"\\e[31mred\\e[0m"'), "control character"),
    validate("bell-in-help", BASE.replace("required: true}", 'required: true, help: "ring\\a"}'),
             "control character"),
    validate("c1-control-in-reference", recipe(reference='"csi \\u009b2J"'), "control character"),
    validate("control-in-parameter", recipe('  commandType: "Run\\x01ShellScript"\n'), "control character"),
    validate("control-in-key", recipe('  "comm\\x7fand": x\n'), "control character"),
    validate("bidi-override-in-name", recipe(name='"probe\\u202e"'), "name"),
    validate("anchor-then-tab", "&a \t", "r.yaml:1:1"),
    validate("lone-surrogate-escape", recipe(description='"\\ud800"'), "r.yaml:"),
    validate("latin1-bytes", BASE.encode() + "# caf\xe9\n".encode("latin-1"), "not UTF-8"),
    validate("utf16-file", BASE.encode("utf-16"), "not UTF-8"),
    validate("binary-file", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4, "not UTF-8"),
    # --- numbers that are not finite or not in range -------------------------------------------------------------
    validate("hook-timeout-inf", recipe(hook="{name: probe-hook, transition: SCALE_OUT, timeout: .inf}"),
             "hook.timeout"),
    validate("hook-timeout-nan", recipe(hook="{name: probe-hook, transition: SCALE_OUT, timeout: .nan}"),
             "hook.timeout"),
    validate("hook-timeout-huge-int", recipe(hook="{name: probe-hook, transition: SCALE_OUT, timeout: "
                                              + "9" * 5000 + "}"), "hook.timeout"),
    validate("hook-timeout-1e999", recipe(hook="{name: probe-hook, transition: SCALE_OUT, timeout: 1e999}"),
             "hook.timeout"),
    validate("input-default-inf", with_number_input("default: .inf"), "inputs.n.default"),
    validate("input-default-nan", with_number_input("default: .nan"), "inputs.n.default"),
    validate("input-example-overflow", with_number_input("example: 1e400"), "inputs.n.example"),
    validate("input-allowed-nan", with_number_input("allowed: [1, .nan]"), "inputs.n.allowed"),
    validate("input-default-huge-int", with_number_input("default: " + "7" * 400), "inputs.n.default"),
    validate("parameter-inf", recipe("  timeout: .inf\n"), "parameters.timeout"),
    validate("parameter-nan-in-mapping", recipe("  rateControl: {Mode: Concurrency, Concurrency: .nan}\n"),
             "parameters.rateControl"),
    validate("trigger-adjustment-huge", recipe(trigger="{adjustment: 100000000000000000000}"),
             "trigger.adjustment"),
    validate("trigger-adjustment-float", recipe(trigger="{adjustment: 1.5}"), "trigger.adjustment"),
    validate("trigger-adjustment-inf", recipe(trigger="{adjustment: .inf}"), "trigger.adjustment"),
    validate("trigger-adjustment-over-ess-limit", recipe(trigger="{adjustment: 1001}"), "trigger.adjustment"),
    # --- types YAML can make that no recipe holds ----------------------------------------------------------------
    validate("timestamp-invalid", recipe(trigger="{adjustment: 2023-02-30}"), "trigger.adjustment"),
    validate("timestamp-as-timeout", recipe(hook="{name: probe-hook, transition: SCALE_OUT, timeout: 2024-01-01 "
                                             "10:00:00}"), "hook.timeout"),
    validate("binary-tag", recipe("  blob: !!binary aGVsbG8=\n"), "!!binary"),
    validate("set-tag", recipe("  items: !!set {a, b}\n"), "!!set"),
    validate("python-tag", recipe("  obj: !!python/object:os.system ls\n"), "r.yaml:"),
    validate("unhashable-key", recipe("  ? [a, b]\n  : c\n"), "r.yaml:"),
    validate("null-key", recipe("  ~: value\n"), "r.yaml:"),
    validate("numeric-top-level-key", recipe(**{"12": "x"}), "r.yaml:"),
    # --- values too long to echo, or not a recipe at all ---------------------------------------------------------
    validate("long-template-name", recipe(template=LONG), "template"),
    validate("long-hook-name", recipe(hook="{name: " + LONG + ", transition: SCALE_OUT}"), "hook.name"),
    validate("long-unknown-key", recipe(head=f"? {LONG}\n: 1\n"), "unknown field"),
    validate("long-parameter-key", recipe("  ? " + "p" * 100_000 + "\n  : ${nope}\n"), "names no declared input"),
    validate("long-input-name", BASE.replace("  script:", "  ? " + "i" * 100_000 + "\n  : {type: String}\n  script:"),
             "input names"),
    validate("scalar-over-limit", recipe(description="y" * 2_000_000), "longer than"),
    validate("long-undeclared-reference", recipe("  commandType: ${" + "r" * 100_000 + "}\n"),
             "names no declared input"),
    validate("long-system-policy", recipe(policy="{system: [Aliyun" + "Q" * 100_000 + "]}"), "policy.system"),
    validate("long-action", recipe(policy="{name: P, statements: [{Effect: Allow, Action: [ecs:" + "R" * 100_000
                                   + " x]}]}"), "policy.statements"),
    Case("recipe-show-shadow-file", ("recipe", "show", "{dir}/shadow"), "not a recipe", files={"shadow": SHADOW}),
    Case("recipe-validate-shadow-file", ("recipe", "validate", "{dir}/shadow"), "not a recipe",
         files={"shadow": SHADOW}),
    Case("recipe-show-ini-file", ("recipe", "show", "{dir}/config.ini"), "config.ini",
         files={"config.ini": "[default]\naccess_key_secret = hunter2-do-not-print\n"}),
    Case("recipe-show-env-file", ("recipe", "show", "{dir}/prod.yaml"), "not a recipe",
         files={"prod.yaml": "DB_PASSWORD: hunter2-do-not-print\nAPI_TOKEN: abcdef\n"}),
    Case("recipe-show-long-name", ("recipe", "show", "n" * 100_000), "not a built-in recipe"),
    Case("recipe-show-directory", ("recipe", "show", "{dir}/"), "no such recipe file"),
    Case("recipe-show-missing-file", ("recipe", "show", "{dir}/missing.yaml"), "no such recipe file"),
    validate("json-recipe-scalar", '"just a string"', "expected a mapping"),
    validate("document-stream", BASE + "---\n" + BASE, "r.yaml:"),
    validate("huge-file", "# " + "z" * (9 * 1024 * 1024) + "\n" + BASE, "larger than"),
]
