"""The hostile-input corpus (issue 13): one schema for every bad input, and the runner that holds essctl to its
promise for each: the expected exit code (2 for bad input), exactly one line on stderr of at most MAX_LINE
characters naming the field, no traceback, no secret, and not one connection to the endpoint.

Cases live in `cases_<area>.py` modules of this package, each a list `CASES` of `Case`; test_corpus.py runs them all.
"""
from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.fake_credentials import SECRETS

MAX_LINE = 300


# The parameters ESS passes every lifecycle-hook template: the head of the corpus's template files.
LIFECYCLE_PARAMETERS = """\
Parameters:
  regionId: {Type: String, Default: '${regionId}'}
  instanceIds: {Type: List, Default: ['${instanceIds}']}
  lifecycleHookId: {Type: String, Default: '${lifecycleHookId}'}
  lifecycleActionToken: {Type: String, Default: '${lifecycleActionToken}'}
"""

@dataclass(frozen=True)
class Case:
    """One bad input. `files` are written under the case's folder before the run (str is UTF-8 text, bytes are
    written as they are); `{dir}` in argv and env values is that folder, `{home}` its HOME, `{endpoint}` the
    listener's URL. `expect` is a substring the one error line must hold (the field, file:line:col, ...)."""

    name: str
    argv: tuple[str, ...]
    expect: str
    files: dict[str, str | bytes] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    code: int = 2
    process: bool = False      # run as `python -m essctl` (environment read at import, stdin, encodings)


class Listener:
    """A loopback socket standing in for the endpoint: it counts connections and answers none."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()


def materialise(case: Case, root: Path, listener: Listener) -> tuple[list[str], dict[str, str]]:
    """Write the case's files; return its argv and environment with the placeholders filled."""
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    for relative, content in case.files.items():
        path = root / relative.format(dir=root, home=home)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))

    def fill(text: str) -> str:
        return text.replace("{dir}", str(root)).replace("{home}", str(home)).replace("{endpoint}", listener.url)

    return [fill(arg) for arg in case.argv], {key: fill(value) for key, value in case.env.items()}


def problems(case: Case, code: int, out: str, err: str, listener: Listener) -> list[str]:
    """What broke the promise for this case (empty when it held)."""
    found = []
    lines = err.strip("\n").splitlines()
    if code != case.code:
        found.append(f"exit {code}, expected {case.code}")
    if len(lines) != 1:
        found.append(f"{len(lines)} lines on stderr, expected 1")
    if any(len(line) > MAX_LINE for line in lines):
        found.append(f"a line of {max(len(line) for line in lines)} characters (at most {MAX_LINE})")
    if case.expect not in err:
        found.append(f"{case.expect!r} is not named")
    if "Traceback" in err or "internal error" in err:
        found.append("a traceback or an internal error")
    if any(secret in out + err for secret in SECRETS):
        found.append("a secret was printed")
    if listener.connections:
        found.append(f"{listener.connections} connection(s) to the endpoint")
    return found


def environment(extra: dict[str, str], home: Path) -> dict[str, str]:
    """The process environment of a case: no real credentials, HOME in the case's folder, the case's variables."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("ALIBABA_CLOUD_") and key not in ("ESSCTL_ENDPOINT", "DEBUG")}
    env.update({"HOME": str(home), "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "NO_COLOR": "1",
                "ALIBABA_CLOUD_ACCESS_KEY_ID": SECRETS[0], "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRETS[1]})
    env.update(extra)
    return env
