"""Tapes: recorded API calls, replayed at the SDK client's `call_api` (sdk-internals.md §5, option A).

Format (YAML, documented in README.md "Tapes"): a header and a list of interactions, each with the request
(service, version, action, parameters as the SDK flattened them) and either the response (status, request id,
raw body) or the error (SDK exception class, status, code, message, request id, raw error body).
Credentials are never written; with --redact-account the account id becomes a placeholder.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from essctl import __version__
from essctl.cloud.redact import (
    VOLATILE_PARAMETERS,
    account_ids_in,
    public_parameters,
    redact_accounts,
    replace_account_ids,
)
from essctl.cloud.tape_schema import (
    ERROR_CLASSES,
    TAPE_FORMAT,
    check_header,
    check_interaction,
    read_tape_document,
)
from essctl.errors import RecordingFailed, TapeMiss, UsageError
from essctl.files import check_writable, write_atomically


@dataclass
class Interaction:
    service: str
    version: str
    action: str
    parameters: dict[str, Any]
    response: dict[str, Any] | None = None   # {status, request_id, body}
    error: dict[str, Any] | None = None      # {class, status, code, message, request_id, data}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "service": self.service, "version": self.version, "action": self.action,
            "parameters": dict(sorted(self.parameters.items())),
        }
        if self.error is not None:
            out["error"] = self.error
        else:
            out["response"] = self.response
        return out


@dataclass
class Tape:
    interactions: list[Interaction] = field(default_factory=list)
    region: str | None = None
    account_redacted: bool = False
    recorded_at: str | None = None
    source: str | None = None

    @classmethod
    def load(cls, path: Path) -> "Tape":
        """The tape in a file, checked whole (cloud/tape_schema.py): any problem is one line naming the file, line,
        column and field."""
        try:
            doc = read_tape_document(path)
            header = check_header(doc)
            interactions = [Interaction(**check_interaction(doc, item, ("interactions", index)))
                            for index, item in enumerate(header["interactions"])]
        except RecursionError:
            raise UsageError(f"{path}: the tape is nested too deeply to read") from None
        return cls(interactions=interactions, region=header["region"], account_redacted=header["account_redacted"],
                   recorded_at=header["recorded_at"], source=header["source"])

    def save(self, path: Path) -> None:
        import yaml

        interactions = [item.to_dict() for item in self.interactions]
        if self.account_redacted:
            interactions = replace_account_ids(interactions, account_ids_in(interactions))
        document = {
            "format": TAPE_FORMAT,
            "essctl": __version__,
            "recorded_at": self.recorded_at,
            "source": self.source,
            "region": self.region,
            "account_redacted": self.account_redacted,
            "interactions": interactions,
        }
        header = "# essctl tape (see README.md, 'Tapes'). Recorded API calls; no credentials are written.\n"
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, header + text)


def bundled_tapes_dir() -> Path:
    return Path(str(resources.files("essctl") / "tapes"))


def resolve_tape_path(name_or_path: Path) -> Path:
    """A tape file, or the name of a tape bundled with essctl (e.g. 'demo')."""
    if name_or_path.exists():
        return name_or_path
    bundled = bundled_tapes_dir() / f"{name_or_path}.yaml"
    if "/" not in str(name_or_path) and bundled.exists():
        return bundled
    names = sorted(p.stem for p in bundled_tapes_dir().glob("*.yaml"))
    raise UsageError(f"--tape: no file {str(name_or_path)!r} and no bundled tape of that name (bundled: {', '.join(names)})")


def match_key(service: str, action: str, parameters: dict[str, Any], redacted: bool) -> tuple:
    """What identifies a call on a tape: service, action and the parameters that are not volatile."""
    kept = {k: str(v) for k, v in public_parameters(parameters).items() if k not in VOLATILE_PARAMETERS}
    if redacted:
        kept = redact_accounts(kept)
    return (service, action, tuple(sorted(kept.items())))


class ReplayClock:
    """Time in a replay. The recording waited between its polls; a replay has nothing to wait for, so sleeping
    advances this clock at once: the watch's back-off and time-outs run as they would live, in virtual seconds,
    without spinning."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def now(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        self.seconds += max(0.0, float(seconds))


