"""The conformance corpus: every request essctl sends during one pytest session (seen where every SDK call passes,
CloudSession's interception point), every body and error answer the sandbox serves, and every request the sandbox
receives.

Nothing here changes what essctl or the sandbox do: the hooks wrap `CloudSession._observe`, `Sandbox.sent` and the
sandbox handler's `_reply`, call the originals, and keep a copy of what went by."""
from __future__ import annotations

import copy
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

REPO = Path(__file__).resolve().parents[2]
_ESSCTL, _TESTS, _TOOLS = REPO / "essctl", REPO / "tests", REPO / "tools"
_SESSION_PY = _ESSCTL / "cloud" / "session.py"


@dataclass
class Request:
    service: str
    version: str
    action: str
    parameters: dict[str, str]   # as the SDK flattened them: Name.1, Tags.1.Key, JSON strings for shrunk ones
    outcome: str                 # "200" or the error code
    replayed: bool               # answered from a tape
    origin: str                  # "essctl" (a gateway built it) or "test" (a test called the SDK itself)
    caller: str                  # file:line of the code that called the SDK client
    test: str


@dataclass
class Body:
    service: str
    action: str
    body: dict
    test: str


@dataclass
class ErrorAnswer:
    service: str
    action: str
    status: int
    code: str
    fields: list[str]            # the envelope's keys
    test: str


@dataclass
class Received:
    """A request as the sandbox received it (whoever sent it), and what it answered."""

    service: str
    action: str
    parameters: dict[str, str]
    status: int
    code: str | None
    test: str


@dataclass
class Corpus:
    requests: list[Request] = field(default_factory=list)
    bodies: list[Body] = field(default_factory=list)
    errors: list[ErrorAnswer] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"requests": [asdict(r) for r in self.requests], "bodies": [asdict(b) for b in self.bodies],
                "errors": [asdict(e) for e in self.errors], "received": [asdict(r) for r in self.received]}

    @classmethod
    def from_json(cls, data: dict) -> "Corpus":
        return cls([Request(**r) for r in data.get("requests", [])], [Body(**b) for b in data.get("bodies", [])],
                   [ErrorAnswer(**e) for e in data.get("errors", [])],
                   [Received(**r) for r in data.get("received", [])])

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json()), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "Corpus":
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))

    def clear(self) -> None:
        self.requests.clear()
        self.bodies.clear()
        self.errors.clear()
        self.received.clear()


CORPUS = Corpus()


def _current_test() -> str:
    return os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]


def _caller(frame: Any) -> tuple[str, str]:
    """Who called the SDK client: the first frame of this repository outside session.py and the installed packages
    (the venv lives inside the repository)."""
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if "site-packages" not in path.parts and path != _SESSION_PY and path.is_relative_to(REPO):
            where = f"{path.relative_to(REPO)}:{frame.f_lineno}"
            return ("essctl" if path.is_relative_to(_ESSCTL) else "test"), where
        frame = frame.f_back
    return "test", "?"


def install(corpus: Corpus = CORPUS) -> Callable[[], None]:
    """Start capturing into `corpus`; returns the function that stops it."""
    from essctl.cloud.services import SERVICES
    from essctl.cloud.session import CloudSession
    from essctl.sandbox import Sandbox
    from essctl.sandbox.server import SERVICES as SANDBOX_SERVICES
    from essctl.sandbox.server import Handler

    observe, sent, reply = CloudSession._observe, Sandbox.sent, Handler._reply

    def observing(self: Any, service: str, action: str, parameters: dict, *args: Any, **kwargs: Any) -> None:
        origin, where = _caller(sys._getframe(1))
        spec = SERVICES.get(service)
        corpus.requests.append(Request(
            service, spec.api_version if spec else "", action, {k: str(v) for k, v in parameters.items()},
            str(args[1]) if len(args) > 1 else "", self.replaying, origin, where, _current_test()))
        observe(self, service, action, parameters, *args, **kwargs)

    def sending(self: Any, service: str, action: str, body: dict) -> None:
        corpus.bodies.append(Body(service, action, copy.deepcopy(body), _current_test()))
        sent(self, service, action, body)

    def replying(self: Any, status: int, body: dict, *args: Any, **kwargs: Any) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        service = SANDBOX_SERVICES.get(headers.get("x-acs-version", ""), ("?",))[0]
        action = headers.get("x-acs-action", "")
        code = str(body.get("Code")) if status >= 400 and isinstance(body, dict) else None
        if code is not None:
            corpus.errors.append(ErrorAnswer(service, action, status, code, sorted(body), _current_test()))
        corpus.received.append(Received(service, action, dict(parse_qsl(urlsplit(self.path).query,
                                                                         keep_blank_values=True)),
                                        status, code, _current_test()))
        reply(self, status, body, *args, **kwargs)

    CloudSession._observe, Sandbox.sent, Handler._reply = observing, sending, replying

    def uninstall() -> None:
        CloudSession._observe, Sandbox.sent, Handler._reply = observe, sent, reply

    return uninstall
