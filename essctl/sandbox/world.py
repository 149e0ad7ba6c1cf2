"""The sandbox world: the three service backends, one clock, and a heap of due events.

The world advances lazily: before every request (and from the server's ticker) the due events run in time
order, each at its own due time, so the outcome depends only on the sandbox clock."""
from __future__ import annotations

import hashlib
import heapq
import threading
from typing import Any, Callable

from essctl.sandbox.clock import Clock
from essctl.sandbox.index import index_world
from essctl.sandbox.scenario import Scenario


class World:
    def __init__(self, scenario: Scenario, clock: Clock, template_dirs: tuple = ()):
        from essctl.sandbox.ess.models import EssBackend
        from essctl.sandbox.oos.executions import OosBackend
        from essctl.sandbox.ram.models import RamBackend

        self.scenario = scenario
        self.clock = clock
        self.region = scenario.region
        self.account_id = scenario.account_id
        self.lock = threading.RLock()
        self._events: list[list[Any]] = []      # [due, seq, kind, payload]
        self._seq = 0
        self._counters: dict[str, int] = {}
        self._frozen: float | None = None      # the due time of the event being run
        self.changed = False                   # something to save since the last save
        self.ram = RamBackend(self)
        self.oos = OosBackend(self, [*scenario.template_dirs, *template_dirs])
        self.ess = EssBackend(self)
        index_world(self.ess.state, self.oos.state)
        self._handlers: dict[str, Callable[..., None]] = {
            **self.ess.lifecycle.event_handlers(), **self.ess.refreshes.event_handlers(),
            **self.oos.event_handlers()}

    def seed(self) -> None:
        """Fill the world from the scenario (a fresh start; a resumed world loads its state instead)."""
        self.ram.seed(self.scenario)
        self.ess.seed(self.scenario)
        self.changed = True

    # time and events
    def now(self) -> float:
        return self._frozen if self._frozen is not None else self.clock.now()

    def schedule(self, delay: float, kind: str, **payload: Any) -> None:
        self._seq += 1
        heapq.heappush(self._events, [self.now() + max(delay, 0.0), self._seq, kind, payload])
        self.changed = True

    def advance(self, until: float | None = None) -> int:
        """Run every event due by `until` (default: now); returns how many ran."""
        ran = 0
        with self.lock:
            limit = self.clock.now() if until is None else until
            while self._events and self._events[0][0] <= limit:
                due, _, kind, payload = heapq.heappop(self._events)
                self._frozen = due
                try:
                    self._handlers[kind](**payload)
                finally:
                    self._frozen = None
                ran += 1
            if ran:
                self.changed = True
        return ran

    def at(self, when: float, act: Callable[[], Any]) -> Any:
        """Run `act` (a request) at the sandbox time `when`: the events due by then first, and the whole request at
        that one time, so replaying it from the journal at `when` does exactly the same."""
        with self.lock:
            self.advance(when)
            self._frozen = when
            try:
                return act()
            finally:
                self._frozen = None

    # identifiers: deterministic, Alibaba-shaped
    def new_id(self, prefix: str, width: int = 20) -> str:
        number = self._counters[prefix] = self._counters.get(prefix, 0) + 1
        digest = hashlib.sha256(f"{self.account_id}/{prefix}/{number}".encode()).hexdigest()
        return f"{prefix}-sbx{digest[:width - 3]}"

    def new_private_ip(self) -> str:
        """A VPC address for a new instance: 192.168.0.2, 192.168.0.3, ... never given twice."""
        number = self._counters["ip"] = self._counters.get("ip", 0) + 1
        return f"192.168.{(number - 1) // 250 % 256}.{(number - 1) % 250 + 2}"

    def new_token(self) -> str:
        number = self._counters["token"] = self._counters.get("token", 0) + 1
        d = hashlib.sha256(f"{self.account_id}/token/{number}".encode()).hexdigest()
        return f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:32]}".upper()

    def request_id(self) -> str:
        number = self._counters["request"] = self._counters.get("request", 0) + 1
        d = hashlib.sha256(f"request/{number}".encode()).hexdigest().upper()
        return f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:32]}"

    # persistence
    def to_state(self) -> dict[str, Any]:
        return {"clock": self.now(), "region": self.region, "account_id": self.account_id,
                "seq": self._seq, "counters": dict(self._counters), "events": [list(e) for e in self._events],
                "ram": self.ram.state, "ess": self.ess.state, "oos": self.oos.state}

    def load_state(self, state: dict[str, Any]) -> None:
        self.region, self.account_id = state["region"], state["account_id"]
        self._seq, self._counters = state["seq"], dict(state["counters"])
        self._events = [list(e) for e in state["events"]]
        heapq.heapify(self._events)
        self.ram.state, self.ess.state, self.oos.state = state["ram"], state["ess"], state["oos"]
        index_world(self.ess.state, self.oos.state)
