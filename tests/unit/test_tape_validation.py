"""A tape is checked whole when it is loaded: a wrong structure, type or body is one line naming the file, line,
column and field (a UsageError, exit 2), never a crash when the answer is used."""
import copy

import pytest
import yaml

from essctl.cloud.tape import Tape
from essctl.cloud.tape_schema import model_fields
from essctl.errors import UsageError
from tests.support.cli import REPO

DEMO = yaml.safe_load((REPO / "essctl" / "tapes" / "demo.yaml").read_text())


def _first(tape):
    return tape["interactions"][0]


def _body(tape):
    return _first(tape)["response"]["body"]


def _error_instead(tape, error):
    _first(tape).pop("response")
    _first(tape)["error"] = error


MUTATIONS = {
    "parameters-as-a-list": (lambda t: _first(t).update(parameters=["PageNumber"]),
                             "interactions[0].parameters: must be a mapping, got a list"),
    "parameter-as-a-mapping": (lambda t: _first(t)["parameters"].update(RegionId={"a": 1}),
                               "interactions[0].parameters.RegionId: must be a text, number or boolean"),
    "response-as-a-string": (lambda t: _first(t).update(response="ok"),
                             "interactions[0].response: must be a mapping, got a string 'ok'"),
    "status-in-words": (lambda t: _first(t)["response"].update(status="two hundred"),
                        "interactions[0].response.status: must be an integer 200..299, got a string 'two hundred'"),
    "status-of-an-error-as-a-response": (lambda t: _first(t)["response"].update(status=404),
                                         "response.status: must be an integer 200..299, got a number 404"),
    "body-missing": (lambda t: _first(t)["response"].pop("body"), "interactions[0].response: missing required "
                                                                   "field body"),
    "body-as-a-list": (lambda t: _first(t)["response"].update(body=[1]), "response.body: must be a mapping"),
    "list-field-as-a-string": (lambda t: _body(t).update(ScalingGroups="asg-1"),
                               "response.body.ScalingGroups: must be a list (the SDK's model), got a string"),
    "integer-field-as-text": (lambda t: _body(t).update(TotalCount="two"),
                              "response.body.TotalCount: must be an integer (the SDK's model), got a string 'two'"),
    "nested-field-of-the-wrong-type": (lambda t: _body(t)["ScalingGroups"][0].update(MaxSize=[6]),
                                       "body.ScalingGroups[0].MaxSize: must be an integer (the SDK's model)"),
    "null-in-a-list": (lambda t: _body(t)["ScalingGroups"].append(None), "body.ScalingGroups[2]: must not be empty"),
    "service-as-a-list": (lambda t: _first(t).update(service=["ess"]), "interactions[0].service: must be one of ess"),
    "service-unknown": (lambda t: _first(t).update(service="ec2"), "interactions[0].service: must be one of ess"),
    "version-of-another-api": (lambda t: _first(t).update(version="2014-08-28"),
                               "interactions[0].version: must be '2022-02-22'"),
    "action-unknown": (lambda t: _first(t).update(action="DescribeEverything"),
                       "interactions[0].action: ess has no API action 'DescribeEverything'"),
    "action-as-a-number": (lambda t: _first(t).update(action=7), "interactions[0].action: must be an API action"),
    "region-as-a-list": (lambda t: t.update(region=["cn-hangzhou"]), "region: must be a region id"),
    "region-with-dot-dot": (lambda t: t.update(region="../../etc"), "region: must be a region id"),
    "format-as-true": (lambda t: t.update(format=True), "format: expected an essctl tape of format 1"),
    "unknown-top-field": (lambda t: t.update(interaction=[]), "interaction: unknown field (did you mean "
                                                              "interactions?)"),
    "unknown-field-of-a-long-name": (lambda t: _first(t).update({"x" * 5000: 1}), "unknown field"),
    "both-response-and-error": (lambda t: _first(t).update(error={"code": "X", "status": 400}),
                                "interactions[0]: needs exactly one of 'response' or 'error'"),
    "error-as-a-string": (lambda t: _error_instead(t, "boom"), "interactions[0].error: must be a mapping"),
    "error-class-unknown": (lambda t: _error_instead(t, {"class": "ValueError", "code": "X", "status": 400}),
                            "interactions[0].error.class: must be one of ClientException"),
    "error-status-200": (lambda t: _error_instead(t, {"code": "X", "status": 200}),
                         "interactions[0].error.status: must be an integer 400..599"),
    "error-code-as-a-list": (lambda t: _error_instead(t, {"code": ["X"], "status": 400}),
                             "interactions[0].error.code: must be the error code's text"),
    "error-data-as-a-list": (lambda t: _error_instead(t, {"code": "X", "status": 400, "data": [1]}),
                             "interactions[0].error.data: must be a mapping"),
    "access-denied-detail-as-text": (lambda t: _error_instead(t, {"code": "X", "status": 403, "data": {
        "AccessDeniedDetail": "ram:GetRole"}}), "error.data.AccessDeniedDetail: must be a mapping"),
    "retry-after-in-words": (lambda t: _error_instead(t, {"code": "Throttling", "status": 429,
                                                         "retry_after": "soon"}),
                             "interactions[0].error.retry_after: must be an integer"),
    "interactions-as-a-mapping": (lambda t: t.update(interactions={"a": 1}), "interactions: must be a list"),
    "interaction-as-a-string": (lambda t: t["interactions"].insert(0, "call"), "interactions[0]: must be a mapping"),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_a_wrong_tape_is_one_line_naming_file_line_column_and_field(name, tmp_path):
    mutate, expected = MUTATIONS[name]
    tape = copy.deepcopy(DEMO)
    mutate(tape)
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(tape, sort_keys=False, width=120))
    with pytest.raises(UsageError) as caught:
        Tape.load(path)
    message = str(caught.value)
    assert expected in message
    assert message.startswith(f"{path}:") and "\n" not in message and len(message) <= 285


