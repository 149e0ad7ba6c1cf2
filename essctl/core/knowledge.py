"""The error knowledge base (essctl/data/knowledge.yaml): load it, validate it, and look errors up in it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from essctl.errors import EssctlError
from essctl.exitcodes import ExitCode

KNOWLEDGE_FILE = "essctl/data/knowledge.yaml"
WHERE_VALUES = ("api", "activity", "oos_task")
SERVICES = ("ess", "oos", "ram", "any")
SEVERITIES = ("error", "warning", "info")
CHECK_NAMES = (
    "role_exists_and_trusts_oos", "role_allows_template_actions", "hook_timeout_covers_execution",
    "hook_active_and_well_formed", "no_other_activity_in_progress", "group_capacity",
)
SAFE_FIXES = ("grant_missing_actions", "raise_hook_timeout")
SYNTHETIC_PREFIX = "essctl."   # conditions with no cloud error code
_FIELDS = {
    "code": True, "message_pattern": False, "where": True, "service": True, "severity": False, "title": True,
    "cause": True, "fix": True, "checks": True, "raised_by": False, "fix_command": True, "safe_fix": True,
    "retryable": True, "source": True,
}


class KnowledgeError(EssctlError):
    """The bundled knowledge file is malformed: a bug in essctl, reported with file:line."""

    exit_code = ExitCode.INTERNAL


@dataclass(frozen=True)
class KnowledgeEntry:
    code: str
    where: tuple[str, ...]
    service: str
    title: str
    cause: str
    fix: str
    checks: tuple[str, ...]
    fix_command: str | None
    safe_fix: str | None
    retryable: bool
    source: str
    severity: str = "error"
    message_pattern: str | None = None
    raised_by: tuple[str, ...] = ()
    line: int = 0

    @property
    def is_family(self) -> bool:
        return self.code.endswith("*")

    @property
    def is_synthetic(self) -> bool:
        return self.code.startswith(SYNTHETIC_PREFIX)

    def matches_message(self, message: str) -> bool:
        return bool(self.message_pattern and message and re.search(self.message_pattern, message, re.IGNORECASE))

    def matches_family(self, code: str) -> bool:
        return self.is_family and code.lower().startswith(self.code.rstrip("*").lower())


def _fail(line: int, text: str) -> KnowledgeError:
    return KnowledgeError(f"{KNOWLEDGE_FILE}:{line}: {text}")


def _entry(node: Any, value: Any) -> KnowledgeEntry:
    """One validated entry; `node` is its YAML node (for line numbers), `value` the loaded mapping."""
    line = node.start_mark.line + 1
    if not isinstance(value, dict):
        raise _fail(line, "an entry must be a mapping")
    lines = {key.value: key.start_mark.line + 1 for key, _ in node.value}
    for key in value:
        if key not in _FIELDS:
            raise _fail(lines.get(key, line), f"{key}: unknown field (known: {', '.join(_FIELDS)})")
    for key, required in _FIELDS.items():
        if required and key not in value:
            raise _fail(line, f"{value.get('code', 'entry')}: missing field {key}")

    def at(key: str) -> int:
        return lines.get(key, line)

    for key in ("code", "service", "title", "cause", "fix", "source"):
        if not isinstance(value[key], str) or not value[key].strip():
            raise _fail(at(key), f"{key}: expected non-empty text")
    if value["service"] not in SERVICES:
        raise _fail(at("service"), f"service: must be one of {', '.join(SERVICES)}, got {value['service']!r}")
    where = value["where"]
    if not isinstance(where, list) or not where or any(w not in WHERE_VALUES for w in where):
        raise _fail(at("where"), f"where: expected a non-empty list of {', '.join(WHERE_VALUES)}, got {where!r}")
    severity = value.get("severity", "error")
    if severity not in SEVERITIES:
        raise _fail(at("severity"), f"severity: must be one of {', '.join(SEVERITIES)}, got {severity!r}")
    pattern = value.get("message_pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            raise _fail(at("message_pattern"), f"message_pattern: not a valid regex: {exc}") from exc
    for key in ("checks", "raised_by"):
        names = value.get(key, [])
        if not isinstance(names, list):
            raise _fail(at(key), f"{key}: expected a list of check names")
        for name in names:
            if str(name).split(":", 1)[0] not in CHECK_NAMES:
                raise _fail(at(key), f"{key}: unknown check {name!r} (known: {', '.join(CHECK_NAMES)})")
    if value["safe_fix"] is not None and value["safe_fix"] not in SAFE_FIXES:
        raise _fail(at("safe_fix"), f"safe_fix: must be null or one of {', '.join(SAFE_FIXES)}")
    command = value["fix_command"]
    if command is not None and (not isinstance(command, str) or not command.startswith("essctl ")):
        raise _fail(at("fix_command"), "fix_command: expected null or a command starting with 'essctl '")
    if not isinstance(value["retryable"], bool):
        raise _fail(at("retryable"), "retryable: expected true or false")
    return KnowledgeEntry(
        code=value["code"], where=tuple(where), service=value["service"], title=value["title"].strip(),
        cause=value["cause"].strip(), fix=value["fix"].strip(), checks=tuple(value["checks"]),
        fix_command=command, safe_fix=value["safe_fix"], retryable=value["retryable"], source=value["source"],
        severity=severity, message_pattern=pattern, raised_by=tuple(value.get("raised_by", [])), line=line,
    )


def parse_knowledge(text: str) -> list[KnowledgeEntry]:
    """Validate knowledge text; raise KnowledgeError naming file:line on the first problem."""
    import yaml

    try:
        root = yaml.compose(text)
        values = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _fail(mark.line + 1 if mark else 0, f"not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if root is None or not isinstance(values, list):
        raise _fail(1, "expected a list of entries")
    entries = [_entry(node, value) for node, value in zip(root.value, values)]
    seen: dict[tuple[str, str], int] = {}
    for entry in entries:
        for where in entry.where:
            key = (entry.code, where)
            if key in seen:
                raise _fail(entry.line, f"{entry.code}: a second entry for where={where} (first at line {seen[key]})")
            seen[key] = entry.line
    return entries


@lru_cache(maxsize=1)
def _bundled() -> tuple[KnowledgeEntry, ...]:
    text = (resources.files("essctl") / "data" / "knowledge.yaml").read_text(encoding="utf-8")
    return tuple(parse_knowledge(text))


def load_knowledge() -> list[KnowledgeEntry]:
    """Every entry of the bundled knowledge base, in file order."""
    return list(_bundled())


def entry_for(code: str, where: str | None = None) -> KnowledgeEntry | None:
    """The entry named exactly `code` (preferring one for `where`), or None."""
    return next(iter(_exact(load_knowledge(), code, where)), None)


def _exact(entries: list[KnowledgeEntry], code: str, where: str | None) -> list[KnowledgeEntry]:
    named = [e for e in entries if not e.is_family and code and e.code.lower() == code.lower()]
    here = [e for e in named if where is None or where in e.where]
    return here or named


def lookup(code: str, message: str = "", where: str | None = None) -> list[KnowledgeEntry]:
    """Entries for an error: exact code first, then message patterns, then (only when nothing else matched) code
    families such as Throttling* or QuotaExceeded.*. `where` (api, activity, oos_task) picks among the entries of
    one code (Forbidden.Unauthorized differs in an OOS task and from an ESS API); it filters only when some entry
    fits it."""
    entries = load_knowledge()
    found = _exact(entries, code, where)
    by_message = [e for e in entries if e not in found and e.matches_message(message)]
    fitting = [e for e in by_message if where is None or where in e.where]
    found += fitting or by_message
    if not found and code:
        families = sorted((e for e in entries if e.matches_family(code)), key=lambda e: -len(e.code))
        found = [e for e in families if where is None or where in e.where] or families
    return found


def known_codes() -> set[str]:
    """Every cloud error code with an exact entry (no families, no essctl.* conditions)."""
    return {e.code for e in load_knowledge() if not e.is_family and not e.is_synthetic}
