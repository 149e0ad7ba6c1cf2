"""What reaches the terminal: bad input whose one error line would carry escape sequences, control characters,
bidi overrides, very long values or characters an ASCII terminal cannot show; and `sandbox serve --write-profile`
with a home it cannot write. tests/e2e/test_terminal.py also holds these to showing no raw control character."""
from tests.hostile.corpus import Case

OSC = "\x1b]0;pwned\x07"            # sets the terminal's title
CSI = "\x1b[31m"                    # red
CLEAR = "\x1b[2J"                   # clears the screen
C1 = "\x9b2J"                       # the 8-bit CSI: clears the screen on some terminals
RLO = "\u202e"                      # shows what follows right to left
ASCII = {"PYTHONIOENCODING": "ascii"}

RECIPE = """name: demo
template: ACS-ESS-LifeCycleRunCommand
inputs:
  commandContent: {type: String, required: true, example: echo hi}
parameters:
  commandContent: ${commandContent}
hook:
  name: ESSHookForDemo
  transition: SCALE_OUT
  timeout: 900
  default_result: CONTINUE
policy:
  derive: true
  name: ESSHookPolicyForDemo
"""


def _recipe(old: str, new: str) -> dict[str, str]:
    assert old in RECIPE
    return {"r.yaml": RECIPE.replace(old, new)}


def _tape_with_source(source: str) -> dict[str, str]:
    """The demo tape's header with another `source`, and no interactions."""
    return {"t.yaml": f"format: 1\nessctl: 0.1.0\nrecorded_at: '2026-11-30T18:02:52Z'\nsource: {source}\n"
                      "region: cn-hangzhou\naccount_redacted: false\ninteractions: []\n"}


SERVE = ("sandbox", "serve", "--port", "0", "--write-profile")

