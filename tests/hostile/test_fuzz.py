"""Property test of the recipe loader (essctl/recipe/load.py over essctl/yamldoc.py): whatever it is given, mutated
built-in recipes, YAML-ish text or raw bytes, it returns a recipe or raises essctl's own one-line UsageError; never
another exception, never a hang. Derandomized, so CI sees the same few thousand cases on every run."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from essctl.errors import UsageError
from essctl.recipe.inputs import resolve_inputs, stage_parameters
from essctl.recipe.load import load_recipe, parse_recipe
from tests.hostile.corpus import MAX_LINE
from tests.support.cli import REPO

FUZZ = settings(derandomize=True, deadline=None, database=None, print_blob=False,
                suppress_health_check=list(HealthCheck))
BUILTINS = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted((REPO / "recipes").glob("*.yaml"))]
FIELDS = ["name", "title", "description", "reference", "template", "role", "inputs", "parameters", "hook", "policy",
          "policy_variants", "trigger", "scale_in", "transition", "timeout", "default_result", "type", "required",
          "default", "allowed", "example", "help", "derive", "statements", "document", "system", "Effect",
          "Action", "Resource", "Condition", "Version", "Statement", "adjustment", "rule", "OOSAssumeRole"]
WORDS = ["${commandContent}", "${regionId}", "${nope}", "${", "}", "SCALE_IN", "SCALE_OUT", "CONTINUE", "Allow",
         "ecs:RunCommand", "*", "OOSServiceRole", "ACS::ECS::RunCommand", "acs:oos:cn-hangzhou:1:template/x",
         "ACS-ESS-LifeCycleRunCommand", "Number", "Json", "List", "String", "Boolean", "none", "x.yaml",
         "2023-02-30", "\x00", "\x1b[2J", "\u2028", "\ud7ff", "é", "x" * 300, "AliyunECSFullAccess"]
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70), st.floats(),
    st.text(max_size=20), st.sampled_from(WORDS + FIELDS))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=4),
                      max_leaves=12)
# Pieces of YAML syntax and recipe lines that text is made of: anchors, aliases, tags, flow and block collections.
TOKENS = ["&a ", "*a", "&b ", "*b", "<<: *a", "!!binary ", "!!set ", "!!timestamp ", "!!python/object ", "? ", ": ",
          "- ", "[", "]", "{", "}", ", ", "\n", "\n  ", "\n    ", "\t", "'", '"', "\\", "#", "---\n", "...\n",
          ".inf", ".nan", "1e999", "9" * 30, "0x", "~", "|\n  ", ">-\n  ", "%YAML 1.1\n", "\x00", "\x85", "\ufeff",
          *(f"{line}\n" for path in sorted((REPO / "recipes").glob("*.yaml"))
            for line in path.read_text(encoding="utf-8").splitlines()[:40])]


def _paths(document: Any) -> list[tuple]:
    """Every place in a document: the root, each mapping value and each list item (each shared or self-containing
    value once)."""
    found, stack, seen = [], [((), document)], set()
    while stack:
        path, value = stack.pop()
        found.append(path)
        if isinstance(value, (dict, list)) and id(value) not in seen:
            seen.add(id(value))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend(((*path, key), item) for key, item in items)
    return found


def _at(document: Any, path: tuple) -> Any:
    for part in path:
        document = document[part]
    return document


@st.composite
def mutated_recipes(draw: st.DrawFn) -> Any:
    """A built-in recipe with a few changes: a value replaced, a field dropped or added, a value nested deep, or
    shared (an alias) or made to contain itself (a recursive alias)."""
    document = yaml.safe_load(yaml.safe_dump(draw(st.sampled_from(BUILTINS))))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        path = draw(st.sampled_from(_paths(document)))
        if not path:
            document = draw(VALUES) if draw(st.integers(0, 9)) == 0 else document
            continue
        parent, last = _at(document, path[:-1]), path[-1]
        operation = draw(st.sampled_from(["replace", "replace", "drop", "add", "deepen", "share", "recurse"]))
        if operation == "replace":
            parent[last] = draw(VALUES)
        elif operation == "drop":
            del parent[last]
        elif operation == "add" and isinstance(parent[last], dict):
            parent[last][draw(st.sampled_from(FIELDS) | st.text(max_size=8))] = draw(VALUES)
        elif operation == "deepen":
            for _ in range(draw(st.integers(min_value=1, max_value=80))):
                parent[last] = [parent[last]]
        elif operation == "share":
            parent[last] = _at(document, draw(st.sampled_from(_paths(document))))
        elif operation == "recurse" and isinstance(parent, (list, dict)):
            parent[last] = parent
    return document


def _dump(document: Any) -> str | None:
    try:
        return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, RecursionError, ValueError):   # a value PyYAML itself cannot write: nothing to read
        return None


def _loads_or_refuses(read: Any) -> None:
    """`read()` gives a recipe (whose inputs and parameters then resolve) or raises a one-line UsageError."""
    try:
        recipe = read()
        values = resolve_inputs(recipe, {}, use_examples=True)
        for stage in recipe.stages:
            stage_parameters(stage, values)
    except UsageError as exc:
        line = f"essctl: error: {exc}"
        assert "\n" not in line and "\r" not in line, line[:500]
        assert len(line) <= MAX_LINE, line[:500]


@settings(FUZZ, max_examples=1500)
@given(mutated_recipes())
def test_a_mutated_builtin_recipe_loads_or_is_refused_in_one_line(document):
    text = _dump(document)
    if text is not None:
        _loads_or_refuses(lambda: parse_recipe(text, source="fuzz.yaml"))


@settings(FUZZ, max_examples=1500)
@given(st.lists(st.sampled_from(TOKENS) | st.text(max_size=6), max_size=40).map("".join))
def test_yaml_ish_text_loads_or_is_refused_in_one_line(text):
    _loads_or_refuses(lambda: parse_recipe(text, source="fuzz.yaml"))


_FILES = tempfile.TemporaryDirectory(prefix="essctl-fuzz-")


@settings(FUZZ, max_examples=500)
@given(st.binary(max_size=200) | st.lists(st.sampled_from(TOKENS), max_size=20).map(lambda t: "".join(t).encode()),
       st.sampled_from([b"", b"\xff\xfe", b"\xef\xbb\xbf", "name: é\n".encode("latin-1")]))
def test_raw_bytes_in_a_recipe_file_load_or_are_refused_in_one_line(data, prefix):
    path = Path(_FILES.name) / "fuzz.yaml"
    path.write_bytes(prefix + data)
    _loads_or_refuses(lambda: load_recipe(path))
