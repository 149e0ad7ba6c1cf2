"""Every SDK exception becomes one CloudAPIError carrying service, action, code, message, status, request id."""
from __future__ import annotations

import re

from essctl.cloud.credentials import HOW_TO_CONFIGURE
from essctl.cloud.factory import ThrottlingCodes
from essctl.errors import CloudAPIError, EssctlError, UsageError

NO_ANSWER = "NetworkError"             # essctl's codes for a call that got no answer, or none it could read
UNREADABLE_ANSWER = "InvalidResponse"

_HOST = re.compile(r"host='([^']+)', port=(\d+)")
_CAUSE = re.compile(r"(\[Errno -?\d+\][^'\")]*|Read timed out|Connection aborted|Remote end closed connection without response)")
_SDK_PREFIX = re.compile(r"^code: \d+, (.*?)(?: request id: [^ ]*)?$", re.S)


def _clean(text: str | None) -> str:
    return " ".join(str(text or "").split())


def answer_lost(error: CloudAPIError) -> bool:
    """Whether a call may have been applied although its answer says nothing of it: no answer or an unreadable one,
    a 5xx, or throttling (the server normally refuses before applying; a read-back costs one read)."""
    return (error.code in (NO_ANSWER, UNREADABLE_ANSWER) or (error.status or 0) >= 500
            or error.code in ThrottlingCodes() or error.retry_after_ms is not None)


def to_cloud_error(service: str, action: str, exc: BaseException) -> EssctlError | None:
    """Map an exception raised inside an SDK call; None means it is not an SDK error (a bug: re-raise it)."""
    if isinstance(exc, EssctlError):
        return exc
    # Response errors (ClientException, ServerException, ThrottlingException, old TeaException): duck-typed on code.
    status = getattr(exc, "status_code", None)
    code = getattr(exc, "code", None)
    if code is not None and type(exc).__name__ not in ("UnretryableException",):
        data = getattr(exc, "data", None)
        data = data if isinstance(data, dict) else {}
        message = data.get("Message")
        if not message:
            raw = _clean(getattr(exc, "message", ""))
            match = _SDK_PREFIX.match(raw)
            message = match.group(1) if match else raw
        return CloudAPIError(
            service=service,
            action=action,
            code=str(code),
            message=_clean(message),
            status=status if isinstance(status, int) else data.get("statusCode"),
            request_id=getattr(exc, "request_id", None) or data.get("RequestId"),
            access_denied_detail=getattr(exc, "access_denied_detail", None) or data.get("AccessDeniedDetail"),
            retry_after_ms=_retry_after(exc),
        )
    inner = getattr(exc, "inner_exception", None)
    if type(exc).__name__ == "UnretryableException" and inner is not None:
        if type(inner).__name__ == "RetryError":
            text = str(getattr(inner, "message", inner))
            host = _HOST.search(text)
            cause = _CAUSE.search(text)
            where = f" to {host.group(1)}:{host.group(2)}" if host else ""
            return CloudAPIError(
                service=service, action=action, code=NO_ANSWER,
                message=f"no answer{where}: {_clean(cause.group(1) if cause else text)}",
            )
        if type(inner).__name__ == "CredentialException":
            return UsageError(f"credentials could not be loaded: {_clean(str(inner))}: {HOW_TO_CONFIGURE}")
        return CloudAPIError(
            service=service, action=action, code=UNREADABLE_ANSWER,
            message=f"the endpoint's answer could not be read: {_clean(str(inner))[:200]}",
        )
    return None


def _retry_after(exc: BaseException) -> int | None:
    value = getattr(exc, "retry_after", None)
    return value if isinstance(value, int) and not isinstance(value, bool) else None
