"""No AccessKey material in any tape of the repository."""
from pathlib import Path

from tests.support.cli import REPO


def test_no_tape_in_the_repository_holds_key_material():
    tapes = [p for p in REPO.rglob("*.yaml") if ".venv" not in p.parts]
    assert tapes, "expected the bundled tapes"
    for path in tapes:
        if path == REPO / "tests" / "conformance" / "known_exceptions.yaml":
            continue    # a table of error codes (InvalidSecurityToken..., "Authorization header"), not a tape
        text = Path(path).read_text()
        for marker in ("LTAI", "AccessKeySecret", "SecurityToken", "Authorization", "access_key_secret"):
            assert marker not in text, f"{path} holds {marker}"
