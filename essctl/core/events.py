"""What the engine reports while it works. The core emits events; the CLI's renderer shows them (lines, a live
view or JSON lines); the core never prints."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Event:
    kind: str          # step | call | warning | activity | instance | lifecycle_action | execution | task | wait
    message: str       # one line a person reads
    data: dict[str, Any] = field(default_factory=dict)
    elapsed: float = 0.0   # seconds since the operation started

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.kind, "message": self.message, "elapsed": round(self.elapsed, 1), **self.data}


Emit = Callable[[Event], None]
