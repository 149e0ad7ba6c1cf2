"""Test isolation: the SDK credential chain reads the environment once, at import (sdk-internals.md §6), so
this file sets a clean, fake environment before anything imports an SDK. Helpers live in tests/support."""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile

from tests.support.fake_credentials import FAKE_KEY_ID, FAKE_KEY_SECRET, FAKE_STS_TOKEN

_HOME = tempfile.mkdtemp(prefix="essctl-test-home-")
atexit.register(shutil.rmtree, _HOME, True)
for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "DEBUG",
             "ALIBABA_CLOUD_PROFILE", "ALIBABA_CLOUD_REGION_ID", "ESSCTL_ENDPOINT", "NO_COLOR",
             "ALIBABA_CLOUD_CREDENTIALS_FILE", "ALIBABA_CLOUD_CREDENTIALS_URI", "ALIBABA_CLOUD_OIDC_TOKEN_FILE"):
    os.environ.pop(name, None)
os.environ.update({
    "HOME": _HOME,                                   # no developer profile leaks in
    "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",   # never probe 100.100.100.200
    "ALIBABA_CLOUD_ACCESS_KEY_ID": FAKE_KEY_ID,
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": FAKE_KEY_SECRET,
    "ALIBABA_CLOUD_SECURITY_TOKEN": FAKE_STS_TOKEN,
})

import pytest  # noqa: E402

from tests.support.cli import Result  # noqa: E402
from tests.support.stubcloud import StubCloud  # noqa: E402

# The conformance suite (tests/conformance): every request essctl sends and every answer the sandbox serves in this
# session is kept and checked against ../shared/api-reference at the end.
pytest_plugins = ("tests.conformance.plugin",)


@pytest.fixture
def stub():
    with StubCloud() as cloud:
        yield cloud


@pytest.fixture
def cli(capsys):
    """Run essctl in this process; returns exit code, stdout and stderr."""
    from essctl.cli.app import run

    def invoke(*args: str) -> Result:
        code = run([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(int(code), captured.out, captured.err)

    return invoke


@pytest.fixture
def sandbox_factory():
    """Start sandboxes (fast clock by default) that accept the fake credentials above; each is stopped at the
    end, and every body it answered must round-trip its SDK response model."""
    from essctl.sandbox import AccessKey, Sandbox
    from tests.support.sdk_roundtrip import round_trip_problem

    started = []

    def start(scenario=None, *, accept_test_key=True, **options):
        options.setdefault("speed", 200)
        keys = [AccessKey(FAKE_KEY_ID, FAKE_KEY_SECRET, FAKE_STS_TOKEN)] if accept_test_key else []
        box = Sandbox(scenario, credentials=keys, keep_bodies=True, **options).start()
        started.append(box)
        return box

    yield start
    for box in started:
        box.stop()
    problems = [p for box in started for p in (round_trip_problem(*sent) for sent in box.bodies) if p]
    assert problems == [], "the sandbox sent bodies its SDK models do not read back exactly"


@pytest.fixture
def sandbox(sandbox_factory):
    return sandbox_factory()

