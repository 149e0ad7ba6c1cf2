"""The error knowledge base: it loads, covers every documented code, and lookups pick the right entry."""
import re

import pytest

from essctl.diagnose.checks import CHECKS
from essctl.diagnose.knowledge import KnowledgeError, load_knowledge, lookup, parse_knowledge
from essctl.exitcodes import ExitCode
from tests.support.cli import REPO

API_FACTS = REPO.parent / "shared" / "docs" / "api-facts-ess-oos-ram.md"

# The codes of api-facts §6 and §4.2, kept here for a user's clone (where ../shared is absent).
DOCUMENTED_CODES = [
    "Forbidden.RAM", "Forbidden.Unauthorized", "LifecycleHookIdAndLifecycleActionToken.Invalid",
    "LifecycleAction.TimeExceeded", "LifecycleAction.RecordTimesExceeded", "InvalidNotificationArn",
    "UnsupportedNotificationType.CurrentRegion", "QueueNotExist", "TopicNotExist", "InvalidLifecycleHookName.Duplicate",
    "QuotaExceeded.LifecycleHook", "InvalidParamter", "InvalidParameter", "InvalidLifecycleHookId.NotExist",
    "InvalidScalingRuleAri.NotFound", "IncorrectScalingGroupStatus", "ScalingActivityInProgress",
    "IncorrectCapacity.NoChange", "IncorrectCapacity.MinSize", "InsufficientBalance", "QuotaExceed.Instance",
    "QuotaExceeded.ScalingInstance", "QuotaExceeded.AfterpayInstance", "ResourceNotAvailable.ECS",
    "ScalingRule.InvalidScalingRuleType", "MissingParameter.MetricValue", "MissingParameter.BreachThreshold",
    "InvalidStepAdjustments.NoStepFound", "IncorrectLoadBalancerStatus", "IncorrectDBInstanceStatus",
    "QuotaExceeded.DBInstanceSecurityIP", "QuotaExceeded.SecurityGroupInstance", "InvalidOperation.Conflict",
    "InvalidScalingGroupId.NotFound", "Forbidden.Unsubscribed", "Throttling", "Throttling.User",
    "Rejected.Throttling", "ServiceUnavailable", "EntityNotExists.Template", "AssumeRoleNotExist",
    # §4.2 (RAM codes, which §6 refers to)
    "EntityAlreadyExists.Policy", "EntityAlreadyExists.Role.Policy", "EntityAlreadyExists.Role", "EntityNotExist.Role",
    "EntityNotExist.Policy", "EntityNotExist.Policy.Version", "EntityNotExist.Role.Policy",
    "LimitExceeded.Policy.Version", "LimitExceeded.Policy", "LimitExceeded.Role.Policy", "DeleteConflict.Policy.Version",
    "DeleteConflict.Policy.Version.Default", "DeleteConflict.Role.Policy", "MalformedPolicyDocument",
    "InvalidParameter.PolicyName.InvalidChars", "InvalidParameter.PolicyDocument.Length", "InvalidParameter.PolicyType",
    "InvalidParameter.RoleName.InvalidChars", "NoPermission",
]


def _table_codes(section_heading: str) -> list[str]:
    """The backticked codes in the first column of the table under a heading of api-facts."""
    text = API_FACTS.read_text(encoding="utf-8")
    section = text.split(section_heading, 1)[1]
    section = re.split(r"\n#{2,3} ", section, maxsplit=1)[0]
    codes = []
    for row in section.splitlines():
        if not row.startswith("| `"):   # rows like "activity `StatusCode` ..." and "RAM codes" name no code
            continue
        first_cell = row.split("|")[1]
        codes += [c for c in re.findall(r"`([^`]+)`", first_cell) if not c.startswith(".")]
    return codes


def _has_entry(code: str) -> bool:
    return any(e.code == code or e.matches_family(code) for e in load_knowledge())


def test_the_knowledge_file_loads_and_every_entry_is_complete():
    entries = load_knowledge()
    assert len(entries) >= 60
    for entry in entries:
        assert entry.title and entry.cause and entry.fix and entry.source and entry.where
        assert set(entry.checks) <= set(CHECKS), entry.code
        assert {name.split(":")[0] for name in entry.raised_by} <= set(CHECKS), entry.code


def test_the_knowledge_loader_knows_exactly_the_checks_diagnosis_runs():
    names = {name.split(":")[0] for entry in load_knowledge() for name in (*entry.checks, *entry.raised_by)}
    assert names <= set(CHECKS)
    with pytest.raises(KnowledgeError, match="unknown check 'no_such_check' \\(known: " + ", ".join(CHECKS)):
        parse_knowledge(_entry_text(checks="[no_such_check]"))


@pytest.mark.parametrize("code", DOCUMENTED_CODES)
def test_every_documented_code_has_an_entry(code):
    assert _has_entry(code), f"{code} has no entry in essctl/data/knowledge.yaml"


@pytest.mark.skipif(not API_FACTS.exists(), reason=f"{API_FACTS} is absent (a user's clone): "
                                                   "the explicit DOCUMENTED_CODES list still runs")
@pytest.mark.parametrize("heading", ["## 6. Error catalogue", "| code | HTTP | meaning |"])
def test_every_code_in_the_api_facts_tables_has_an_entry(heading):
    codes = _table_codes(heading)
    assert len(codes) >= (30 if heading.startswith("##") else 15)
    assert [code for code in codes if not _has_entry(code)] == []
    assert set(codes) <= set(DOCUMENTED_CODES) | {"InvalidParameter.PolicyName.Length",
                                                 "InvalidParameter.RoleName.Length"}, "update DOCUMENTED_CODES"


