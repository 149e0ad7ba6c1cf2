"""--state FILE: the world (and the clock position) as a JSON snapshot, plus FILE.journal, the requests that changed
it since, one JSON line each, written before their answer is sent. Replaying the journal on the snapshot (each
request at its own sandbox time) rebuilds the world a client last saw; the journal is folded into a new snapshot
at start, at stop and every COMPACT_EVERY requests."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from essctl.errors import UsageError

FORMAT = 2      # 2: executions keep their walk, task runs their loop state (OOS engine); optional regions
# What the world keeps (World.to_state) and the sandbox reads before anything else: the rest is its own data; a
# world of several regions adds `regions` (region -> its ess and oos).
_SHAPE = {"clock": (int, float), "region": str, "account_id": str, "seq": int, "counters": dict, "events": list,
          "ram": dict, "ess": dict, "oos": dict, "generated_credentials": list}


def save_state(path: Path, state: dict[str, Any]) -> str:
    # The world's own key order: a replayed journal then meets the records in the order the live world had them.
    document = json.dumps({"format": FORMAT, **state}, separators=(",", ":"))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(document)
        os.chmod(temporary, 0o600)       # it may hold the sandbox's own generated AccessKey
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return document


def journal_path(path: Path) -> Path:
    return path.with_name(path.name + ".journal")


class Journal:
    """FILE.journal, appended to with one write per request: once written, the line survives the sandbox being
    killed (it is in the kernel's hands; a power cut is another matter: no fsync, this is a sandbox)."""

    def __init__(self, path: Path):
        self.path = journal_path(path)
        self.entries = 0
        self._fd: int | None = None

    def append(self, entry: dict[str, Any]) -> None:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.write(self._fd, (json.dumps(entry, separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8"))
        self.entries += 1

    def clear(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self.path.unlink(missing_ok=True)
        self.entries = 0


def read_journal(path: Path, after: int) -> list[dict[str, Any]]:
    """The journal's requests numbered above `after` (those the snapshot does not hold yet). A last line cut short
    is a request whose answer was never sent: it is left out."""
    try:
        lines = journal_path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    entries = []
    for number, line in enumerate(lines, 1):
        try:
            entry = json.loads(line)
        except ValueError:
            if number == len(lines):
                break
            raise UsageError(f"{journal_path(path)}:{number}: not a sandbox journal line") from None
        if entry["n"] > after:
            entries.append(entry)
    return entries


def load_state(path: Path) -> dict[str, Any] | None:
    """The saved world, or None when the file does not exist yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the sandbox state: {exc.strerror}") from exc
    try:
        state = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{path}:{getattr(exc, 'lineno', 1)}: not a sandbox state file: {exc}") from exc
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise UsageError(f"{path}: not a sandbox state file (format {FORMAT} expected)")
    for key, kind in _SHAPE.items():
        if not isinstance(state.get(key), kind) or isinstance(state.get(key), bool):
            raise UsageError(f"{path}: not a sandbox state file ({key} is missing or of another kind)")
    regions = state.get("regions", {})     # the regions besides the default one (a world of several)
    if not isinstance(regions, dict) or not all(
            isinstance(saved, dict) and isinstance(saved.get("ess"), dict) and isinstance(saved.get("oos"), dict)
            for saved in regions.values()):
        raise UsageError(f"{path}: not a sandbox state file (regions is of another kind)")
    return state
