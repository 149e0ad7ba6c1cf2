"""Mutation check (issue 12): a deliberate mistake in how essctl derives a template's RAM actions must make an
end-to-end test fail. It can only if the sandbox decides Forbidden.RAM by its own rules, never by essctl's.

    .venv/bin/python -m tools.mutation_check [--keep]

Each mutation is applied to a copy of the working tree (essctl/, tests/, recipes/, pyproject.toml); the end-to-end
runs of the built-in recipes against the sandbox then run there. Exit 0 when the unmutated copy passes and every
mutation is caught by at least one failing test.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COPIED = ("essctl", "tests", "recipes", "pyproject.toml")
TESTS = ["tests/e2e/test_recipe_run.py::test_every_builtin_recipe_runs_live_to_success"]
PERMISSIONS = "essctl/template/permissions.py"
DERIVE_LINE = "                out.actions.setdefault(ram_action, []).append(where)\n"


def _drop(action: str) -> tuple[str, str, str]:
    guard = f"                if ram_action == {action!r}:\n                    continue\n"
    return PERMISSIONS, DERIVE_LINE, guard + DERIVE_LINE


# name -> (file, text, replacement)
MUTATIONS: dict[str, tuple[str, str, str]] = {
    "EIP through ECS derived as ecs:AllocateEipAddress (the mistake issue 12 found)": (
        "essctl/data/ram_actions.yaml", "ECS:AllocateEipAddress: {actions: [vpc:AllocateEipAddress]",
        "ECS:AllocateEipAddress: {actions: [ecs:AllocateEipAddress]"),
    "derivation drops ecs:CreateNetworkInterface": _drop("ecs:CreateNetworkInterface"),
    "derivation drops ecs:RunCommand": _drop("ecs:RunCommand"),
    "derivation drops ecs:DescribeInstances": _drop("ecs:DescribeInstances"),
}


def _copy(target: Path) -> None:
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)


def _mutate(root: Path, file: str, text: str, replacement: str) -> None:
    path = root / file
    content = path.read_text(encoding="utf-8")
    if content.count(text) != 1:
        raise SystemExit(f"mutation does not apply: {text!r} is not exactly once in {file}")
    path.write_text(content.replace(text, replacement), encoding="utf-8")


def _failed_tests(root: Path) -> list[str]:
    """The failing test ids of TESTS run in `root` (its own essctl is imported: python -m puts the cwd first)."""
    where = subprocess.run([sys.executable, "-c", "import essctl; print(essctl.__file__)"], cwd=root,
                           capture_output=True, text=True, check=True).stdout.strip()
    if not Path(where).resolve().is_relative_to(root.resolve()):
        raise SystemExit(f"the copy in {root} imports essctl from {where}, not its own")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rf", *TESTS],
                          cwd=root, capture_output=True, text=True, timeout=1800)
    failed = [line.split()[1] for line in proc.stdout.splitlines() if line.startswith("FAILED ")]
    if proc.returncode not in (0, 1):
        raise SystemExit(f"pytest could not run in {root}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return failed


def main(argv: list[str]) -> int:
    keep = "--keep" in argv
    results: list[tuple[str, list[str]]] = []
    with tempfile.TemporaryDirectory(prefix="essctl-mutation-") as scratch:
        for name, change in [("none (baseline)", None), *MUTATIONS.items()]:
            root = Path(scratch) / str(len(results))
            root.mkdir()
            _copy(root)
            if change is not None:
                _mutate(root, *change)
            results.append((name, _failed_tests(root)))
            caught = "baseline" if change is None else ("CAUGHT" if results[-1][1] else "NOT CAUGHT")
            print(f"{caught:10} {name}: {len(results[-1][1])} failing: {', '.join(results[-1][1]) or '-'}",
                  flush=True)
        if keep:
            kept = Path(tempfile.mkdtemp(prefix="essctl-mutation-kept-"))
            shutil.copytree(scratch, kept, dirs_exist_ok=True)
            print(f"copies kept in {kept}")
    baseline_ok = not results[0][1]
    caught = sum(1 for _, failed in results[1:] if failed)
    print(f"baseline {'passes' if baseline_ok else 'FAILS'}; {caught}/{len(MUTATIONS)} mutations caught")
    return 0 if baseline_ok and caught == len(MUTATIONS) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
