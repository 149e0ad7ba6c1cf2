"""The sandbox decides with its own rules: it imports none of essctl's logic (templates, policies, resources,
recipes, diagnosis, impact), only plumbing (errors, the YAML reader for scenarios, the CLI profile's path)."""
import ast

from tests.support.cli import REPO

PLUMBING = {"essctl.errors", "essctl.yamldoc", "essctl.cloud.settings"}


def test_the_sandbox_imports_no_essctl_logic():
    found = set()
    for path in (REPO / "essctl" / "sandbox").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
            found.update((path.name, n) for n in names if n.startswith("essctl.") and not n.startswith("essctl.sandbox"))
    assert {module for _, module in found} <= PLUMBING, sorted(found)
