"""The one table of known exceptions (known_exceptions.yaml): each difference from ../shared/api-reference that the
conformance suite accepts, with where it comes from and why."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

TABLE = Path(__file__).with_name("known_exceptions.yaml")
KINDS = ("error_code", "request", "body", "reference")


@dataclass(frozen=True)
class Entry:
    kind: str
    source: str
    why: str
    services: tuple[str, ...] = ()
    code: str | None = None          # error_code: the code; with `status`, only that status is accepted
    status: int | None = None
    action: str | None = None        # request, body, reference: the API
    match: str | None = None         # request, body: a text the problem contains

    @property
    def label(self) -> str:
        what = self.code or self.match or "descriptions"
        where = f"{'/'.join(self.services)}" + (f":{self.action}" if self.action else "")
        return f"{self.kind} {what} ({where})"


class Exceptions:
    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self.used: set[Entry] = set()

    def _use(self, entry: Entry | None) -> Entry | None:
        if entry is not None:
            self.used.add(entry)
        return entry

    def error_code(self, service: str, code: str, status: int | None) -> Entry | None:
        return self._use(next((e for e in self.entries if e.kind == "error_code" and e.code == code
                               and service in e.services and (e.status is None or status is None or e.status == status)),
                              None))

    def matching(self, kind: str, service: str, action: str, problem: str) -> Entry | None:
        return self._use(next((e for e in self.entries if e.kind == kind and service in e.services
                               and e.action in (None, action) and e.match and e.match in problem), None))

    def descriptions_unreliable(self, service: str, action: str) -> bool:
        return self._use(next((e for e in self.entries if e.kind == "reference" and service in e.services
                               and e.action == action), None)) is not None


def parse(data: object) -> list[Entry]:
    if not isinstance(data, list):
        raise ValueError(f"{TABLE.name}: expected a list of entries")
    entries = []
    for index, item in enumerate(data, 1):
        if not isinstance(item, dict):
            raise ValueError(f"{TABLE.name}: entry {index} is not a mapping")
        unknown = set(item) - {"kind", "source", "why", "services", "code", "status", "action", "match"}
        if unknown or item.get("kind") not in KINDS or not item.get("source") or not item.get("why") \
                or not item.get("services"):
            raise ValueError(f"{TABLE.name}: entry {index} needs kind ({'|'.join(KINDS)}), services, source and why"
                             + (f"; unknown keys {sorted(unknown)}" if unknown else ""))
        if item["kind"] == "error_code" and not item.get("code"):
            raise ValueError(f"{TABLE.name}: entry {index} (error_code) names no code")
        if item["kind"] in ("request", "body") and not item.get("match"):
            raise ValueError(f"{TABLE.name}: entry {index} ({item['kind']}) needs the text the problem contains")
        entries.append(Entry(item["kind"], " ".join(str(item["source"]).split()), " ".join(str(item["why"]).split()),
                             tuple(item["services"]), item.get("code"), item.get("status"), item.get("action"),
                             item.get("match")))
    return entries


@lru_cache(maxsize=1)
def _entries() -> tuple[Entry, ...]:
    return tuple(parse(yaml.safe_load(TABLE.read_text(encoding="utf-8"))))


def load() -> Exceptions:
    """A fresh table (its own record of which entries were used)."""
    return Exceptions(list(_entries()))
