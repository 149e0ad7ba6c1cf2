"""One CloudSession per command: it builds the clients it is asked for and sees every call they make.

Every call passes through `call_api` on the client instance (sdk-internals.md §5, option A). There the
session replays from a tape or sends for real, records to a tape, logs the call when verbose, and turns
any SDK exception into a CloudAPIError. The SDK's own request and response models run either way. A call the SDK
must not retry (facts/idempotence.py) is sent through a twin client built without retries.
"""
from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from essctl.cloud.credentials import ResolvedCredential, resolve_credential
from essctl.cloud.errors import to_cloud_error
from essctl.cloud.factory import MAX_ATTEMPTS, ThrottlingCodes, build_client
from essctl.cloud.redact import public_parameters
from essctl.cloud.services import SERVICES
from essctl.cloud.settings import CloudSettings, resolve_region, selected_profile_name
from essctl.cloud.tape import Tape, TapePlayer, TapeRecorder, is_recordable_error, resolve_tape_path
from essctl.errors import UsageError
from essctl.facts.idempotence import sent_once

if TYPE_CHECKING:
    from essctl.cloud.converge import Check
    from essctl.cloud.ratelimit import RateLimiter

Log = Callable[[str], None]
READ_ONLY_PREFIXES = ("Describe", "List", "Get", "Generate")


def is_mutating(action: str) -> bool:
    """Whether an API action changes something (every read-only ESS/OOS/RAM action starts with a read verb)."""
    return not action.startswith(READ_ONLY_PREFIXES)


@dataclass(frozen=True)
class Call:
    """One API call as the session saw it: no credentials, parameters as the SDK flattened them."""

    service: str
    action: str
    parameters: dict[str, Any]
    outcome: str            # "200" or the error code
    request_id: str | None
    elapsed_ms: float
    replayed: bool

    @property
    def mutating(self) -> bool:
        return is_mutating(self.action)

    def to_dict(self) -> dict[str, Any]:
        return {"Service": self.service, "Action": self.action, "Parameters": self.parameters,
                "Outcome": self.outcome, "RequestId": self.request_id, "ElapsedMs": round(self.elapsed_ms, 1),
                "Replayed": self.replayed, "Mutating": self.mutating}


