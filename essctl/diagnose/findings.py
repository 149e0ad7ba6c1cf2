"""From evidence to findings: the error codes read in an API error, the OOS tasks and execution and the activity,
matched against the knowledge base, confirmed or weakened by the checks, ranked by likelihood."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from essctl.casing import pascal_keys
from essctl.diagnose.checks import CheckResult, run_checks
from essctl.diagnose.evidence import Evidence
from essctl.diagnose.fixes import SafeFix
from essctl.diagnose.knowledge import SYNTHETIC_PREFIX, KnowledgeEntry, entry_for, known_codes, load_knowledge, lookup
from essctl.facts.states import is_failure, is_running, is_terminal

_CODE_FIELD = re.compile(r"""\b(?:Error)?Code["']?\s*[:=]\s*["']?([A-Za-z][\w.]*[A-Za-z0-9])""")
_LEADING_CODE = re.compile(r"^\s*([A-Z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)+)(?![\w.])")
_TOKEN = re.compile(r"(?<![\w.])([A-Z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*)(?![\w])")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_SAFE_FIX_COMMAND = "essctl diagnose --activity {activity_id} --fix"

# Likelihood of a finding by where its code was read; checks then raise or lower it.
_BASE = {"api": 0.9, "oos_task": 0.85, "execution": 0.8, "activity": 0.8}
_BY_MESSAGE, _BY_FAMILY, _UNRECOGNISED, _FALLBACK = 0.6, 0.5, 0.4, 0.3
_FROM_CHECK_CERTAIN, _FROM_CHECK_POSSIBLE = 0.7, 0.35
_CHECK_FAILED_BONUS, _CHECK_PASSED_PENALTY = 0.1, 0.3
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass
class Finding:
    code: str
    title: str
    severity: str          # error, warning, info
    likelihood: float
    where: str             # api, activity, oos_task
    cause: str
    evidence: list[str]
    fix: str
    fix_command: str | None
    safe_fix: SafeFix | None
    checks: list[CheckResult]
    retryable: bool = False
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"Code": self.code, "Title": self.title, "Severity": self.severity, "Likelihood": self.likelihood,
                "Where": self.where, "Cause": self.cause, "Evidence": self.evidence, "Fix": self.fix,
                "FixCommand": self.fix_command, "SafeFix": self.safe_fix.name if self.safe_fix else None,
                "SafeFixArguments": pascal_keys(self.safe_fix.arguments()) if self.safe_fix else {},
                "Retryable": self.retryable, "Source": self.source, "Checks": [c.to_dict() for c in self.checks]}


@dataclass
class Diagnosis:
    findings: list[Finding]
    checks: list[CheckResult] = field(default_factory=list)
    in_progress: list[str] = field(default_factory=list)    # what had not ended when the evidence was read
    lifecycle_actions: list[Any] = field(default_factory=list)  # the activity's, with their tokens

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def to_dict(self) -> dict[str, Any]:
        return {"Findings": [finding.to_dict() for finding in self.findings],
                "Checks": [check.to_dict() for check in self.checks], "InProgress": self.in_progress,
                "LifecycleActions": [action.to_api() for action in self.lifecycle_actions]}


def in_progress(ev: Evidence) -> list[str]:
    """What of the activity still runs: the activity, instances in a wait state, pending lifecycle actions, the
    execution and its running tasks. A run that timed out is explained by these, not by an error."""
    items: list[str] = []
    if ev.activity is not None and not is_terminal("activity", ev.activity.status):
        items.append(f"activity {ev.activity.id} {ev.activity.status} ({ev.activity.progress or 0}%)")
    items += [f"instance {i.id} {i.lifecycle_state}" for i in ev.instances or []
              if str(i.lifecycle_state or "").endswith(":Wait")]
    items += [f"lifecycle action of hook {a.hook_id} Pending (token {a.token}, instances "
              f"{', '.join(a.instance_ids) or 'none'})" for a in ev.lifecycle_actions or [] if a.status == "Pending"]
    if ev.execution is not None and not is_terminal("execution", ev.execution.status):
        running = [t.name for t in ev.task_executions or [] if is_running("task", t.status)]
        items.append(f"execution {ev.execution.id} ({ev.execution.template_name}) {ev.execution.status}"
                     + (f", task {', '.join(str(name) for name in running)} running" if running else ""))
    return items


def error_codes_in(text: str | None) -> list[str]:
    """Error codes named in a status message, in order: `Code: X` forms, a leading dotted code
    (`Forbidden.RAM message: ...`), and any code the knowledge base knows."""
    if not text:
        return []
    found = [m.group(1) for m in _CODE_FIELD.finditer(text)]
    leading = _LEADING_CODE.match(text)
    if leading:
        found.append(leading.group(1))
    known = known_codes()
    found += [m.group(1) for m in _TOKEN.finditer(text) if m.group(1) in known]
    return list(dict.fromkeys(found))


