"""The sandbox's own reader of OOS templates (essctl/sandbox/oos/reader.py)."""
import pytest

from essctl.sandbox.oos.reader import TemplateFormatError, read_template
from essctl.sandbox.oos.templates import standin_templates
from tests.support.ground_truth import OOS_TEMPLATES as SHARED
from tests.support.ground_truth import needs_shared

LOOPED = """
FormatVersion: OOS-2019-06-01
Parameters:
  instanceIds: {Type: List, Default: ['${instanceIds}']}
  mode: {Type: String, AllowedValues: [a, b], Default: a}
  OOSAssumeRole: {Type: String, Default: OOSServiceRole}
RamRole: '{{ OOSAssumeRole }}'
Tasks:
  - Name: run
    Action: ACS::ECS::RunCommand
    OnSuccess: done
    OnError: ACS::END
    Properties: {instanceId: '{{ ACS::TaskLoopItem }}'}
    Loop: {Items: '{{ instanceIds }}', RateControl: {Mode: Concurrency, Concurrency: 2, MaxErrors: 0},
           Outputs: {outs: {AggregateType: Fn::ListJoin, AggregateField: out}}}
    Outputs: {out: {Type: String, ValueSelector: invocationOutput}}
  - Name: done
    Action: ACS::ExecuteAPI
    Properties: {Service: ESS, API: CompleteLifecycleAction}
Outputs: {outs: {Type: List, Value: '{{ run.outs }}'}}
"""


def test_reads_parameters_role_tasks_loops_and_branches():
    template = read_template(LOOPED, "Looped")
    assert list(template.parameters) == ["instanceIds", "mode", "OOSAssumeRole"]
    assert template.parameters["mode"].allowed_values == ["a", "b"] and template.parameters["mode"].has_default
    assert template.ram_role == "{{ OOSAssumeRole }}"
    run = template.task("run")
    assert (run.action, run.on_success, run.on_error) == ("ACS::ECS::RunCommand", "done", "ACS::END")
    assert run.loop.items == "{{ instanceIds }}" and run.loop.rate_control["Concurrency"] == 2
    assert run.loop.outputs["outs"]["AggregateField"] == "out" and run.outputs["out"]["Type"] == "String"
    assert template.task("done").loop is None and list(template.outputs) == ["outs"]


@pytest.mark.parametrize("text, problem", [
    ("[]", "expected a mapping"),
    ("Tasks: []", "Tasks: expected a list"),
    ("Tasks: [{Name: a}]", "Action"),
    ("Tasks: [{Name: a, Action: ACS::Sleep, OnError: b}]", "no task named b"),
    ("Parameters: {x: {Type: Text}}\nTasks: [{Name: a, Action: ACS::Sleep}]", "Parameters.x.Type"),
    ("Tasks: [{Name: a, Action: ACS::Sleep, Loop: {Concurrency: 2}}]", "Loop.Items"),
    ("Tasks: [{Name: a, Action: ACS::Sleep}", "not YAML"),
])
def test_rejects_what_is_not_a_template(text, problem):
    with pytest.raises(TemplateFormatError, match=problem):
        read_template(text, "Broken")


def test_reads_every_stand_in():
    for name, text in standin_templates().items():
        assert read_template(text, name).tasks


@needs_shared
def test_reads_every_public_template_and_nested_action():
    paths = sorted(SHARED.rglob("*.yml"))
    assert len(paths) > 150
    for path in paths:
        assert read_template(path.read_text(encoding="utf-8"), path.stem).tasks, path.name
