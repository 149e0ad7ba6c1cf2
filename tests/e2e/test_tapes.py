"""The bundled demo tape is exactly what recording the demo account (through the stub) gives."""
import yaml

from tests.support.cli import REPO


def test_demo_tape_is_a_recording_of_the_demo_account(tmp_path):
    from tools import record_demo_tape

    fresh = tmp_path / "demo.yaml"
    record_demo_tape.record(fresh)
    committed = yaml.safe_load((REPO / "essctl" / "tapes" / "demo.yaml").read_text())
    recorded = yaml.safe_load(fresh.read_text())
    assert recorded["interactions"] == committed["interactions"], "re-record: python -m tools.record_demo_tape"
