"""Every tape in the repository round-trips through the SDK's own response models; a malformed tape is a
one-line usage error."""
import pytest

from essctl.cloud.services import SERVICES
from essctl.cloud.tape import Tape
from essctl.errors import UsageError
from tests.support.cli import REPO
from tests.support.sdk_roundtrip import round_trip_problem

TAPES = sorted(p for p in REPO.rglob("*.yaml") if ".venv" not in p.parts and "tapes" in p.parts)


def test_there_are_tapes_to_check():
    assert any(p.name == "demo.yaml" for p in TAPES)


@pytest.mark.parametrize("path", TAPES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_response_body_round_trips_through_the_sdk_model(path):
    tape = Tape.load(path)
    assert tape.interactions
    for item in tape.interactions:
        spec = SERVICES[item.service]
        assert item.version == spec.api_version
        if item.error is not None:
            assert item.error["code"] and item.error["status"] >= 400
            continue
        assert round_trip_problem(item.service, item.action, item.response["body"]) is None


def test_malformed_tapes_are_one_line_usage_errors(tmp_path):
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("format: 1\ninteractions: [\n")
    with pytest.raises(UsageError, match=r"bad.yaml:3:1: yaml: expected the node content"):
        Tape.load(bad_yaml)
    no_action = tmp_path / "no-action.yaml"
    no_action.write_text("format: 1\ninteractions:\n- service: ess\n  version: '2022-02-22'\n  response: {}\n")
    with pytest.raises(UsageError, match=r"no-action.yaml:3:3: interactions\[0\]: missing required field action"):
        Tape.load(no_action)