def fill_command(template: str | None, values: dict[str, Any]) -> str | None:
    """A fix command with its {placeholders} filled, or None when one cannot be."""
    if template is None or any(name not in values for name in _PLACEHOLDER.findall(template)):
        return None
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)


# --- error signals -----------------------------------------------------------------------------------------------

@dataclass
class _Signal:
    """An error read from one place: a code (or only a message), where, and the evidence line."""

    code: str
    message: str
    where: str
    likelihood: float
    line: str
    fallback: bool = False   # a generic entry, shown only when nothing more specific is found


def _signals(ev: Evidence) -> list[_Signal]:
    signals: list[_Signal] = []
    error = ev.api_error
    if error is not None:
        detail = f"{error.service}:{error.action} answered {error.code}"
        detail += f" (HTTP {error.status})" if error.status else ""
        detail += f": {error.message}"
        if error.access_denied_detail and error.access_denied_detail.get("AuthAction"):
            detail += f" [denied action {error.access_denied_detail['AuthAction']}]"
        detail += f" (request id {error.request_id})" if error.request_id else ""
        code = error.code
        if not entry_for(code, "api") and error.status and error.status >= 500:
            code = f"{SYNTHETIC_PREFIX}ServerError"
        signals.append(_Signal(code, error.message, "api", _BASE["api"], detail))
    execution = ev.execution
    for task in ev.task_executions or []:
        if task.status != "Failed":
            continue
        message = task.status_message or ""
        line = (f"task {task.name} ({task.id}, {task.action}) of execution "
                f"{task.execution_id or (execution.id if execution else None)} failed: {message}")
        signals += _from_text(message, "oos_task", _BASE["oos_task"], line)
    if execution is not None and execution.status == "Failed":
        message = execution.status_message or execution.status_reason or ""
        line = (f"execution {execution.id} of {execution.template_name} failed "
                f"({execution.start_date} to {execution.end_date}): {message}")
        signals += _from_text(message, "oos_task", _BASE["execution"], line, fallback="OOSExecutionFailed")
    if ev.activity is not None and is_failure("activity", ev.activity.status):
        signals += _activity_signals(ev)
    return signals


def _from_text(message: str, where: str, likelihood: float, line: str, fallback: str | None = None) -> list[_Signal]:
    codes = error_codes_in(message)
    signals = [_Signal(code, message, where, likelihood, line) for code in codes]
    if not codes and message:
        signals.append(_Signal("", message, where, _BY_MESSAGE, line))
    if fallback:
        signals.append(_Signal(f"{SYNTHETIC_PREFIX}{fallback}", message, where, _FALLBACK, line, fallback=True))
    return signals


def _activity_signals(ev: Evidence) -> list[_Signal]:
    activity = ev.activity
    line = (f"activity {activity.id} {activity.status}{ev.request_id_note('DescribeScalingActivities')}: "
            f"{activity.status_message or ''}")
    signals = []
    if activity.error_code:
        signals.append(_Signal(activity.error_code, activity.error_message or "", "activity", _BASE["activity"],
                               line + f" [ErrorCode {activity.error_code}: {activity.error_message or ''}]"))
    for item in activity.errors:
        failed = ", ".join(item.failed_instance_ids)
        detail = line + f" [{item.code}: {item.message or ''}" + (f"; instances {failed}" if failed else "") + "]"
        if item.code:
            signals.append(_Signal(item.code, item.message or "", "activity", _BASE["activity"], detail))
        else:
            signals += _from_text(item.message or "", "activity", _BASE["activity"], detail)
    for text in (activity.status_message, activity.error_message):
        signals += _from_text(text or "", "activity", _BASE["activity"], line)
    signals.append(_Signal(f"{SYNTHETIC_PREFIX}ActivityFailed", activity.status_message or "", "activity",
                           _FALLBACK, line, fallback=True))
    return signals


# --- findings ----------------------------------------------------------------------------------------------------

def _placeholder_values(ev: Evidence, checks: list[CheckResult]) -> dict[str, Any]:
    hook = ev.relevant_hook()
    values: dict[str, Any] = {
        "recipe": ev.recipe, "group_id": ev.group_id(), "hook_id": hook.id if hook else None,
        "role_name": ev.assumed_role(), "template": ev.execution.template_name if ev.execution else None,
        "activity_id": ev.activity.id if ev.activity else None,
        "execution_id": ev.execution.id if ev.execution else None, "region": ev.region,
        "hook_recipe": ev.hook_recipe(),
    }
    for check in checks:
        values.update(check.placeholders)
    return {key: value for key, value in values.items() if value not in (None, "")}


