"""Bad tapes and bad --record paths (issue 13): each built from a bundled tape (loaded, changed, written back) or
written as raw text or bytes, replayed by `group list`, a recipe's --dry-run and `diagnose`. The tape is checked
whole when it is loaded (essctl/cloud/tape_schema.py), so each is one line naming file, line, column and field,
exit 2; a tape cut during its watch ends the watch at once (exit 4); a --record path that cannot be written is
refused before anything is sent."""
from __future__ import annotations

import copy
from typing import Any, Callable

import yaml

from tests.hostile.corpus import Case
from tests.support.cli import REPO

TAPES = REPO / "essctl" / "tapes"
TAPE = "{dir}/t.yaml"
GROUP_LIST = ("--tape", TAPE, "group", "list")
DRY_RUN = ("recipe", "run", "run-command", "--dry-run", "--tape", TAPE)
DIAGNOSE = ("diagnose", "--tape", TAPE, "--group", "g")


def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((TAPES / f"{name}.yaml").read_text(encoding="utf-8"))


DEMO, RUN_COMMAND, FORBIDDEN = _load("demo"), _load("recipe-run-command"), _load("diagnose-forbidden-ram")


def _dump(tape: dict[str, Any]) -> str:
    return yaml.safe_dump(tape, sort_keys=False, allow_unicode=True, width=120)


def _changed(tape: dict[str, Any], change: Callable[[dict[str, Any]], Any]) -> str:
    copied = copy.deepcopy(tape)
    change(copied)
    return _dump(copied)


def _call(tape: dict[str, Any], action: str, occurrence: int = 0) -> dict[str, Any]:
    return [item for item in tape["interactions"] if item["action"] == action][occurrence]


def _first(tape: dict[str, Any]) -> dict[str, Any]:
    return tape["interactions"][0]


def _body(tape: dict[str, Any], action: str | None = None) -> dict[str, Any]:
    return (_call(tape, action) if action else _first(tape))["response"]["body"]


def _as_error(tape: dict[str, Any], error: Any) -> None:
    _first(tape).pop("response")
    _first(tape)["error"] = error


def _cut_before(tape: dict[str, Any], action: str, occurrence: int) -> str:
    """The tape as a recording interrupted just before the `occurrence`-th call of `action`."""
    at = [index for index, item in enumerate(tape["interactions"]) if item["action"] == action][occurrence]
    return _dump({**tape, "interactions": tape["interactions"][:at]})


def bad(name: str, text: str | bytes, expect: str, argv: tuple[str, ...] = GROUP_LIST, code: int = 2) -> Case:
    return Case(f"tape-{name}", argv, expect, files={"t.yaml": text}, code=code)


def _setting(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda target: target.__setitem__(key, value)


_HEADER = "format: 1\nregion: cn-hangzhou\ninteractions:\n"
_CALL = ("- service: ess\n  version: '2022-02-22'\n  action: DescribeScalingGroups\n"
         "  parameters: {PageNumber: '1', PageSize: '50', RegionId: cn-hangzhou}\n")


def _alias_bomb() -> str:
    """Nine levels of ten aliases each: a billion values once expanded, a few hundred bytes on disk."""
    lines = ["      l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        lines.append(f"      l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 10) + "]")
    return _HEADER + _CALL + "  response:\n    status: 200\n    body:\n      ScalingGroups: []\n" + "\n".join(lines) + "\n"