class CloudSession:
    def __init__(self, settings: CloudSettings, log: Log | None = None, *, match_by_action: bool = False,
                 limiter: RateLimiter | None = None):
        self.settings = settings
        self._log = log
        self._limiter = limiter       # fleet mode: client-side flow control shared by every session
        self.calls: list[Call] = []
        self.checks: list[Check] = []       # read-backs after lost answers (cloud/converge.py)
        self.on_call: Callable[[Call], None] | None = None
        self._clients: dict[str, Any] = {}
        self._send_once: dict[str, Callable[..., dict]] = {}
        self._credential: ResolvedCredential | None = None
        self._in_flight: tuple[str, str] | None = None     # the call being sent, for the -v retry lines
        self._player: TapePlayer | None = None
        self._recorder: TapeRecorder | None = None
        if settings.tape and settings.record:
            raise UsageError("--tape replays and --record records: use one of them")
        if settings.tape:
            path = resolve_tape_path(settings.tape)
            self._player = TapePlayer(Tape.load(path), path, match_by_action=match_by_action)
        # A replay asks what was recorded: the tape's region beats the environment and profile defaults.
        tape_region = self._player.tape.region if self._player else None
        self.region = settings.region or tape_region or resolve_region(settings)
        if settings.record:
            self._recorder = TapeRecorder(settings.record, self.region, settings.redact_account)
            self._recorder.tape.source = f"the endpoint {settings.endpoint}" if settings.endpoint else "Alibaba Cloud"

    def sibling(self, region: str) -> CloudSession:
        """A new session in `region` with the same settings, log, rate limiter and credentials (resolved once, here):
        one for each group of a fleet run, so that each group's calls are its own."""
        if self._player is not None or self._recorder is not None:
            raise UsageError("--tape/--record/--dry-run: replay or record one scaling group at a time")
        other = CloudSession(dataclasses.replace(self.settings, region=region), self._log, limiter=self._limiter)
        other._credential = self._resolve_credential()     # resolved once for the whole fleet
        return other

    @property
    def limiter(self) -> RateLimiter | None:
        return self._limiter

    @property
    def replaying(self) -> bool:
        return self._player is not None

    @property
    def player(self) -> TapePlayer | None:
        """The tape being replayed (its clock, how far it has been served), or None when calls are sent."""
        return self._player

    def tape_description(self) -> str:
        """Which tape is replayed, when and from where it was recorded."""
        if self._player is None:
            return "no tape"
        tape = self._player.tape
        return f"{self._player.path} (recorded {tape.recorded_at or 'at an unknown time'} from {tape.source or 'an unknown source'})"

    def where(self) -> tuple[str, str]:
        """(endpoint, credentials): where the calls go and as whom, so a sandbox and production can't be confused."""
        if self._player is not None:
            return f"tape {self._player.path.name}", "none (answers are replayed)"
        endpoint = self.settings.endpoint or "Alibaba Cloud's public endpoints"
        if self.settings.service_endpoints:
            endpoint += "; " + ", ".join(f"{name} {url}" for name, url in sorted(self.settings.service_endpoints.items()))
        if self._credential is None:
            return endpoint, "not resolved yet"
        profile = selected_profile_name(self.settings)
        return endpoint, (f"{self._credential.source}, AccessKey id {self._credential.key_id_masked}"
                          + (f", profile {profile}" if profile else ""))

    def endpoint_of(self, service: str) -> str:
        """The base URL the service's client sends to in this region (the SDK's rule, a global endpoint, or the
        user's --endpoint); in a replay, where it would send."""
        client = self.client(service)
        return f"{getattr(client, '_protocol', None) or 'https'}://{client._endpoint}"

    def recorded_parameter(self, action: str, name: str) -> str | None:
        """A parameter of the first recorded call of `action` on the tape being replayed (e.g. its scaling group)."""
        if self._player is None:
            return None
        for item in self._player.tape.interactions:
            if item.action == action and name in item.parameters:
                return str(item.parameters[name])
        return None

    @property
    def ess(self) -> Any:
        return self.client("ess")

    @property
    def oos(self) -> Any:
        return self.client("oos")

    @property
    def ram(self) -> Any:
        return self.client("ram")

    def client(self, service: str) -> Any:
        if service not in self._clients:
            credential = None
            if not self.replaying:
                self._disarm_sdk_debug()
                credential = self._resolve_credential().client
            client = build_client(SERVICES[service], region=self.region, credential=credential,
                                  endpoint=self.settings.endpoint_for(service),
                                  on_retry=self._retrying if self._log or self._limiter else None)
            self._intercept(service, client)
            self._clients[service] = client
        return self._clients[service]

    def _sender_once(self, service: str) -> Callable[..., dict]:
        """The SDK's own `call_api` of a client that sends each call once (no SDK retry), made on first use."""
        if service not in self._send_once:
            twin = build_client(SERVICES[service], region=self.region, credential=self._resolve_credential().client,
                                endpoint=self.settings.endpoint_for(service), retries=False)
            self._send_once[service] = twin.call_api
        return self._send_once[service]

    def _resolve_credential(self) -> ResolvedCredential:
        if self._credential is None:
            self._credential = resolve_credential(self.settings.profile)
            self._emit(f"credentials: {self._credential.source}, AccessKey id {self._credential.key_id_masked}; "
                       f"region {self.region}" + (f"; endpoint {self.settings.endpoint}" if self.settings.endpoint else ""))
        return self._credential

    def _disarm_sdk_debug(self) -> None:
        # DEBUG=sdk makes darabonba print Authorization and STS-token headers (sdk-internals.md §4).
        if os.environ.get("DEBUG", "").lower() == "sdk":
            del os.environ["DEBUG"]
            self._emit("DEBUG=sdk ignored: it prints credentials; -v logs every call without them")

    def _retrying(self, attempt: int, error: Any, wait_s: float) -> None:
        """-v: the SDK retries the call in flight (attempt N after an error): its code, HTTP status and request id,
        and the wait. Nothing of the request itself (its headers carry the signature and any STS token)."""
        service, action = self._in_flight or ("?", "?")
        code = getattr(error, "code", None) or type(error).__name__
        if self._limiter is not None and code in ThrottlingCodes():
            self._limiter.throttled((self.region, service, action))
        if not self._log:
            return
        status = getattr(error, "status_code", None) or getattr(error, "statusCode", None)
        request_id = getattr(error, "request_id", None) or getattr(error, "requestId", None)
        why = f"{code}" + (f", HTTP {status}" if status else "") + (f", request id {request_id}" if request_id else "")
        asked = " (as the server asked)" if getattr(error, "retry_after", None) is not None else ""
        self._emit(f"retry {service}:{action}: attempt {attempt} of {MAX_ATTEMPTS} after {why}; "
                   f"waiting {wait_s:.2f} s{asked}")

    def _emit(self, line: str) -> None:
        if self._log:
            self._log(line)

    def _intercept(self, service: str, client: Any) -> None:
        send = client.call_api   # the SDK's own, bound to this client (retrying throttling and 5xx)

        def call_api(params: Any, request: Any, runtime: Any) -> dict:
            parameters = dict(request.query or {})
            if isinstance(request.body, dict):
                parameters.update(request.body)
            started = time.monotonic()
            self._in_flight = (service, params.action)
            if self._limiter is not None and self._player is None:
                self._limiter.acquire((self.region, service, params.action))
            try:
                if self._player is not None:
                    result = self._player.answer(service, params.action, parameters)
                elif sent_once(service, params.action):
                    result = self._sender_once(service)(params, request, runtime)
                else:
                    result = send(params, request, runtime)
            except Exception as exc:
                if self._recorder is not None and is_recordable_error(exc):
                    self._recorder.error(service, params.version, params.action, parameters, exc)
                error = to_cloud_error(service, params.action, exc)
                if error is None:
                    raise
                if self._limiter is not None and getattr(error, "code", None) in ThrottlingCodes():    # past the retries
                    self._limiter.throttled((self.region, service, params.action))
                self._observe(service, params.action, parameters, started, getattr(error, "code", "essctl-error"),
                              getattr(error, "request_id", None), outcome=f"{error}")
                raise error from exc
            if self._recorder is not None:
                self._recorder.response(service, params.version, params.action, parameters, result)
            body = result.get("body")
            request_id = body.get("RequestId") if isinstance(body, dict) else None
            request_id = request_id or (result.get("headers") or {}).get("x-acs-request-id")
            self._observe(service, params.action, parameters, started, str(result.get("statusCode")), request_id,
                          outcome=f"{result.get('statusCode')} (request id {request_id})")
            return result

        client.call_api = call_api

    def checked(self, check: Check) -> None:
        """A gateway read a change back after a lost answer or an "already exists": keep it, log it when verbose."""
        self.checks.append(check)
        self._emit(f"check {check.service}:{check.action} {check.target}: {check.summary} ({check.verdict})")

    def _observe(self, service: str, action: str, parameters: dict, started: float, status: str,
                 request_id: str | None, outcome: str) -> None:
        elapsed = (time.monotonic() - started) * 1000
        call = Call(service, action, dict(sorted(public_parameters(parameters).items())), status, request_id,
                    elapsed, self.replaying)
        self.calls.append(call)
        if self.on_call is not None:
            self.on_call(call)
        if self._log:
            shown = " ".join(f"{k}={v}" for k, v in call.parameters.items())
            via = "tape" if self.replaying else "api"
            self._emit(f"{via} {service}:{action} {shown} -> {outcome} in {elapsed:.0f} ms")