CASES = [
    # the command line, worded back by click
    Case("terminal-unknown-option-csi", ("group", "list", f"--{CSI}colour"), "No such option"),
    Case("terminal-unknown-command-osc", (f"{OSC}group",), "No such command"),
    Case("terminal-output-choice-long", ("--output", "x" * 5000, "group", "list"), "--output"),
    Case("terminal-output-choice-bidi", ("--output", f"{RLO}table", "group", "list"), "--output"),
    Case("terminal-max-items-clear", ("group", "list", "--max-items", CLEAR), "--max-items"),
    Case("terminal-poll-interval-osc", ("activity", "watch", "asa-1", "--poll-interval", OSC), "--poll-interval"),
    # essctl's own checks of what was given
    Case("terminal-param-not-key-value", ("recipe", "plan", "run-command", "--group", "asg-1", "-p", CSI), "-p"),
    Case("terminal-param-unknown-long", ("recipe", "plan", "run-command", "--group", "asg-1", "-p", "x" * 3000 + "=1"),
         "not an input of recipe run-command"),
    Case("terminal-param-value-osc", ("recipe", "plan", "run-command", "--group", "asg-1", "-p", f"commandType={OSC}",
                                      "-p", "commandContent=x"), "-p commandType"),
    Case("terminal-dry-run-param-bidi", ("recipe", "run", "run-command", "--dry-run", "-p",
                                         f"commandType={RLO}RunShellScript"), "-p commandType"),
    Case("terminal-recipe-name-csi", ("recipe", "show", f"{CSI}run-command"), "not a built-in recipe"),
    Case("terminal-recipe-missing-file-c1", ("recipe", "validate", f"{{dir}}/{C1}missing.yaml"), "no such recipe file"),
    Case("terminal-hook-default-result-osc", ("hook", "update", "ash-1", "--default-result", OSC),
         "--default-result"),
    Case("terminal-hook-id-csi", ("hook", "update", f"ash-{CSI}", "--default-result", "CONTINUE"),
         "must be a resource id"),
    Case("terminal-endpoint-service-osc", ("--endpoint", f"{OSC}=http://127.0.0.1:1", "group", "list"), "--endpoint"),
    Case("terminal-endpoint-env-long", ("group", "list"), "ESSCTL_ENDPOINT: expected a base URL",
         env={"ESSCTL_ENDPOINT": "ftp://" + "x" * 3000 + CLEAR}),
    Case("terminal-endpoint-bracket-csi", ("--endpoint", f"http://{CSI}", "group", "list"), "--endpoint"),
    Case("terminal-profile-osc", ("--profile", OSC, "group", "list"), "--profile: must be a profile name"),
    Case("terminal-query-csi", ("--tape", "demo", "group", "list", "--query", f"[?{CSI}"), "--query"),
    Case("terminal-template-file-missing-csi", ("template", "show", "--file", f"{{dir}}/{CSI}none.yml"),
         "cannot read the template"),
    # recipe files
    Case("terminal-recipe-default-result-escapes", ("recipe", "validate", "{dir}/r.yaml"), "hook.default_result",
         files=_recipe("default_result: CONTINUE", 'default_result: "\\e[31mCONTINUE\\e]0;pwned\\a"')),
    Case("terminal-recipe-transition-bidi", ("recipe", "validate", "{dir}/r.yaml"), "hook.transition",
         files=_recipe("transition: SCALE_OUT", 'transition: "\\u202eSCALE_OUT\\x9b2J"')),
    Case("terminal-recipe-name-clear", ("recipe", "validate", "{dir}/r.yaml"), "r.yaml:1:7: name",
         files=_recipe("name: demo", 'name: "demo\\e[2J\\r\\nforged"')),
    Case("terminal-recipe-field-name-csi", ("recipe", "validate", "{dir}/r.yaml"), "holds a control character",
         files=_recipe("  default_result: CONTINUE", '  default_result: CONTINUE\n  "\\e[31mcolour": 1')),
    Case("terminal-recipe-value-long", ("recipe", "validate", "{dir}/r.yaml"), "hook.default_result",
         files=_recipe("default_result: CONTINUE", "default_result: " + "A" * 20000)),
    Case("terminal-recipe-raw-escape", ("recipe", "validate", "{dir}/r.yaml"), "r.yaml",
         files=_recipe("default_result: CONTINUE", f"default_result: CONT{CSI}INUE")),
    Case("terminal-recipe-not-utf8", ("recipe", "validate", "{dir}/r.yaml"), "r.yaml",
         files={"r.yaml": RECIPE.encode().replace(b"name: demo", b"name: d\xff\x1b[2Jemo")}),
    # tapes: a miss names the parameters of the call it could not answer
    Case("terminal-tape-missing-csi", ("--tape", f"{{dir}}/{CSI}none.yaml", "group", "list"), "--tape"),
    Case("terminal-tape-miss-long-value", ("--tape", "demo", "hook", "list", "--group", f"asg-{CLEAR}" + "z" * 3000),
         "--group' / '-g': must be a resource id"),
    Case("terminal-tape-miss-osc", ("diagnose", "--activity", OSC, "--tape", "demo"), "'--activity': must be a resource id"),
    Case("terminal-dry-run-tape-source-osc", ("recipe", "run", "run-command", "--dry-run", "-o", "table", "--group",
                                              "asg-1", "--tape", "{dir}/t.yaml"), "has no answer",
         files=_tape_with_source('"\\e]0;pwned\\a \\e[2J"')),
    # a scenario file
    Case("terminal-scenario-group-id-csi", ("sandbox", "serve", "--port", "0", "--scenario", "{dir}/s.yaml"), "s.yaml",
         files={"s.yaml": 'groups: [{id: "asg-\\e[31mred"}]\n'}),
    # an ASCII terminal (PYTHONIOENCODING=ascii), the C locale, undecodable file names
    Case("terminal-ascii-recipe-name-cjk", ("recipe", "show", "配方-réçipe"), "not a built-in recipe", env=ASCII,
         process=True),
    Case("terminal-ascii-default-result-cjk", ("recipe", "validate", "{dir}/r.yaml"), "hook.default_result",
         files=_recipe("default_result: CONTINUE", "default_result: 继续执行"), env=ASCII, process=True),
    Case("terminal-ascii-output-choice-long-cjk", ("--output", "表" * 500, "group", "list"), "--output", env=ASCII,
         process=True),
    Case("terminal-ascii-tape-miss-cjk", ("--tape", "demo", "hook", "list", "--group", "asg-组" * 300),
         "must be a resource id", env=ASCII, process=True),
    Case("terminal-ascii-dry-run-after-output", ("recipe", "run", "run-command", "--dry-run", "-o", "table",
                                                 "--group", "asg-1", "--tape", "{dir}/t.yaml"), "has no answer",
         files=_tape_with_source('"沙箱 \\e]0;pwned\\a"'), env=ASCII, process=True),
    Case("terminal-latin1-endpoint-service-cjk", ("--endpoint", "服务=http://127.0.0.1:1", "group", "list"),
         "--endpoint", env={"PYTHONIOENCODING": "latin-1"}, process=True),
    Case("terminal-c-locale-undecodable-file-name", ("recipe", "validate", "{dir}/\udcff\udcfe.yaml"),
         "no such recipe file", env={"LC_ALL": "C", "LANG": "C"}, process=True),
    Case("terminal-ascii-undecodable-file-name", ("recipe", "validate", "{dir}/r\udcff.yaml"), "r\\udcff.yaml:",
         files={"r\udcff.yaml": "name: [\n"}, env=ASCII, process=True),
    # sandbox serve --write-profile with a home it cannot write
    Case("terminal-write-profile-aliyun-is-a-file", SERVE, "--write-profile", files={"home/.aliyun": "a file"}),
    Case("terminal-write-profile-config-is-a-folder", SERVE, "--write-profile",
         files={"home/.aliyun/config.json/keep": "x"}),
    Case("terminal-write-profile-home-is-dev-null", SERVE, "--write-profile", env={"HOME": "/dev/null"}),
    Case("terminal-write-profile-home-read-only", SERVE, "--write-profile", env={"HOME": "/sys"}),
    Case("terminal-write-profile-config-hostile-json", SERVE, "config.json",
         files={"home/.aliyun/config.json": f'{{"profiles": [{OSC}'}),
    Case("terminal-write-profile-process", SERVE, "--write-profile", files={"home/.aliyun": "a file"}, env=ASCII,
         process=True),
]
