"""The sandbox world: the three service backends, one clock, and a heap of due events.

The world advances lazily: before every request (and from the server's ticker) the due events run in time
order, each at its own due time, so the outcome depends only on the sandbox clock.

A world may serve several regions, as one Alibaba Cloud account does: ESS and OOS are regional services (each
region has its own groups, rules, hooks, activities, instances, executions and templates; their ARNs and ARIs
name it), RAM is global (one set of roles and policies, which OOS in every region assumes). The World itself is
its default region; each other region is a Region, which has its own ESS and OOS backends and shares everything
else (RAM, clock, lock, events, id counters) with the World."""
from __future__ import annotations

import hashlib
import heapq
import threading
from typing import Any, Callable

from essctl.sandbox.clock import Clock
from essctl.sandbox.index import index_world
from essctl.sandbox.scenario import Scenario

# A request's parameter naming a regional resource -> the backend state table holding it (World.holding).
_RESOURCE_IDS = {"ess": (("ScalingGroupId", "groups"), ("LifecycleHookId", "hooks"), ("ScalingRuleId", "rules"),
                         ("ScalingActivityId", "activities"), ("ScalingConfigurationId", "configurations")),
                 "oos": (("ExecutionId", "executions"),)}


class World:
    def __init__(self, scenario: Scenario, clock: Clock, template_dirs: tuple = ()):
        from essctl.sandbox.ess.models import EssBackend
        from essctl.sandbox.oos.executions import OosBackend
        from essctl.sandbox.ram.models import RamBackend

        self.scenario = scenario
        self.clock = clock
        self.region = scenario.region
        self.regions: dict[str, World | Region] = {self.region: self}     # every region served, the default first
        self.account_id = scenario.account_id
        self.lock = threading.RLock()
        self._events: list[list[Any]] = []      # [due, seq, kind, payload]
        self._seq = 0
        self._counters: dict[str, int] = {}
        self._frozen: float | None = None      # the due time of the event being run
        self.changed = False                   # something to save since the last save
        self._template_dirs = [*scenario.template_dirs, *template_dirs]
        self.ram = RamBackend(self)
        self.oos = OosBackend(self, self._template_dirs)
        self.ess = EssBackend(self)
        index_world(self.ess.state, self.oos.state)
        self._handlers: dict[str, dict[str, Callable[..., None]]] = {self.region: _event_handlers(self)}
        for name in scenario.served_regions()[1:]:
            self._add_region(name)

    def _add_region(self, name: str) -> Region:
        region = self.regions[name] = Region(self, name, self._template_dirs)
        self._handlers[name] = _event_handlers(region)
        return region

    def in_region(self, name: str | None) -> World | Region:
        """The region a request names (its RegionId), or this default region when it names none or one not served
        (whose handlers then answer as for a region that does not exist)."""
        return self.regions.get(name or self.region, self)

    def holding(self, service: str, values: dict[str, str]) -> World | Region:
        """The region of a request without a RegionId: the one that holds the resource it names. The SDKs put the
        region only into the endpoint they call (tea-openapi's Client: region_id goes to the endpoint resolution,
        not into the request), and some requests have no RegionId at all (CreateLifecycleHook,
        ModifyScalingConfiguration); the sandbox has one endpoint for every region, so the id stands in for the
        endpoint. A request that names none (or an id no region has) goes to the default region."""
        if len(self.regions) > 1:
            ari = values.get("ScalingRuleAri", "").split(":")
            if service == "ess" and len(ari) > 3 and ari[3] in self.regions:
                return self.regions[ari[3]]
            keys = _RESOURCE_IDS.get(service, ())
            for region in self.regions.values():
                state = (region.ess if service == "ess" else region.oos).state
                if any(values.get(key) in state.get(table, ()) for key, table in keys):
                    return region
        return self

    def seed(self) -> None:
        """Fill the world from the scenario (a fresh start; a resumed world loads its state instead)."""
        self.ram.seed(self.scenario)
        for region in self.regions.values():
            region.ess.seed(self.scenario)
        self.changed = True

    # time and events
    def now(self) -> float:
        return self._frozen if self._frozen is not None else self.clock.now()

    def schedule(self, delay: float, kind: str, **payload: Any) -> None:
        self.schedule_in(self.region, delay, kind, payload)

    def schedule_in(self, region: str, delay: float, kind: str, payload: dict[str, Any]) -> None:
        """An event of `region`'s backends; [due, seq, kind, payload], and the region after them unless it is
        the default (a single-region world keeps the events it always had)."""
        self._seq += 1
        event = [self.now() + max(delay, 0.0), self._seq, kind, payload]
        heapq.heappush(self._events, event if region == self.region else [*event, region])
        self.changed = True

    def advance(self, until: float | None = None) -> int:
        """Run every event due by `until` (default: now); returns how many ran."""
        ran = 0
        with self.lock:
            limit = self.clock.now() if until is None else until
            while self._events and self._events[0][0] <= limit:
                due, _, kind, payload, *region = heapq.heappop(self._events)
                self._frozen = due
                try:
                    self._handlers[region[0] if region else self.region][kind](**payload)
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
        """The world as JSON-ready data: the default region's ESS and OOS as `ess` and `oos` (a single-region
        world's state is what it always was), the other regions' under `regions`."""
        state = {"clock": self.now(), "region": self.region, "account_id": self.account_id,
                 "seq": self._seq, "counters": dict(self._counters), "events": [list(e) for e in self._events],
                 "ram": self.ram.state, "ess": self.ess.state, "oos": self.oos.state}
        others = {name: {"ess": region.ess.state, "oos": region.oos.state}
                  for name, region in self.regions.items() if region is not self}
        if others:
            state["regions"] = others
        return state

    def load_state(self, state: dict[str, Any]) -> None:
        """The saved world; a region it holds that the scenario no longer names is still served."""
        if state["region"] != self.region:     # the saved world's default region wins, as it always did
            self._handlers[state["region"]] = self._handlers.pop(self.region)
            del self.regions[self.region]
            self.region = state["region"]
            self.regions = {self.region: self, **self.regions}
        self.account_id = state["account_id"]
        self._seq, self._counters = state["seq"], dict(state["counters"])
        self._events = [list(e) for e in state["events"]]
        heapq.heapify(self._events)
        self.ram.state, self.ess.state, self.oos.state = state["ram"], state["ess"], state["oos"]
        index_world(self.ess.state, self.oos.state)
        for name, saved in state.get("regions", {}).items():
            region = self.regions.get(name) or self._add_region(name)
            region.ess.state, region.oos.state = saved["ess"], saved["oos"]
            index_world(region.ess.state, region.oos.state)


class Region:
    """One more region of a world: its own ESS and OOS backends; RAM, the clock, the lock, the events and the id
    counters are the world's (ids stay distinct across regions, as Alibaba Cloud's are)."""

    def __init__(self, world: World, name: str, template_dirs: list):
        from essctl.sandbox.ess.models import EssBackend
        from essctl.sandbox.oos.executions import OosBackend

        self.world = world
        self.region = name
        self.oos = OosBackend(self, template_dirs)
        self.ess = EssBackend(self)
        index_world(self.ess.state, self.oos.state)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["world"], name)

    @property
    def changed(self) -> bool:
        return self.world.changed

    @changed.setter
    def changed(self, value: bool) -> None:
        self.world.changed = value

    def schedule(self, delay: float, kind: str, **payload: Any) -> None:
        self.world.schedule_in(self.region, delay, kind, payload)


def _event_handlers(region: World | Region) -> dict[str, Callable[..., None]]:
    return {**region.ess.lifecycle.event_handlers(), **region.ess.refreshes.event_handlers(),
            **region.oos.event_handlers()}