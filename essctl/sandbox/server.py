"""The HTTP front: RPC requests as the SDKs send them (POST, parameters in the query or a form body,
x-acs-action / x-acs-version), ACS3 signatures checked, answers as Alibaba Cloud gives them."""
from __future__ import annotations

import json
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from essctl.sandbox.errors import ApiError
from essctl.sandbox.ess import responses as ess_responses
from essctl.sandbox.oos import responses as oos_responses
from essctl.sandbox.ram import responses as ram_responses
from essctl.sandbox.signature import verify

SERVICES: dict[str, tuple[str, ModuleType, str]] = {
    ess_responses.VERSION: ("ess", ess_responses, "ess.aliyuncs.com"),
    oos_responses.VERSION: ("oos", oos_responses, "oos.aliyuncs.com"),
    ram_responses.VERSION: ("ram", ram_responses, "ram.aliyuncs.com"),
}


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sandbox: Any):
        self.sandbox = sandbox
        super().__init__(address, Handler)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True     # else ~44 ms per call (Nagle + delayed ACK; sdk-internals.md §5)
    server: SandboxHTTPServer

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.sandbox.log is not None:
            self.server.sandbox.log(format % args)

    def _handle(self) -> None:
        sandbox = self.server.sandbox
        world = sandbox.world
        with world.lock:
            request_id = world.request_id()
        headers = {k.lower(): v for k, v in self.headers.items()}
        version, action = headers.get("x-acs-version", ""), headers.get("x-acs-action", "")
        host = SERVICES.get(version, ("", None, "sandbox"))[2]
        try:
            length = int(headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            url = urlsplit(self.path)
            query = dict(parse_qsl(url.query, keep_blank_values=True))
            verify(self.command, url.path or "/", query, headers, body, sandbox.access_keys)
            values = dict(query)
            if body and headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                values.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            if version not in SERVICES:   # the gateway answers so for a version it does not serve (aliyun-cli)
                raise ApiError("InvalidAction.NotFound", f"Specified api is not found: {action!r} of version "
                                                         f"{version!r}.", 404)
            service, module, _ = SERVICES[version]
            handler = module.ACTIONS.get(action)
            if handler is None:
                raise ApiError("InvalidAction.NotFound", f"Specified api is not found: {action!r} ({service} "
                                                         f"{version} in the sandbox).", 404)
            if sandbox.faults.over_quota(service, action, sandbox.region_of(service, values)):
                raise module.throttling(sandbox.faults.retry_after_ms)
            delay, error_before, error_after = sandbox.faults.decide(action)
            if delay:
                time.sleep(delay)
            if error_before is not None:
                raise error_before
            answer = sandbox.call(service, action, values)
            if error_after is not None:
                raise error_after
            answer["RequestId"] = request_id
            sandbox.sent(service, action, answer)
            self._reply(200, answer, request_id)
        except ApiError as exc:
            self._reply(exc.status, {
                "Code": exc.code, "Message": exc.message, "RequestId": request_id, "HostId": host,
                "Recommend": f"https://api.aliyun.com/troubleshoot?q={exc.code}&product=sandbox&requestId="
                             f"{request_id}"}, request_id, exc.retry_after_ms)
        except Exception as exc:  # a sandbox bug: answer like a server fault, say what it was
            traceback.print_exc(file=sys.stderr)
            self._reply(500, {"Code": "InternalError", "Message": f"sandbox internal error: {type(exc).__name__}: "
                              f"{exc}", "RequestId": request_id, "HostId": host, "Recommend": ""}, request_id)

    def _reply(self, status: int, body: dict, request_id: str, retry_after_ms: int | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-acs-request-id", request_id)
        if retry_after_ms is not None:
            self.send_header("x-acs-retry-after", str(retry_after_ms))
        self.end_headers()
        self.wfile.write(data)