CASES = [
    # --- the structure: wrong kinds where the format wants a mapping, a list, a number ---------------------------
    bad("parameters-as-a-list", _changed(DEMO, lambda t: _first(t).update(parameters=["PageNumber"])),
        "interactions[0].parameters: must be a mapping"),
    bad("parameter-as-a-mapping", _changed(DEMO, lambda t: _first(t)["parameters"].update(RegionId={"a": 1})),
        "interactions[0].parameters.RegionId: must be a text, number or boolean"),
    bad("parameter-name-a-number", _changed(DEMO, lambda t: _first(t)["parameters"].update({7: "x"})),
        "interactions[0].parameters: parameter names are strings"),
    bad("response-as-a-string", _changed(DEMO, lambda t: _first(t).update(response="ok")),
        "interactions[0].response: must be a mapping, got a string 'ok'"),
    bad("status-in-words", _changed(DEMO, lambda t: _first(t)["response"].update(status="two hundred")),
        "interactions[0].response.status: must be an integer 200..299, got a string 'two hundred'"),
    bad("status-out-of-range", _changed(DEMO, lambda t: _first(t)["response"].update(status=99999999999999999999)),
        "interactions[0].response.status: 99999999999999999999 is out of range (integers fit 64 bits)"),
    bad("body-missing", _changed(DEMO, lambda t: _first(t)["response"].pop("body")),
        "interactions[0].response: missing required field body"),
    bad("body-null", _changed(DEMO, lambda t: _first(t)["response"].update(body=None)),
        "interactions[0].response.body: must be a mapping (the answer's JSON body), got nothing"),
    bad("body-a-list", _changed(DEMO, lambda t: _first(t)["response"].update(body=[1, 2])),
        "interactions[0].response.body: must be a mapping"),
    bad("service-as-a-list", _changed(DEMO, lambda t: _first(t).update(service=["ess"])),
        "interactions[0].service: must be one of ess, oos, ram"),
    bad("service-unknown", _changed(DEMO, lambda t: _first(t).update(service="autoscaling")),
        "interactions[0].service: must be one of ess, oos, ram"),
    bad("version-of-another-api", _changed(DEMO, lambda t: _first(t).update(version="2014-08-28")),
        "interactions[0].version: must be '2022-02-22'"),
    bad("version-missing", _changed(DEMO, lambda t: _first(t).pop("version")),
        "interactions[0]: missing required field version"),
    bad("action-unknown", _changed(DEMO, lambda t: _first(t).update(action="DescribeEverything")),
        "interactions[0].action: ess has no API action 'DescribeEverything'"),
    bad("action-as-a-list", _changed(DEMO, lambda t: _first(t).update(action=["DescribeScalingGroups"])),
        "interactions[0].action: must be an API action name"),
    bad("region-as-a-list", _changed(DEMO, _setting("region", ["cn-hangzhou"])), "region: must be a region id"),
    bad("region-with-dot-dot", _changed(DEMO, _setting("region", "../../../../tmp")), "region: must be a region id"),
    bad("account-redacted-in-words", _changed(DEMO, _setting("account_redacted", "yes please")),
        "account_redacted: must be true or false"),
    bad("format-missing", _changed(DEMO, lambda t: t.pop("format")), "format: expected an essctl tape of format 1"),
    bad("format-two", _changed(DEMO, _setting("format", 2)), "format: expected an essctl tape of format 1"),
    bad("format-true", _changed(DEMO, _setting("format", True)), "format: expected an essctl tape of format 1"),
    bad("interactions-a-mapping", _changed(DEMO, _setting("interactions", {"a": 1})), "interactions: must be a list"),
    bad("interaction-a-string", _changed(DEMO, lambda t: t["interactions"].insert(0, "a call")),
        "interactions[0]: must be a mapping"),
    bad("unknown-top-field", _changed(DEMO, _setting("interaction", [])),
        "interaction: unknown field (did you mean interactions?)"),
    bad("unknown-field-a-page-long", _changed(DEMO, lambda t: _first(t).update({"k" * 5000: 1})), "unknown field"),
    bad("response-and-error", _changed(DEMO, lambda t: _first(t).update(error={"code": "X", "status": 400})),
        "interactions[0]: needs exactly one of 'response' or 'error'"),
    bad("neither-response-nor-error", _changed(DEMO, lambda t: _first(t).pop("response")),
        "interactions[0]: needs exactly one of 'response' or 'error'"),
    # --- error answers ----------------------------------------------------------------------------------------
    bad("error-a-string", _changed(DEMO, lambda t: _as_error(t, "boom")), "interactions[0].error: must be a mapping"),
    bad("error-class-unknown", _changed(DEMO, lambda t: _as_error(t, {"class": "SystemExit", "code": "X",
                                                                       "status": 400})),
        "interactions[0].error.class: must be one of ClientException"),
    bad("error-status-in-words", _changed(DEMO, lambda t: _as_error(t, {"code": "X", "status": "four hundred"})),
        "interactions[0].error.status: must be an integer 400..599"),
    bad("error-code-missing", _changed(DEMO, lambda t: _as_error(t, {"status": 400})),
        "interactions[0].error: missing required field code"),
    bad("error-data-a-list", _changed(DEMO, lambda t: _as_error(t, {"code": "X", "status": 400, "data": [1]})),
        "interactions[0].error.data: must be a mapping"),
    bad("error-retry-after-in-words", _changed(DEMO, lambda t: _as_error(t, {"code": "Throttling", "status": 429,
                                                                              "retry_after": "soon"})),
        "interactions[0].error.retry_after: must be an integer"),
    # --- bodies that do not fit the SDK's response model ------------------------------------------------------
    bad("list-field-a-string", _changed(DEMO, lambda t: _body(t).update(ScalingGroups="asg-1")),
        "interactions[0].response.body.ScalingGroups: must be a list (the SDK's model), got a string"),
    bad("integer-field-in-words", _changed(DEMO, lambda t: _body(t).update(TotalCount="two")),
        "interactions[0].response.body.TotalCount: must be an integer (the SDK's model)"),
    bad("nested-field-a-list", _changed(DEMO, lambda t: _body(t)["ScalingGroups"][0].update(MaxSize=[6])),
        "response.body.ScalingGroups[0].MaxSize: must be an integer (the SDK's model), got a list"),
    bad("string-list-holds-a-mapping", _changed(DEMO, lambda t: _body(t)["ScalingGroups"][0].update(
        VSwitchIds=[{"Id": "vsw-1"}])), "response.body.ScalingGroups[0].VSwitchIds[0]: must be a string"),
    bad("null-in-a-list", _changed(DEMO, lambda t: _body(t)["ScalingGroups"].append(None)),
        "response.body.ScalingGroups[2]: must not be empty (null) in a list"),
    bad("timestamp-tag",
        _changed(DEMO, lambda t: _body(t)["ScalingGroups"][0].update(CreationTime="@@")).replace(
            "CreationTime: '@@'", "CreationTime: !!timestamp 2026-11-20 02:11:00"),
        "ScalingGroups[0].CreationTime: a !!timestamp value"),
    bad("binary-value", _dump(DEMO).replace("PageNumber: 1\n", "PageNumber: 1\n      Extra: !!binary aGVsbG8=\n", 1),
        "response.body.Extra: a !!binary value"),
    bad("set-value", _dump(DEMO).replace("PageNumber: 1\n", "PageNumber: 1\n      Extra: !!set {a, b}\n", 1),
        "response.body.Extra: a !!set value"),
    # --- text that is not a tape at all -----------------------------------------------------------------------
    bad("empty-file", "", "the file is empty"),
    bad("not-utf8", b"format: 1\nregion: cn-hangzhou\nsource: \xff\xfe caf\xe9\n", "t.yaml:3:9: yaml: not UTF-8"),
    bad("nul-byte", b"format: 1\nregion: cn-\x00hangzhou\n", "t.yaml"),
    bad("tab-indented", "format: 1\ninteractions:\n\t- service: ess\n", "t.yaml:3:1"),
    bad("key-given-twice", "format: 1\nformat: 1\n", "t.yaml:2:1: format: given twice"),
    bad("python-object-tag", "format: 1\nregion: !!python/object/apply:os.system ['true']\n", "t.yaml:2:9"),
    bad("nested-a-thousand-deep", "format: 1\ninteractions: " + "[" * 3000 + "]" * 3000 + "\n", "t.yaml"),
    bad("recursive-alias", _HEADER + _CALL + "  response: {status: 200, body: &b {ScalingGroups: [*b]}}\n",
        "response.body.ScalingGroups[0]: the alias *b refers to itself"),
    bad("alias-bomb", _alias_bomb(), "t.yaml"),
    bad("body-nested-too-deep", _HEADER + _CALL + "  response: {status: 200, body: {Extra: " + "[" * 100
        + "]" * 100 + "}}\n", "nested deeper than 64 levels"),
    Case("tape-a-folder", ("--tape", "{dir}", "group", "list"), "not a regular file"),
    Case("tape-a-device", ("--tape", "/dev/zero", "group", "list"), "/dev/zero: not a tape: not a regular file"),
    # --- a recipe's dry-run and diagnose on bad tapes ---------------------------------------------------------
    bad("dry-run-activity-status-a-number", _changed(RUN_COMMAND, lambda t: _body(t, "DescribeScalingActivities")[
        "ScalingActivities"][0].update(StatusCode=200)), "ScalingActivities[0].StatusCode: must be a string",
        DRY_RUN),
    bad("dry-run-executions-a-mapping", _changed(RUN_COMMAND, lambda t: _body(t, "ListExecutions").update(
        Executions={"Status": "Success"})), "response.body.Executions: must be a list", DRY_RUN),
    bad("dry-run-template-content-a-list", _changed(RUN_COMMAND, lambda t: _body(t, "GetTemplate").update(
        Content=["Tasks"])), "response.body.Content: must be a string", DRY_RUN),
    bad("dry-run-activity-id-a-number", _changed(RUN_COMMAND, lambda t: _body(t, "ExecuteScalingRule").update(
        ScalingActivityId=12345)), "response.body.ScalingActivityId: must be a string", DRY_RUN),
    bad("dry-run-region-a-path", _changed(RUN_COMMAND, _setting("region", "cn-hangzhou/../../../etc")),
        "region: must be a region id", DRY_RUN),
    bad("dry-run-cut-during-the-watch", _cut_before(RUN_COMMAND, "DescribeScalingActivities", 2),
        "tape t.yaml ended with the watch still running (activity asa-sbx2159035d22429f030 InProgress", DRY_RUN,
        code=4),
    bad("dry-run-cut-in-the-first-round", _cut_before(RUN_COMMAND, "DescribeScalingInstances", 0),
        "it has no answer for ess:DescribeScalingInstances", DRY_RUN, code=4),
    bad("diagnose-role-a-string", _changed(FORBIDDEN, lambda t: _body(t, "GetRole").update(Role="OOSServiceRole")),
        "response.body.Role: must be a mapping (the SDK's model)", DIAGNOSE),
    bad("diagnose-policies-unwrapped", _changed(FORBIDDEN, lambda t: _body(t, "ListPoliciesForRole").update(
        Policies=[{"PolicyName": "x"}])), "response.body.Policies: must be a mapping (the SDK's model)", DIAGNOSE),
    bad("diagnose-policy-document-a-mapping", _changed(FORBIDDEN, lambda t: _body(t, "GetPolicy")[
        "DefaultPolicyVersion"].update(PolicyDocument={"Version": "1"})),
        "DefaultPolicyVersion.PolicyDocument: must be a string", DIAGNOSE),
    bad("diagnose-denied-detail-a-string", _changed(FORBIDDEN, lambda t: _as_error(t, {
        "code": "Forbidden.RAM", "status": 403, "data": {"AccessDeniedDetail": "ess:DescribeScalingGroups"}})),
        "error.data.AccessDeniedDetail: must be a mapping", DIAGNOSE),
    # --- answers that fit the model but lack what the call is for: an unreadable answer (exit 3), not a crash ---
    bad("dry-run-get-role-without-its-role", _changed(RUN_COMMAND, lambda t: _body(t, "GetRole").pop("Role")),
        "ram:GetRole InvalidResponse: the answer has no Role", DRY_RUN, code=3),
    bad("diagnose-get-role-without-its-role", _changed(FORBIDDEN, lambda t: _body(t, "GetRole").pop("Role")),
        "ram:GetRole InvalidResponse: the answer has no Role", ("diagnose", "--tape", TAPE, "--group",
                                                                 "asg-sandbox000000000001"), code=3),
    # --- --record: refused before anything is sent ------------------------------------------------------------
    Case("record-under-a-file", ("--record", "{dir}/a-file/t.yaml", "group", "list"),
         "a-file/t.yaml: cannot record there: ", files={"a-file": "a file\n"}),
    Case("record-to-a-folder", ("--record", "{dir}", "group", "list"), "cannot record there: is not a regular file"),
    Case("record-to-a-link", ("--record", "/dev/stdout", "group", "list"),
         "--record /dev/stdout: cannot record there: is a symbolic link"),
    Case("record-to-a-device", ("--record", "/dev/null", "group", "list"),
         "--record /dev/null: cannot record there: is not a regular file"),
    Case("record-appends-to-a-bad-tape", ("--record", TAPE, "group", "list"),
         "t.yaml:16:13: interactions[0].response.status: must be an integer 200..299",
         files={"t.yaml": _changed(DEMO, lambda t: _first(t)["response"].update(status="two hundred"))}),
    Case("record-a-dry-run", ("--record", TAPE, "recipe", "run", "run-command", "--dry-run"),
         "a --dry-run replays recorded answers and sends nothing, so there is nothing to record"),
    Case("record-and-replay", ("--record", TAPE, "--tape", "demo", "group", "list"),
         "--tape replays and --record records: use one of them"),
]
