"""Property: whatever a tape file holds, loading it either gives a tape whose every answer the SDK and essctl can
use, or fails with essctl's own one-line error (a UsageError naming the file), never any other exception.

Inputs: structured mutations of calls taken from the bundled tapes (a value anywhere replaced by a hostile one, a
field removed or added, a list item repeated), text-level edits of those tapes, and raw text and bytes.
Deterministic (derandomize), no example database.
"""
from __future__ import annotations

import copy
import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from essctl.cloud.errors import to_cloud_error
from essctl.cloud.tape import Tape, TapePlayer, _sdk_exception
from essctl.cloud.tape_schema import MAX_MESSAGE, sdk_models
from essctl.errors import EssctlError, UsageError
from tests.support.cli import REPO

BUNDLED = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted((REPO / "essctl" / "tapes").glob("*.yaml"))]
CALLS = [call for tape in BUNDLED for call in tape["interactions"]]
HEADER = {key: value for key, value in BUNDLED[0].items() if key != "interactions"}
KEYS = sorted({"format", "region", "interactions", "service", "version", "action", "parameters", "response",
               "error", "status", "body", "class", "code", "data", "retry_after", "request_id", "message",
               "AccessDeniedDetail", "ScalingGroups", "TotalCount", "ScalingActivities", "StatusCode", "Role",
               "Policies", "Policy", "Executions", "Content", "LifecycleHooks", "Template", "TemplateVersion"})
SETTINGS = settings(derandomize=True, database=None, deadline=None, print_blob=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-1, max_value=600), st.floats(),
    st.text(max_size=20),
    st.sampled_from(["", "../../../etc/passwd", "ess", "oos", "ram", "ecs", "2022-02-22", "2019-06-01", "cn-hangzhou",
                     "DescribeScalingGroups", "GetTemplate", "ClientException", "InProgress", "v1", "x" * 400,
                     "2026-11-20 02:11:00", "200", "Throttling"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner,
                                                 max_size=4)), max_leaves=8)


def _containers(node, path=()):
    """Every (path, container) of a document, the root first."""
    found = [(path, node)]
    if isinstance(node, dict):
        for key, child in node.items():
            if isinstance(child, (dict, list)):
                found += _containers(child, (*path, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            if isinstance(child, (dict, list)):
                found += _containers(child, (*path, index))
    return found


@st.composite
def mutated_tapes(draw):
    """Calls from the bundled tapes under the bundled header, with one to three structured mutations."""
    calls = copy.deepcopy(draw(st.lists(st.sampled_from(CALLS), min_size=1, max_size=3)))
    tape = {**HEADER, "interactions": calls}
    for _ in range(draw(st.integers(1, 3))):
        path, container = draw(st.sampled_from(_containers(tape)))
        keys = list(container) if isinstance(container, dict) else list(range(len(container)))
        operation = draw(st.sampled_from(["replace", "replace", "remove", "add", "repeat"]))
        if operation == "add" or not keys:
            if isinstance(container, dict):
                container[draw(st.sampled_from(KEYS))] = draw(values)
            else:
                container.append(draw(values))
            continue
        key = draw(st.sampled_from(keys))
        if operation == "replace":
            container[key] = draw(values)
        elif operation == "remove":
            del container[key]
        elif isinstance(container, list):
            container.append(copy.deepcopy(container[key]))
        else:
            container[key] = [container[key], container[key]]
    return yaml.safe_dump(tape, sort_keys=False, allow_unicode=True, width=120)


YAML_BITS = st.sampled_from(["\n", "  ", "- ", ": ", "[", "]", "{", "}", "&a ", "*a", "!!binary ", "!!set ", "'",
                             '"', "#", "|\n", "\t", "? ", "...", "---", "%YAML 1.1\n", "<<: *a", "\\", "\x00", "\ufeff",
                             "\u2028", "1e400", "0x1F", "~", "!!python/name:os.system"])


@st.composite
def edited_tapes(draw):
    """A bundled call's YAML text with a few edits: a slice cut, YAML syntax or any text put in, lines swapped."""
    text = yaml.safe_dump({**HEADER, "interactions": [draw(st.sampled_from(CALLS))]}, sort_keys=False, width=120)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["cut", "insert", "insert", "swap"]))
        if edit == "cut":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        elif edit == "insert":
            text = text[:at] + draw(st.one_of(YAML_BITS, st.text(max_size=6))) + text[at:]
        else:
            lines = text.split("\n")
            first, second = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[first], lines[second] = lines[second], lines[first]
            text = "\n".join(lines)
    return text


raw_inputs = st.one_of(
    st.binary(max_size=200),
    st.builds(lambda rest: b"format: 1\ninteractions:\n" + rest, st.binary(max_size=200)),
    st.text(max_size=200),
    st.lists(YAML_BITS | st.text(max_size=4), max_size=30).map("".join),
)


@pytest.fixture(scope="module")
def tape_file(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "t.yaml"


def loads_or_fails_in_one_line(path, content):
    """The property: a UsageError of one line naming the file, or a tape every answer of which can be used."""
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    try:
        tape = Tape.load(path)
    except EssctlError as exc:
        message = str(exc)
        assert isinstance(exc, UsageError) and int(exc.exit_code) == 2
        assert message.startswith(str(path)) and "\n" not in message and len(message) <= MAX_MESSAGE, message
        return
    player = TapePlayer(tape, path)
    for item in tape.interactions:
        try:
            result = player.answer(item.service, item.action, item.parameters)
        except Exception as exc:                   # a recorded error: the SDK's exception, then essctl's error
            if isinstance(exc, EssctlError):
                raise
            error = to_cloud_error(item.service, item.action, exc)
            assert isinstance(error, EssctlError) and "\n" not in str(error)
            continue
        models = sdk_models(item.service)
        body = getattr(models, f"{item.action}ResponseBody")().from_map(result["body"])
        json.dumps(body.to_map(), default=str)
        assert isinstance(result["statusCode"], int)
    assert not any(item.error is not None and _sdk_exception(item.error) is None for item in tape.interactions)


@settings(SETTINGS, max_examples=1200)
@given(content=mutated_tapes())
def test_mutated_bundled_tapes_load_or_fail_in_one_line(tape_file, content):
    loads_or_fails_in_one_line(tape_file, content)


@settings(SETTINGS, max_examples=1000)
@given(content=edited_tapes())
def test_edited_tape_text_loads_or_fails_in_one_line(tape_file, content):
    loads_or_fails_in_one_line(tape_file, content)


@settings(SETTINGS, max_examples=1000)
@given(content=raw_inputs)
def test_raw_text_and_bytes_load_or_fail_in_one_line(tape_file, content):
    loads_or_fails_in_one_line(tape_file, content)
