"""A local Auto Scaling / OOS / RAM sandbox that the real SDKs talk to over HTTP.

    with Sandbox(speed=60) as sandbox:
        CloudSession(CloudSettings(endpoint=sandbox.endpoint, region="cn-hangzhou"))...

Imports stay light: the server needs neither the SDKs nor Typer."""
from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Iterable

from essctl.sandbox.clock import Clock
from essctl.sandbox.scenario import Scenario, load_scenario
from essctl.sandbox.signature import AccessKey

__all__ = ["AccessKey", "Clock", "Sandbox", "Scenario", "load_scenario"]
COMPACT_EVERY = 5000      # journalled requests before the ticker folds them into the snapshot


class Sandbox:
    def __init__(self, scenario: Scenario | str | Path | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 speed: float = 1.0, state_file: str | Path | None = None, template_dirs: Iterable[str | Path] = (),
                 credentials: Iterable[AccessKey] = (), keep_bodies: bool = False, tick_s: float = 0.02,
                 log: Callable[[str], None] | None = None):
        from essctl.sandbox.state import Journal, load_state, read_journal
        from essctl.sandbox.world import World

        self.scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        self.host, self.port = host, port
        self.state_file = Path(state_file) if state_file else None
        self.log = log
        self.keep_bodies = keep_bodies
        self.bodies: list[tuple[str, str, dict]] = []     # (service, action, body) of every success answer
        self._tick_s = tick_s
        saved = load_state(self.state_file) if self.state_file else None
        generated = [AccessKey(**key) for key in (saved or {}).get("generated_credentials", [])]
        self._generated = generated or ([] if self.scenario.credentials else None)
        if self._generated is None:
            self.scenario.ensure_credentials()
            self._generated = list(self.scenario.credentials)
        keys = [*self.scenario.credentials, *generated, *credentials]
        self.access_keys: dict[str, AccessKey] = {key.key_id: key for key in keys}
        self.credentials: list[AccessKey] = list(self.access_keys.values())
        self._journaled = saved.get("journaled", 0) if saved else 0     # the number of the last request journaled
        replay = read_journal(self.state_file, self._journaled) if saved and self.state_file else []
        start = max([saved["clock"], *(entry["t"] for entry in replay)]) if saved else None
        self.clock = Clock(speed, start=start)
        self.world = World(self.scenario, self.clock, tuple(Path(d) for d in template_dirs))
        self._journal = Journal(self.state_file) if self.state_file else None
        if saved:
            self.world.load_state(saved)
            for entry in replay:
                self._replay(entry)
        else:
            self.world.seed()
        self.faults = self.scenario.faults
        self.backends = SimpleNamespace(ess=self.world.ess, oos=self.world.oos, ram=self.world.ram)
        self._server: Any = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self.compact()

    @property
    def endpoint(self) -> str:
        """http://host:port, what essctl's --endpoint takes (a bare host:port would mean https there)."""
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> "Sandbox":
        from essctl.sandbox.server import SandboxHTTPServer

        self._server = SandboxHTTPServer((self.host, self.port), self)
        self._stopping.clear()
        self._threads = [threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                          name="sandbox-http", daemon=True),
                         threading.Thread(target=self._tick, name="sandbox-ticker", daemon=True)]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        with self.world.lock:
            self.world.advance()
            self.compact()

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _tick(self) -> None:
        while not self._stopping.wait(self._tick_s):
            with self.world.lock:
                self.world.advance()
                self.after_change()

    def call(self, service: str, action: str, values: dict[str, str]) -> dict:
        """Answer one request (what the server does once it is parsed and signed): at the sandbox time it is
        served, then journalled if the world changed, before the caller sends the answer."""
        from essctl.sandbox.params import Params
        from essctl.sandbox.server import SERVICES

        handler = next(module for name, module, _ in SERVICES.values() if name == service).ACTIONS[action]
        with self.world.lock:
            when = self.clock.now()
            target = self.target(service, values)
            try:
                return self.world.at(when, lambda: handler(target, Params(values)))
            finally:
                self._record({"t": when, "service": service, "action": action, "values": values})

    def target(self, service: str, values: dict[str, str]) -> Any:
        """The region a request is served in: RAM's API is global (the default region's world holds it), ESS and
        OOS route by RegionId (one not served: the default region, which refuses it), a request without one by
        the resource it names (World.holding)."""
        if service == "ram":
            return self.world
        region = values.get("RegionId")
        return self.world.in_region(region) if region else self.world.holding(service, values)

    def region_of(self, service: str, values: dict[str, str]) -> str:
        """The region a request's quotas count in (its RegionId, else the region it is served in); "" for RAM."""
        if service == "ram":
            return ""
        return values.get("RegionId") or self.world.holding(service, values).region

    def _record(self, entry: dict) -> None:
        if self._journal is not None and self.world.changed:
            self._journaled += 1
            self._journal.append({"n": self._journaled, **entry})
        self.world.changed = False

    def _replay(self, entry: dict) -> None:
        """A journalled request again, at its own time: the same events run before it, the same answer (or
        error) comes of it, so the same world."""
        from essctl.sandbox.params import Params
        from essctl.sandbox.server import SERVICES

        handler = next(module for name, module, _ in SERVICES.values() if name == entry["service"]).ACTIONS[
            entry["action"]]
        try:
            target = self.target(entry["service"], entry["values"])
            self.world.at(entry["t"], lambda: handler(target, Params(entry["values"])))
        except Exception:  # noqa: BLE001 - it failed the same way when it was served
            pass
        self._journaled = entry["n"]

    def after_change(self) -> None:
        """After the ticker ran due events (call with the world lock held): nothing to write yet, since the
        events are in the snapshot or the journal's requests and run again at the same times. The world stays
        marked changed, so the next request is journalled even if it changes nothing itself: a client that sees
        what those events did is then sure to see it after a restart. A long journal is folded into the
        snapshot."""
        if self._journal is not None and self._journal.entries >= COMPACT_EVERY:
            self.compact()

    def compact(self) -> None:
        """Write the whole world as the snapshot and empty the journal (call with the world lock held). The live
        world is then read back from that snapshot, so a later replay starts from exactly what it continued from."""
        if self.state_file is None or self._journal is None:
            self.world.changed = False
            return
        import json

        from essctl.sandbox.state import save_state

        with self.world.lock:
            state = self.world.to_state()
            state["generated_credentials"] = [dataclasses.asdict(key) for key in self._generated]
            state["journaled"] = self._journaled
            document = save_state(self.state_file, state)
            self._journal.clear()
            self.world.load_state(json.loads(document))
            self.world.changed = False

    def sent(self, service: str, action: str, body: dict) -> None:
        if self.keep_bodies:
            self.bodies.append((service, action, body))
