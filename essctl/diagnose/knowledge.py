"""The error knowledge base (essctl/data/knowledge.yaml): load it, validate it, and look errors up in it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from essctl.errors import EssctlError, shorten
from essctl.exitcodes import ExitCode
from essctl.yamldoc import Document, FieldPath

KNOWLEDGE_FILE = "essctl/data/knowledge.yaml"
WHERE_VALUES = ("api", "activity", "oos_task")
SERVICES = ("ess", "oos", "ram", "any")
SEVERITIES = ("error", "warning", "info")
SYNTHETIC_PREFIX = "essctl."   # conditions with no cloud error code
_FIELDS = {
    "code": True, "message_pattern": False, "where": True, "service": True, "severity": False, "title": True,
    "cause": True, "fix": True, "checks": True, "raised_by": False, "fix_command": True, "managed_fix_command": False,
    "safe_fix": True,
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
    managed_fix_command: str | None = None    # when the hook is a recipe's: the command that keeps the fix
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


def _entry(doc: Document, value: Any, path: FieldPath) -> KnowledgeEntry:
    """One validated entry."""
    from essctl.diagnose.checks import CHECKS
    from essctl.diagnose.fixes import SAFE_FIXES

    fields = doc.mapping(value, path, tuple(_FIELDS), tuple(key for key, required in _FIELDS.items() if required))
    for key in ("code", "service", "title", "cause", "fix", "source"):
        if not isinstance(fields[key], str) or not fields[key].strip():
            doc.fail((*path, key), "expected non-empty text")
    doc.choice(fields["service"], (*path, "service"), SERVICES)
    where = fields["where"]
    if not isinstance(where, list) or not where or any(w not in WHERE_VALUES for w in where):
        doc.fail((*path, "where"), f"expected a non-empty list of {', '.join(WHERE_VALUES)}, got {shorten(where)}")
    severity = doc.choice(fields.get("severity", "error"), (*path, "severity"), SEVERITIES)
    pattern = fields.get("message_pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            doc.fail((*path, "message_pattern"), f"not a valid regex: {exc}")
    for key in ("checks", "raised_by"):
        for name in doc.sequence(fields.get(key), (*path, key), what="check names"):
            if str(name).split(":", 1)[0] not in CHECKS:
                doc.fail((*path, key), f"unknown check {shorten(name)} (known: {', '.join(CHECKS)})")
    safe_fix = fields["safe_fix"]
    if safe_fix is not None:
        doc.choice(safe_fix, (*path, "safe_fix"), [fix.name for fix in SAFE_FIXES])
    for key in ("fix_command", "managed_fix_command"):
        command = fields.get(key)
        if command is not None and (not isinstance(command, str) or not command.startswith("essctl ")):
            doc.fail((*path, key), "expected null or a command starting with 'essctl '")
    doc.boolean(fields["retryable"], (*path, "retryable"))
    return KnowledgeEntry(
        code=fields["code"], where=tuple(where), service=fields["service"], title=fields["title"].strip(),
        cause=fields["cause"].strip(), fix=fields["fix"].strip(), checks=tuple(fields["checks"]),
        fix_command=fields["fix_command"], managed_fix_command=fields.get("managed_fix_command"), safe_fix=safe_fix, retryable=fields["retryable"], source=fields["source"],
        severity=severity, message_pattern=pattern, raised_by=tuple(fields.get("raised_by") or ()),
        line=doc.position(path)[0],
    )


def parse_knowledge(text: str) -> list[KnowledgeEntry]:
    """Validate knowledge text; raise KnowledgeError naming file:line:column on the first problem."""
    doc = Document(text, KNOWLEDGE_FILE, what="knowledge base (a list of entries)", error=KnowledgeError)
    if not isinstance(doc.root, list):
        doc.fail((), "expected a list of entries")
    entries = [_entry(doc, value, (index,)) for index, value in enumerate(doc.root)]
    seen: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(entries):
        for where in entry.where:
            key = (entry.code, where)
            if key in seen:
                doc.fail((index,), f"{entry.code}: a second entry for where={where} (first at line {seen[key]})")
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