def _finding(entry: KnowledgeEntry, where: str, likelihood: float, lines: list[str], checks: list[CheckResult],
             values: dict[str, Any], severity: str | None = None, code: str | None = None) -> Finding:
    by_name = {check.name: check for check in checks}
    own = [by_name[name] for name in entry.checks]
    failed = [check for check in own if check.passed is False]
    # Each failing check confirms the finding; checks that ran and all passed weaken it.
    likelihood += _CHECK_FAILED_BONUS * len(failed)
    if not failed and any(check.passed is True for check in own):
        likelihood -= _CHECK_PASSED_PENALTY
    for check in own:
        if check.passed is not None:
            lines.append(f"check {check.name} {'failed' if check.passed is False else 'passed'}: {check.summary}")
    fix = next((check.fix for check in checks if check.passed is False and check.fix is not None
                and check.fix.name == entry.safe_fix), None)
    managed = fill_command(entry.managed_fix_command, values) if "hook_recipe" in values else None
    command = managed or fill_command(entry.fix_command, values)
    if command is None and fix is not None:   # e.g. the recipe is not known: the safe fix is still one command away
        command = fill_command(_SAFE_FIX_COMMAND, values)
    return Finding(
        code=code or entry.code, title=entry.title, severity=severity or entry.severity,
        likelihood=round(min(0.99, max(0.05, likelihood)), 2), where=where, cause=entry.cause,
        evidence=list(dict.fromkeys(lines)), fix=entry.fix, fix_command=command, safe_fix=fix, checks=own,
        retryable=entry.retryable, source=entry.source,
    )


def _match(signal: _Signal) -> tuple[KnowledgeEntry, float, str] | None:
    """(entry, likelihood, code shown) for a signal, or None when a message matches nothing."""
    entries = lookup(signal.code, signal.message, signal.where)
    if not entries:
        if not signal.code:
            return None
        return entry_for(f"{SYNTHETIC_PREFIX}UnrecognisedCode"), _UNRECOGNISED, signal.code
    entry = entries[0]
    if entry.is_family:
        return entry, _BY_FAMILY, signal.code
    by_code = signal.code and entry.code.lower() == signal.code.lower()
    return entry, signal.likelihood if by_code else min(signal.likelihood, _BY_MESSAGE), entry.code


def diagnose(evidence: Evidence) -> Diagnosis:
    """Findings ordered by likelihood (then severity), and every check's result."""
    checks = run_checks(evidence)
    values = _placeholder_values(evidence, checks)
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    fallbacks: list[tuple[_Signal, KnowledgeEntry]] = []
    for signal in _signals(evidence):
        matched = _match(signal)
        if matched is None:
            continue
        entry, likelihood, code = matched
        if signal.fallback:
            fallbacks.append((signal, entry))
            continue
        slot = grouped.setdefault((code, signal.where), {"entry": entry, "likelihood": 0.0, "lines": []})
        slot["likelihood"] = max(slot["likelihood"], likelihood)
        slot["lines"].append(signal.line)
    # Each further place that names the same error makes it a little more likely.
    findings = [
        _finding(slot["entry"], where, slot["likelihood"] + 0.05 * (len(set(slot["lines"])) - 1), slot["lines"],
                 checks, values, code=code)
        for (code, where), slot in grouped.items()
    ]
    findings += _check_findings(checks, findings, values)
    if not any(f.severity == "error" for f in findings):
        seen: set[str] = set()
        for signal, entry in fallbacks:
            if entry.code not in seen:
                seen.add(entry.code)
                findings.append(_finding(entry, signal.where, signal.likelihood, [signal.line], checks, values))
    findings.sort(key=lambda f: (-f.likelihood, _SEVERITY_ORDER[f.severity]))
    return Diagnosis(findings=findings, checks=checks, in_progress=in_progress(evidence),
                     lifecycle_actions=list(evidence.lifecycle_actions or []))


def _check_findings(checks: list[CheckResult], findings: list[Finding], values: dict[str, Any]) -> list[Finding]:
    """Findings for failing checks that no error code explains (e.g. a role missing actions before any run)."""
    explained = {check.name for finding in findings for check in finding.checks if check.passed is False}
    raised: dict[str, dict[str, Any]] = {}
    for check in checks:
        if check.name in explained:
            continue
        for problem in check.problems():
            keys = {check.name, f"{check.name}:{problem.kind}"}
            for entry in load_knowledge():
                if keys & set(entry.raised_by):
                    slot = raised.setdefault(entry.code, {"entry": entry, "certain": False})
                    slot["certain"] |= problem.certain
    # _finding adds the bonus of the failing check that raised the entry: start that much lower.
    return [
        _finding(slot["entry"], slot["entry"].where[0],
                 (_FROM_CHECK_CERTAIN if slot["certain"] else _FROM_CHECK_POSSIBLE) - _CHECK_FAILED_BONUS,
                 [], checks, values, severity=None if slot["certain"] else "warning")
        for slot in raised.values()
    ]
