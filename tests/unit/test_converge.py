"""send_checked, the read-back after a lost answer or an "already exists" (essctl/cloud/converge.py), with scripted
sends and read-backs: what is sent again, what is success, and what error stands."""
import pytest

from essctl.cloud import converge
from essctl.cloud.converge import in_place, in_the_way, not_made, send_checked
from essctl.cloud.errors import answer_lost
from essctl.errors import CloudAPIError


def _error(code, status=400, retry_after_ms=None):
    return CloudAPIError(service="ram", action="CreatePolicy", code=code, message="The answer.", status=status,
                         request_id="REQ-1", retry_after_ms=retry_after_ms)


LOST = _error("ServiceUnavailable", 503)


class _Session:
    def __init__(self):
        self.checks = []

    def checked(self, check):
        self.checks.append(check)


class _Script:
    """Each call answers the next item: an exception is raised, anything else returned."""

    def __init__(self, *answers):
        self.answers, self.calls = list(answers), 0

    def __call__(self):
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def slept(monkeypatch):
    waits = []
    monkeypatch.setattr(converge, "sleep", waits.append)
    return waits


def _send(session, send, read_back, **options):
    return send_checked(session, "ram", "CreatePolicy", "policy P", send, read_back, **options)


@pytest.mark.parametrize("error, lost", [
    (LOST, True), (_error("InternalError", 500), True), (_error("Throttling.User"), True),
    (_error("NetworkError", None), True), (_error("InvalidResponse", None), True),
    (_error("SomeCode", 400, retry_after_ms=10), True),
    (_error("EntityAlreadyExists.Policy", 409), False), (_error("Forbidden.RAM", 403), False),
])
def test_which_answers_are_lost(error, lost):
    assert answer_lost(error) is lost


def test_a_lost_answer_with_the_change_in_place_is_success_without_a_second_send(slept):
    session, send, read_back = _Session(), _Script(LOST), _Script(in_place("same document", "v2"))
    assert _send(session, send, read_back) == "v2"
    assert (send.calls, read_back.calls, slept) == (1, 1, [])
    [check] = session.checks
    assert (check.cause, check.found, check.in_place) == ("ServiceUnavailable", "same document", True)


def test_a_lost_answer_with_the_change_not_made_is_sent_again_after_the_backoff(slept):
    session = _Session()
    send = _Script(_error("Throttling.User", retry_after_ms=150), "made")
    assert _send(session, send, _Script(not_made("no policy P"))) == "made"
    assert send.calls == 2 and slept == [0.15]
    assert [c.verdict for c in session.checks] == ["not made"]


def test_already_exists_with_the_same_content_is_success_and_with_another_the_error_stands(slept):
    taken = frozenset({"EntityAlreadyExists.Policy"})
    exists = _error("EntityAlreadyExists.Policy", 409)
    assert _send(_Session(), _Script(exists), _Script(in_place("same")), taken=taken) is None
    with pytest.raises(CloudAPIError) as caught:
        _send(_Session(), _Script(exists), _Script(in_the_way("a policy P exists with another document")),
              taken=taken)
    assert caught.value.code == "EntityAlreadyExists.Policy" and caught.value.request_id == "REQ-1"
    assert caught.value.message == "The answer; a policy P exists with another document"


def test_another_error_is_not_read_back():
    read_back = _Script()
    with pytest.raises(CloudAPIError) as caught:
        _send(_Session(), _Script(_error("Forbidden.RAM", 403)), read_back)
    assert caught.value.code == "Forbidden.RAM" and read_back.calls == 0


def test_something_else_in_the_way_after_a_lost_answer_is_not_sent_again(slept):
    send = _Script(LOST)
    with pytest.raises(CloudAPIError) as caught:
        _send(_Session(), send, _Script(in_the_way("policy P does not exist")))
    assert send.calls == 1 and caught.value.code == "ServiceUnavailable"
    assert caught.value.message.endswith("; policy P does not exist")


def test_a_failed_read_back_leaves_the_original_error_saying_it_is_unknown():
    session = _Session()
    failed = CloudAPIError(service="ram", action="GetPolicy", code="NetworkError", message="no answer")
    with pytest.raises(CloudAPIError) as caught:
        _send(session, _Script(LOST), _Script(failed))
    assert caught.value.code == "ServiceUnavailable"
    assert "whether it was applied is unknown: reading it back failed (GetPolicy NetworkError" in caught.value.message
    assert session.checks[0].verdict == "unknown"


def test_sends_stop_at_the_limit_each_after_a_read_back(slept):
    send, read_back = _Script(LOST, LOST, LOST, LOST), _Script(*[not_made("no policy P")] * 4)
    with pytest.raises(CloudAPIError) as caught:
        _send(_Session(), send, read_back)
    assert (send.calls, read_back.calls, len(slept)) == (4, 4, 3)
    assert "sent 4 times; read back: no policy P" in caught.value.message