@pytest.mark.parametrize("text, expected", [
    ("", "the file is empty"),
    ("format: 1\nregion: \xff\n", "not UTF-8"),
    ("format: 1\ninteractions: " + "[" * 3000 + "]" * 3000 + "\n", "t.yaml"),
    ("format: 1\ninteractions:\n- service: ess\n  version: '2022-02-22'\n  action: DescribeScalingGroups\n"
     "  response: {status: 200, body: &b {ScalingGroups: [*b]}}\n", "the alias *b refers to itself"),
    ("format: 1\ninteractions:\n- service: ess\n  version: '2022-02-22'\n  action: DescribeScalingGroups\n"
     "  response: {status: 200, body: {Extra: !!binary aGVsbG8=}}\n", "Extra: a !!binary value"),
    ("format: 1\ninteractions:\n- service: ess\n  version: '2022-02-22'\n  action: DescribeScalingGroups\n"
     "  response: {status: 200, body: {Extra: " + "[" * 70 + "]" * 70 + "}}\n", "nested deeper than 64 levels"),
])
def test_text_that_is_not_a_tape_is_one_line(text, expected, tmp_path):
    path = tmp_path / "t.yaml"
    path.write_bytes(text.encode("utf-8", "surrogateescape") if "\xff" not in text
                     else text.replace("\xff", "").encode() + b"\xff\n")
    with pytest.raises(UsageError) as caught:
        Tape.load(path)
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_a_tape_that_is_not_a_regular_file_is_refused_without_reading_it(tmp_path):
    import os
    import threading
    import time

    fifo = tmp_path / "t.yaml"
    os.mkfifo(fifo)        # reading it waits for a writer: one comes only if essctl opens it, so it cannot hang

    def writer():
        for _ in range(50):
            try:
                handle = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.1)
                continue
            os.write(handle, b"format: 1\n")
            os.close(handle)
            return

    threading.Thread(target=writer, daemon=True).start()
    with pytest.raises(UsageError, match="not a regular file"):
        Tape.load(fifo)


def test_every_field_of_every_response_model_is_known_by_its_wire_name():
    import importlib
    import inspect

    for package in ("alibabacloud_ess20220222", "alibabacloud_oos20190601", "alibabacloud_ram20150501"):
        models = importlib.import_module(f"{package}.models")
        for name in dir(models):
            model = getattr(models, name)
            if "ResponseBody" in name and isinstance(model, type):
                assert len(model_fields(model, models)) == len(inspect.signature(model.__init__).parameters) - 1
    ess = importlib.import_module("alibabacloud_ess20220222.models")
    assert model_fields(ess.DescribeScalingGroupsResponseBodyScalingGroups, ess)["VSwitchIds"] == "List[str]"


def test_unknown_body_fields_and_yaml_timestamps_in_the_header_are_kept(tmp_path):
    tape = copy.deepcopy(DEMO)
    _body(tape)["FieldOfANewerServer"] = {"Nested": [1, "two", None]}
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(tape, sort_keys=False).replace("recorded_at: '2026-11-24T10:17:44Z'",
                                                                  "recorded_at: 2026-11-24T10:17:44Z"))
    loaded = Tape.load(path)
    assert loaded.recorded_at.startswith("2026-11-24T10:17:44")
    assert loaded.interactions[0].response["body"]["FieldOfANewerServer"] == {"Nested": [1, "two", None]}
