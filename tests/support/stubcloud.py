"""A loopback HTTP server that speaks the wire format the Alibaba Cloud SDKs use (sdk-internals.md §4).

Not an emulator (that is the sandbox's job): each test scripts the answers per action. Requests are
POST / with the parameters in the query, the action and version in x-acs-* headers; answers are JSON,
errors in Alibaba's shape with the right HTTP status.
"""
from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None   # send these bytes instead of JSON


def error(status: int, code: str, message: str, **extra: Any) -> Reply:
    return Reply(status=status, body={"Code": code, "Message": message, "HostId": "stub.aliyuncs.com",
                                      "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}", **extra})


@dataclass
class Seen:
    action: str
    version: str
    query: dict[str, str]
    headers: dict[str, str]


class StubCloud:
    """Start with `with StubCloud() as cloud:`; script with `cloud.on("Action", reply, ...)`."""

    def __init__(self) -> None:
        self._replies: dict[str, list[Reply]] = {}
        self._served: dict[str, int] = {}
        self.requests: list[Seen] = []
        self._ids = itertools.count(1)
        stub = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True   # 44 ms -> 1 ms a call (sdk-internals.md §5)
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                stub._handle(self)

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def on(self, action: str, *replies: Reply | dict | Callable[[Seen], Reply | dict]) -> "StubCloud":
        """Answer `action` with these replies in order, the last one repeating; a dict is a 200 body, a callable
        answers from the request it is given."""
        self._replies[action] = [r if isinstance(r, Reply) or callable(r) else Reply(body=r) for r in replies]
        self._served[action] = 0
        return self

    def calls(self, action: str) -> list[Seen]:
        return [seen for seen in self.requests if seen.action == action]

    def __enter__(self) -> "StubCloud":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        query = dict(parse_qsl(urlsplit(handler.path).query, keep_blank_values=True))
        query.update(parse_qsl(body, keep_blank_values=True))
        action = handler.headers.get("x-acs-action", query.get("Action", ""))
        self.requests.append(Seen(action, handler.headers.get("x-acs-version", ""), query,
                                  {k.lower(): v for k, v in handler.headers.items()}))
        replies = self._replies.get(action)
        if not replies:
            reply = error(404, "InvalidAction.NotFound", f"the stub has no answer for {action}")
        else:
            served = self._served[action]
            self._served[action] = served + 1
            reply = replies[min(served, len(replies) - 1)]
            if callable(reply):
                answer = reply(self.requests[-1])
                reply = answer if isinstance(answer, Reply) else Reply(body=answer)
        request_id = f"STUB-{next(self._ids):04d}-{action}"
        if reply.raw is not None:
            payload = reply.raw
        else:
            content = dict(reply.body or {})
            content.setdefault("RequestId", request_id)
            payload = json.dumps(content).encode()
        handler.send_response(reply.status)
        handler.send_header("Content-Type", "application/json;charset=utf-8")
        handler.send_header("Content-Length", str(len(payload)))
        handler.send_header("x-acs-request-id", request_id)
        for key, value in reply.headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(payload)
