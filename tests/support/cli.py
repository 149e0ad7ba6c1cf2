"""Running essctl from a test: what a run gives back, and `python -m essctl` as a separate process."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    out: str
    err: str


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment with no credentials at all, for essctl run as a separate process."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("ALIBABA_CLOUD_") and key not in ("ESSCTL_ENDPOINT", "DEBUG")}
    env.update({"HOME": str(home), "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", "NO_COLOR": "1"})
    env.update(extra)
    return env


def run_essctl(*args: str, env: dict[str, str], python_flags: tuple[str, ...] = ()) -> Result:
    """Run `python -m essctl` as a separate process, as a user's shell would."""
    proc = subprocess.run([sys.executable, *python_flags, "-m", "essctl", *map(str, args)],
                          env=env, capture_output=True, text=True, timeout=60, cwd=REPO)
    return Result(proc.returncode, proc.stdout, proc.stderr)
