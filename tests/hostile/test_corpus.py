"""Every case of the hostile-input corpus (tests/hostile/cases_*.py) holds essctl to its promise: see corpus.py."""
from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

import tests.hostile
from tests.hostile.corpus import Case, Listener, environment, materialise, problems
from tests.support.cli import REPO


def all_cases() -> list[Case]:
    cases: list[Case] = []
    for module in pkgutil.iter_modules(tests.hostile.__path__):
        if module.name.startswith("cases_"):
            cases += importlib.import_module(f"tests.hostile.{module.name}").CASES
    return cases


CASES = all_cases()


@pytest.fixture
def listener():
    box = Listener()
    yield box
    box.close()


def test_case_names_are_unique():
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))


def test_the_corpus_covers_every_way_in():
    """At least 150 bad inputs (issue 13), and some through each way input enters essctl."""
    assert len(CASES) >= 150
    ways = {"recipe": ("recipe-",), "-p value": ("param-",), "tape": ("tape-",), "scenario": ("scenario-",),
            "config.json": ("config-",), "credentials.ini": ("credentials-ini-",), "template": ("template-",),
            "option": ("option-",), "group list": ("fleet-list-",), "fleet option": ("fleet-",), "environment": ()}
    seen = {way: [case for case in CASES if case.name.startswith(prefixes)] for way, prefixes in ways.items()
            if prefixes}
    seen["environment"] = [case for case in CASES if set(case.env) - {"HOME"}]
    assert all(len(cases) >= 5 for cases in seen.values()), {way: len(cases) for way, cases in seen.items()}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_bad_input_is_one_line_and_sends_nothing(case, tmp_path, listener, capsys, monkeypatch):
    argv, extra = materialise(case, tmp_path, listener)
    defaults = {"ESSCTL_ENDPOINT": listener.url, "ALIBABA_CLOUD_REGION_ID": "cn-hangzhou"}
    if case.process:
        proc = subprocess.run([sys.executable, "-m", "essctl", *argv], cwd=REPO, capture_output=True, timeout=60,
                              env=environment({**defaults, **extra}, tmp_path / "home"))
        code, out, err = proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")
    else:
        from essctl.cli.app import run

        for key, value in {"HOME": str(tmp_path / "home"), **defaults, **extra}.items():
            monkeypatch.setenv(key, value)
        code = run(argv)
        captured = capsys.readouterr()
        out, err = captured.out, captured.err
    assert problems(case, code, out, err, listener) == [], err[-2000:]