class TapePlayer:
    """Answers calls from a tape: identical calls get the recorded answers in order, the last one repeating.

    With `match_by_action` (a recipe's --dry-run) a call matches the recorded calls of the same action whatever its
    parameters, in order: the user's own group and inputs are shown, the recorded answers come back.
    `recorded_served` counts the answers served for the first time (not a repeat of a last one): while it does not
    move, nothing can change any more, so a watch knows the tape has ended. A call repeated past its last answer
    more than REPEATS_PAST_THE_END times ends the replay (a loop that no answer on the tape would stop).
    """

    REPEATS_PAST_THE_END = 1000

    def __init__(self, tape: Tape, path: Path, *, match_by_action: bool = False):
        self.tape = tape
        self.path = path
        self.match_by_action = match_by_action
        self.clock = ReplayClock()
        self.recorded_served = 0
        self._answers: dict[tuple, list[Interaction]] = {}
        self._served: dict[tuple, int] = {}
        for item in tape.interactions:
            self._answers.setdefault(self._key(item.service, item.action, item.parameters), []).append(item)

    def _key(self, service: str, action: str, parameters: dict[str, Any]) -> tuple:
        if self.match_by_action:
            return (service, action, ())
        return match_key(service, action, parameters, self.tape.account_redacted)

    def answer(self, service: str, action: str, parameters: dict[str, Any]) -> dict[str, Any]:
        """The `call_api` result for this call, or the recorded SDK exception raised again."""
        key = self._key(service, action, parameters)
        answers = self._answers.get(key)
        if not answers:
            raise TapeMiss(f"tape {self.path} has no answer for {service}:{action} {_shown(key[2])}".rstrip(),
                           f"{service}:{action}")
        served = self._served.get(key, 0)
        self._served[key] = served + 1
        if served < len(answers):
            self.recorded_served += 1
        elif served - len(answers) >= self.REPEATS_PAST_THE_END:
            raise TapeMiss(f"tape {self.path} ended: {service}:{action} was asked {served - len(answers) + 1} "
                           "times after its last recorded answer", f"{service}:{action}")
        item = answers[min(served, len(answers) - 1)]
        if item.error is not None:
            raise _sdk_exception(item.error)
        response = item.response or {}
        headers = {"content-type": "application/json"}
        if response.get("request_id"):
            headers["x-acs-request-id"] = response["request_id"]
        return {"body": response.get("body"), "headers": headers, "statusCode": int(response.get("status", 200))}


def _shown(parameters: tuple, limit: int = 160) -> str:
    """A call's parameters as a message shows them: each value cut, the whole cut to `limit` characters."""
    text = " ".join(f"{k}={v if len(v) <= 40 else v[:39] + '…'}" for k, v in parameters)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _sdk_exception(error: dict[str, Any]) -> Exception:
    from alibabacloud_tea_openapi import exceptions as sdk_exceptions

    name = error.get("class") if error.get("class") in ERROR_CLASSES else "ClientException"
    data = dict(error.get("data") or {})
    return getattr(sdk_exceptions, name)(
        status_code=error.get("status"), code=error.get("code"), message=error.get("message"),
        request_id=error.get("request_id"), data=data, retry_after=error.get("retry_after"),
        access_denied_detail=data.get("AccessDeniedDetail"),
    )


class TapeRecorder:
    """Appends every call to a tape file, saving after each call so an interrupted run keeps what it saw.

    Made before anything is sent: a path that cannot be written (or a symbolic link, or a tape that does not load)
    is a usage error then, not after the first call. A save that fails later (a full disk) is RecordingFailed."""

    def __init__(self, path: Path, region: str, redact_account: bool):
        self.path = path
        try:
            check_writable(path)
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise UsageError(f"--record {path}: cannot record there: {reason} (nothing was sent)") from exc
        self.tape = Tape.load(path) if path.exists() else Tape(region=region)
        self.tape.region = self.tape.region or region
        self.tape.account_redacted = self.tape.account_redacted or redact_account
        self.tape.recorded_at = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def response(self, service: str, version: str, action: str, parameters: dict, result: dict) -> None:
        body = result.get("body")
        headers = result.get("headers") or {}
        request_id = (body or {}).get("RequestId") if isinstance(body, dict) else None
        self._add(Interaction(service, version, action, public_parameters(parameters), response={
            "status": result.get("statusCode", 200),
            "request_id": request_id or headers.get("x-acs-request-id"),
            "body": body,
        }))

    def error(self, service: str, version: str, action: str, parameters: dict, exc: Exception) -> None:
        data = dict(getattr(exc, "data", None) or {})
        data.pop("statusCode", None)   # added by the SDK, not part of the answer
        self._add(Interaction(service, version, action, public_parameters(parameters), error={
            "class": type(exc).__name__,
            "status": getattr(exc, "status_code", None),
            "code": getattr(exc, "code", None),
            "message": getattr(exc, "message", None),
            "request_id": getattr(exc, "request_id", None),
            "retry_after": getattr(exc, "retry_after", None),
            "data": data,
        }))

    def _add(self, interaction: Interaction) -> None:
        self.tape.interactions.append(interaction)
        try:
            self.tape.save(self.path)
        except OSError as exc:
            self.tape.interactions.pop()
            raise RecordingFailed(self.path, exc, f"{interaction.service}:{interaction.action}") from exc


def is_recordable_error(exc: BaseException) -> bool:
    """API error answers are recorded; network failures and essctl's own errors are not."""
    return type(exc).__name__ in ERROR_CLASSES
