"""The list of calls the SDK must not retry (facts/idempotence.py) against the gateways' calls and the SDK's own
request models: every mutating call is on one side, and only the ClientToken side has a ClientToken."""
import importlib
import inspect
import re

import pytest

from essctl.cloud import ess, oos, ram
from essctl.cloud.services import SERVICES
from essctl.cloud.session import is_mutating
from essctl.facts.idempotence import IDEMPOTENT, SENT_ONCE, WITH_CLIENT_TOKEN, sent_once


def _action(method):
    return "".join(part.capitalize() for part in method.split("_"))


@pytest.mark.parametrize("service, gateway", [("ess", ess), ("oos", oos), ("ram", ram)])
def test_every_mutating_call_a_gateway_makes_is_sent_once_carries_a_client_token_or_is_idempotent(service, gateway):
    actions = {_action(m) for m in re.findall(r"self\._client\.(\w+)\(", inspect.getsource(gateway))}
    mutating = {action for action in actions if is_mutating(action)}
    assert mutating       # OOS too: rollouts start, notify and cancel executions
    unlisted = (mutating - SENT_ONCE.get(service, frozenset()) - WITH_CLIENT_TOKEN.get(service, frozenset())
                - IDEMPOTENT.get(service, frozenset()))
    assert unlisted == set()
    assert not IDEMPOTENT.get(service, frozenset()) & SENT_ONCE.get(service, frozenset())


@pytest.mark.parametrize("service", ["ess", "oos", "ram"])
def test_the_sdk_request_models_agree_on_which_calls_have_a_client_token(service):
    models = importlib.import_module(f"{SERVICES[service].package}.models")
    for action in SENT_ONCE.get(service, ()):
        assert not hasattr(getattr(models, f"{action}Request")(), "client_token"), action
        assert sent_once(service, action)
    for action in WITH_CLIENT_TOKEN.get(service, ()):
        assert hasattr(getattr(models, f"{action}Request")(), "client_token"), action
        assert not sent_once(service, action)
