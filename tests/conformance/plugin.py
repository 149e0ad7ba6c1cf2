"""The pytest side of the conformance suite (loaded by tests/conftest.py): capture the corpus for the whole session,
run the corpus checks after every other test, keep the corpus in .pytest_cache and print the counts at the end."""
from __future__ import annotations

from typing import Any

import pytest

from tests.conformance import capture

CORPUS_CHECKS = "tests/conformance/test_corpus.py"
_uninstall: Any = None


def pytest_sessionstart(session: pytest.Session) -> None:
    global _uninstall
    capture.CORPUS.clear()
    _uninstall = capture.install()


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    """The corpus checks read what every other test sent, so they go last."""
    items.sort(key=lambda item: item.nodeid.split("::", 1)[0] == CORPUS_CHECKS)   # stable: the rest keep their order


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _uninstall
    if _uninstall is not None:
        _uninstall()
        _uninstall = None
    cache = getattr(session.config, "cache", None)
    if cache is not None and capture.CORPUS.requests:
        capture.CORPUS.save(cache.mkdir("conformance") / "corpus.json")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if not (capture.CORPUS.requests or capture.CORPUS.bodies or capture.CORPUS.errors):
        return
    from tests.conformance.report import summary_lines

    terminalreporter.section("conformance")
    for line in summary_lines(capture.CORPUS):
        terminalreporter.write_line(line)
