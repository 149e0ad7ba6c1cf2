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


class Sandbox:
    def __init__(self, scenario: Scenario | str | Path | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 speed: float = 1.0, state_file: str | Path | None = None, template_dirs: Iterable[str | Path] = (),
                 credentials: Iterable[AccessKey] = (), keep_bodies: bool = False, tick_s: float = 0.02,
                 log: Callable[[str], None] | None = None):
        from essctl.sandbox.state import load_state
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
        self.clock = Clock(speed, start=saved["clock"] if saved else None)
        self.world = World(self.scenario, self.clock, tuple(Path(d) for d in template_dirs))
        if saved:
            self.world.load_state(saved)
        else:
            self.world.seed()
        self.faults = self.scenario.faults
        self.backends = SimpleNamespace(ess=self.world.ess, oos=self.world.oos, ram=self.world.ram)
        self._server: Any = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self.after_change()

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
            self.after_change()

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _tick(self) -> None:
        while not self._stopping.wait(self._tick_s):
            with self.world.lock:
                self.world.advance()
                self.after_change()

    def after_change(self) -> None:
        """Save the world if it changed (call with the world lock held)."""
        if self.state_file is not None and self.world.changed:
            from essctl.sandbox.state import save_state

            state = self.world.to_state()
            state["generated_credentials"] = [dataclasses.asdict(key) for key in self._generated]
            save_state(self.state_file, state)
        self.world.changed = False

    def sent(self, service: str, action: str, body: dict) -> None:
        if self.keep_bodies:
            self.bodies.append((service, action, body))
