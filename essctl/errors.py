"""Errors essctl raises; each knows its exit code and prints as one line."""
from __future__ import annotations

import errno
import reprlib
from typing import Any

from essctl.exitcodes import ExitCode

ECHO_LIMIT = 60     # characters of a value an error message repeats
_ECHO = reprlib.Repr()
_ECHO.maxlevel, _ECHO.maxdict, _ECHO.maxlist, _ECHO.maxtuple, _ECHO.maxset = 2, 4, 4, 4, 4
_ECHO.maxstring = _ECHO.maxother = _ECHO.maxlong = ECHO_LIMIT


def shorten(value: Any, limit: int = ECHO_LIMIT) -> str:
    """A value as an error message repeats it: its repr (control characters escaped), cut to `limit` characters.
    A large or self-containing structure is never rendered whole, and a huge integer is described, not written."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
    text = repr(value[:limit]) if isinstance(value, str) else _ECHO.repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


class EssctlError(Exception):
    """Base class: `str(error)` is the one line shown to the user."""

    exit_code: ExitCode = ExitCode.OPERATION_FAILED


class UsageError(EssctlError):
    """Bad input or configuration; nothing was sent."""

    exit_code = ExitCode.USAGE


class InputError(UsageError):
    """A value given for a named field (an input, an option) that cannot be used. The core names the field; the
    command line words it as the flag it came by (`input.commandContent` -> `-p commandContent`)."""

    def __init__(self, field: str, problem: str):
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class TapeMiss(UsageError):
    """A replayed call that the tape has no answer for (`call`: service:Action)."""

    def __init__(self, message: str, call: str | None = None):
        self.call = call
        super().__init__(message)


class TapeEnded(EssctlError):
    """A replayed watch reached the end of its tape while something still ran (a recording cut short during its
    watch): what a longer wait would have shown is not on the tape."""

    exit_code = ExitCode.TIMEOUT


class RecordingFailed(EssctlError):
    """The tape being recorded (--record) could not be written (disk full, permissions, ...). The call that was
    being recorded had been sent; the tape keeps every call before it."""

    exit_code = ExitCode.IO_ERROR

    def __init__(self, path: Any, error: OSError, action: str | None = None):
        self.path = path
        self.error = error
        self.action = action
        reason = error.strerror or str(error)
        code = errno.errorcode.get(error.errno or 0)
        sent = f"; {action} was sent and is not on the tape" if action else ""
        super().__init__(f"--record {path}: cannot write the tape: {reason}" + (f" ({code})" if code else "") + sent)


class CloudAPIError(EssctlError):
    """An error answer (or no answer) from an Alibaba Cloud API, whatever SDK raised it."""

    exit_code = ExitCode.API_ERROR

    def __init__(
        self,
        *,
        service: str,
        action: str,
        code: str,
        message: str,
        status: int | None = None,
        request_id: str | None = None,
        access_denied_detail: dict[str, Any] | None = None,
        retry_after_ms: int | None = None,
    ):
        self.service = service
        self.action = action
        self.code = code
        self.message = message
        self.status = status
        self.request_id = request_id
        self.access_denied_detail = access_denied_detail or None
        self.retry_after_ms = retry_after_ms       # the wait the server asked for (x-acs-retry-after)
        super().__init__(self.one_line())

    def one_line(self) -> str:
        line = f"{self.service}:{self.action} {self.code}: {self.message}"
        if self.access_denied_detail and self.access_denied_detail.get("AuthAction"):
            line += f" [denied action {self.access_denied_detail['AuthAction']}]"
        if self.request_id:
            line += f" (request id {self.request_id})"
        return line


class PreconditionFailed(EssctlError):
    """The cloud is not in a state the operation can run in (a missing role, group or quota); nothing was changed."""


class Interrupted(EssctlError):
    """Ctrl-C before anything was changed (the message says so); after a change, the run's report says what was
    done instead."""

    exit_code = ExitCode.INTERRUPTED


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """A name as a message repeats it, unquoted: control characters escaped, cut to `limit` characters."""
    escaped = repr(text[:limit])[1:-1]
    return escaped if len(escaped) <= limit and len(text) <= limit else escaped[:limit - 1] + "…"
