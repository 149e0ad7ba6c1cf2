"""--state FILE: the whole world (and the clock position) as JSON, replaced atomically after each change."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from essctl.errors import UsageError

FORMAT = 2      # 2: executions keep their walk, task runs their loop state (OOS engine)
# What the world keeps (World.to_state) and the sandbox reads before anything else: the rest is its own data.
_SHAPE = {"clock": (int, float), "region": str, "account_id": str, "seq": int, "counters": dict, "events": list,
          "ram": dict, "ess": dict, "oos": dict, "generated_credentials": list}


def save_state(path: Path, state: dict[str, Any]) -> None:
    document = json.dumps({"format": FORMAT, **state}, separators=(",", ":"), sort_keys=True)
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
    return state