def test_the_three_tutorial_errors_keep_the_tutorials_fix():
    ram = lookup("Forbidden.RAM", where="oos_task")[0]
    assert "OOSServiceRole RAM role" in ram.fix and ram.safe_fix == "grant_missing_actions"
    assert lookup("Forbidden.Unauthorized", where="oos_task")[0].fix == ram.fix
    token = lookup("LifecycleHookIdAndLifecycleActionToken.Invalid")[0]
    assert token.fix.startswith("Check whether the timeout period of the lifecycle hook is sufficient")
    assert token.safe_fix == "raise_hook_timeout" and "{suggested_timeout}" in token.fix_command


def test_forbidden_unauthorized_depends_on_where_it_shows():
    in_task = lookup("Forbidden.Unauthorized", "A required authorization for the specified action is not supplied.",
                     where="oos_task")
    from_api = lookup("Forbidden.Unauthorized", where="api")
    assert in_task[0].service == "oos" and "OOSServiceRole" in in_task[0].fix
    assert from_api[0].service == "ess" and "AliyunServiceRoleForAutoScaling" in from_api[0].fix
    assert len(lookup("Forbidden.Unauthorized")) == 2


def test_both_spellings_of_invalid_parameter():
    assert lookup("InvalidParamter")[0].code == "InvalidParamter"
    assert lookup("InvalidParameter")[0].code == "InvalidParameter"
    assert lookup("InvalidParameter.RoleName.Length")[0].code == "InvalidParameter.*"


def test_families_apply_only_when_no_entry_names_the_code():
    assert [e.code for e in lookup("Throttling.Api")] == ["Throttling*"]
    assert lookup("Throttling.Api")[0].retryable
    assert [e.code for e in lookup("Throttling.User")] == ["Throttling.User"]
    assert [e.code for e in lookup("QuotaExceeded.Snapshot")] == ["QuotaExceeded.*"]
    assert lookup("QuotaExceeded.LifecycleHook")[0].code == "QuotaExceeded.LifecycleHook"
    assert lookup("SomethingNobodyDocumented") == []


def test_activity_messages_without_a_code_match_by_pattern():
    cooldown = lookup("", "You cannot launch a new scaling activity during the cooldown period.", where="activity")
    assert [e.code for e in cooldown] == ["essctl.ActivityCooldown"]
    ram = lookup("", "Ess should be authorized in ram to operate user resource.", where="activity")
    assert [e.code for e in ram] == ["essctl.EssNotAuthorizedInRam"]
    busy = lookup("", "You cannot delete a scaling group or launch a new scaling activity while there is a scaling "
                      "activity in progress in the scaling group.", where="activity")
    assert busy[0].code == "ScalingActivityInProgress"


def test_lookup_is_case_insensitive_on_codes():
    assert lookup("forbidden.ram", where="oos_task")[0].code == "Forbidden.RAM"


VALID = {"code": "X.Y", "where": "[api]", "service": "ess", "title": "t", "cause": "c", "fix": "f",
         "checks": "[]", "fix_command": "null", "safe_fix": "null", "retryable": "false", "source": "s"}


def _entry_text(**override):
    """A valid entry A.B (lines 2-12), then an entry (from line 13) with `override` applied."""
    second = {**VALID, **override}
    return "\n".join(["# comment", "- code: A.B"] + [f"  {k}: {v}" for k, v in VALID.items() if k != "code"]
                     + [f"- code: {second['code']}"] + [f"  {k}: {v}" for k, v in second.items() if k != "code"])


@pytest.mark.parametrize("override, where, words", [
    ({"where": "[console]"}, "14:10: [1].where:", "expected a non-empty list of api, activity, oos_task"),
    ({"checks": "[no_such_check]"}, "19:11: [1].checks:", "unknown check 'no_such_check'"),
    ({"safe_fix": "reboot"}, "21:13: [1].safe_fix:", "must be one of grant_missing_actions, raise_hook_timeout"),
    ({"retryable": "maybe"}, "22:14: [1].retryable:", "must be true or false"),
    ({"fix_command": "rm -rf /"}, "20:16: [1].fix_command:", "a command starting with 'essctl '"),
    ({"message_pattern": "'(unclosed'"}, "24:20: [1].message_pattern:", "not a valid regex"),
    ({"colour": "red"}, "24:3: [1].colour:", "unknown field"),
    ({"code": "A.B"}, "13:3: [1]:", "a second entry for where=api (first at line 2)"),
])
def test_a_malformed_knowledge_file_is_an_internal_error_naming_file_and_line(override, where, words):
    with pytest.raises(KnowledgeError) as caught:
        parse_knowledge(_entry_text(**override))
    assert caught.value.exit_code == ExitCode.INTERNAL
    assert str(caught.value).startswith(f"essctl/data/knowledge.yaml:{where} ")
    assert words in str(caught.value)


def test_a_missing_field_and_broken_yaml_name_the_line():
    with pytest.raises(KnowledgeError, match=r"knowledge.yaml:1:3: \[0\]: missing required field service"):
        parse_knowledge("- code: X\n  where: [api]\n")
    with pytest.raises(KnowledgeError, match=r"knowledge.yaml:3:4: yaml: expected <block end>"):
        parse_knowledge("- code: X\n  where: [api]\n   bad: indent\n")
