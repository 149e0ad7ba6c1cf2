"""Sending a mutating call that has no ClientToken (facts/idempotence.py): the SDK sends it once; when its answer
is lost (no answer, a 5xx, throttling) or it answers "already exists", the gateway reads the state back and sends
again only when the change is not there. Each read-back is logged when verbose and kept on the session."""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Generic, TypeVar

from essctl.cloud.errors import answer_lost
from essctl.cloud.factory import BACKOFF_CAP_MS, BACKOFF_PERIOD_MS, MAX_ATTEMPTS, MAX_RETRY_AFTER_MS
from essctl.errors import CloudAPIError

if TYPE_CHECKING:
    from essctl.cloud.session import CloudSession

T = TypeVar("T")
sleep = time.sleep     # tests replace it


@dataclass(frozen=True)
class Found(Generic[T]):
    """What a read-back found, in words: the change in place (with what the call returns), not made (send again),
    or something else in its way (the error stands)."""

    verdict: str          # IN_PLACE | NOT_MADE | IN_THE_WAY
    text: str
    result: T | None = None

    @property
    def in_place(self) -> bool:
        return self.verdict == IN_PLACE


IN_PLACE, NOT_MADE, IN_THE_WAY = "in place", "not made", "in the way"


def in_place(text: str, result: Any = None) -> Found:
    return Found(IN_PLACE, text, result)


def not_made(text: str) -> Found:
    return Found(NOT_MADE, text)


def in_the_way(text: str) -> Found:
    return Found(IN_THE_WAY, text)


@dataclass(frozen=True)
class Check:
    """One read-back after a lost answer or an "already exists": why essctl looked and what it found."""

    service: str
    action: str
    target: str
    cause: str           # the error code that made essctl look
    lost: bool           # the answer was lost (else it said "already exists")
    found: str
    verdict: str         # IN_PLACE | NOT_MADE | IN_THE_WAY, or "unknown" when the read-back failed

    @property
    def in_place(self) -> bool:
        return self.verdict == IN_PLACE

    @property
    def summary(self) -> str:
        return f"{f'answer lost ({self.cause})' if self.lost else self.cause}, read back: {self.found}"

    def to_dict(self) -> dict[str, Any]:
        return {"Service": self.service, "Action": self.action, "Target": self.target, "Cause": self.cause,
                "Lost": self.lost, "Found": self.found, "Verdict": self.verdict}


def send_checked(session: CloudSession, service: str, action: str, target: str, send: Callable[[], T],
                 read_back: Callable[[], Found[T]], *, taken: frozenset[str] = frozenset(),
                 max_sends: int = MAX_ATTEMPTS) -> T:
    """`send()`; after a lost answer, or an error code in `taken` ("already exists"), `read_back()`: the change in
    place is success (its result is returned); after a lost answer with the change not made, send again (at most
    `max_sends` in all, with the SDK's backoff); otherwise the error stands, saying what the read-back found."""
    sends = 1
    while True:
        try:
            return send()
        except CloudAPIError as error:
            lost = answer_lost(error)
            if not lost and error.code not in taken:
                raise
            try:
                found = read_back()
            except CloudAPIError as failed:
                session.checked(Check(service, action, target, error.code, lost, f"the read-back failed "
                                      f"({failed.action} {failed.code})", "unknown"))
                raise _noting(error, f"whether it was applied is unknown: reading it back failed "
                                     f"({failed.action} {failed.code}: {failed.message})") from failed
            session.checked(Check(service, action, target, error.code, lost, found.text, found.verdict))
            if found.in_place:
                return found.result  # type: ignore[return-value]
            if not lost or found.verdict == IN_THE_WAY:
                raise _noting(error, found.text) from error
            if sends >= max_sends:
                raise _noting(error, f"sent {sends} times; read back: {found.text}") from error
            sleep(_delay_ms(error, sends) / 1000)
            sends += 1


def _delay_ms(error: CloudAPIError, sends: int) -> float:
    """The SDK's own policy: the server's x-acs-retry-after, else exponential backoff with equal jitter."""
    if error.retry_after_ms is not None:
        return min(error.retry_after_ms, MAX_RETRY_AFTER_MS)
    ceiling = min(BACKOFF_CAP_MS, BACKOFF_PERIOD_MS * 2 ** sends)
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _noting(error: CloudAPIError, note: str) -> CloudAPIError:
    """The same error, its message followed by what the read-back found."""
    return CloudAPIError(service=error.service, action=error.action, code=error.code,
                         message=f"{error.message.rstrip('.')}; {note}", status=error.status,
                         request_id=error.request_id, access_denied_detail=error.access_denied_detail,
                         retry_after_ms=error.retry_after_ms)
