"""Re-record the bundled demo tape (essctl/tapes/demo.yaml) from the demo account in
tests/support/demo_world.py.

    .venv/bin/python -m tools.record_demo_tape [OUT]

essctl runs its real path: real SDK clients, signing and HTTP against a loopback stub, with --record.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "essctl" / "tapes" / "demo.yaml"


def record(out: Path) -> None:
    os.environ.setdefault("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
    os.environ.setdefault("ALIBABA_CLOUD_ACCESS_KEY_ID", "demo-recording-key-id")
    os.environ.setdefault("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "demo-recording-key-secret")
    from essctl.cli.app import run
    from tests.support import demo_world
    from tests.support.stubcloud import StubCloud

    out.unlink(missing_ok=True)
    with demo_world.script(StubCloud()) as cloud:
        for command in demo_world.DEMO_COMMANDS:
            run(["--endpoint", cloud.url, "--region", demo_world.REGION, "--record", str(out),
                 "--redact-account", "--output", "json", *command])


if __name__ == "__main__":
    record(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)
