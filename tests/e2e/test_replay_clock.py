"""Replays run on a virtual clock: polling a tape advances virtual time instead of spinning, the watch's time-out
counts virtual seconds, and a tape that runs out of answers before the watch sees an end stops it at once (exit 4,
one line saying what still ran and that the tape ended). A recording interrupted during its watch is such a tape."""
import copy
import json

import pytest
import yaml

from essctl.cloud.tape import TapePlayer
from essctl.errors import TapeEnded, TapeMiss
from tests.support.cli import REPO

RUN_COMMAND = yaml.safe_load((REPO / "essctl" / "tapes" / "recipe-run-command.yaml").read_text())


def _indexes(tape, action):
    return [index for index, item in enumerate(tape["interactions"]) if item["action"] == action]


def _cut_before(action, occurrence):
    """The recipe's tape as a recording interrupted just before the `occurrence`-th call of `action`."""
    tape = copy.deepcopy(RUN_COMMAND)
    tape["interactions"] = tape["interactions"][:_indexes(tape, action)[occurrence]]
    return tape


def _write(tmp_path, tape):
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(tape, sort_keys=False, allow_unicode=True, width=120))
    return path


def _one_line(result):
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and len(lines[0]) <= 300 and "Traceback" not in result.err, result.err[-3000:]
    return lines[0]


def test_a_tape_cut_during_the_watch_ends_it_at_once_with_exit_4(cli, tmp_path):
    # cut at the round after the first that lists the execution (it runs): the tape ends while it still runs
    first_listing = _indexes(RUN_COMMAND, "ListExecutions")[0]
    rounds = sum(1 for index in _indexes(RUN_COMMAND, "DescribeScalingActivities") if index < first_listing)
    path = _write(tmp_path, _cut_before("DescribeScalingActivities", rounds))
    result = cli("-o", "json", "recipe", "run", "run-command", "--dry-run", "--tape", path, "--timeout", "60")

    assert result.code == 4
    line = _one_line(result)
    assert line.startswith("essctl: error: tape t.yaml ended with the watch still running (activity "
                           "asa-sbx2159035d22429f030 InProgress, execution exec-")
    assert "it holds no later answer" in line
    replayed = [c for c in json.loads(result.out)["Calls"] if c["Action"] == "DescribeScalingActivities"]
    assert len(replayed) == rounds + 1      # the recorded rounds, and the one that found nothing new


def test_a_tape_cut_inside_the_first_round_ends_the_watch_naming_the_missing_call(cli, tmp_path):
    path = _write(tmp_path, _cut_before("DescribeLifecycleActions", 0))
    result = cli("recipe", "run", "run-command", "--dry-run", "--tape", path)
    assert result.code == 4
    line = _one_line(result)
    assert "ended with the watch still running (activity asa-sbx2159035d22429f030 InProgress" in line
    assert "): it has no answer for ess:DescribeLifecycleActions" in line


def test_a_whole_tape_still_replays_to_its_end(cli):
    result = cli("-o", "json", "recipe", "run", "run-command", "--dry-run")
    assert result.code == 0 and result.err == ""
    assert yaml.safe_load(result.out)["Outcome"] == "succeeded"


def _session(path):
    from essctl.cloud.gateway import Cloud
    from essctl.cloud.session import CloudSession
    from essctl.cloud.settings import CloudSettings

    return Cloud(CloudSession(CloudSettings(tape=path)))


def test_polling_a_tape_advances_virtual_time_and_never_sleeps(tmp_path):
    from essctl.watch.watcher import Pacing, Watcher

    def no_real_sleep(seconds):
        raise AssertionError("a replay slept for real")

    cloud = _session(_write(tmp_path, RUN_COMMAND))
    activity = "asa-sbx2159035d22429f030"
    pacing = Pacing(first=2.0, longest=15.0, sleep=no_real_sleep)
    result = Watcher(cloud, lambda event: None, timeout=900, pacing=pacing).activity(
        activity)
    assert result.succeeded and not result.timed_out
    rounds = sum(1 for call in cloud.calls if call.action == "DescribeScalingActivities")
    assert rounds > 2
    # the waits between rounds, in virtual seconds: 1 s after a change, up to 3 s while the execution runs
    assert 1.0 * (rounds - 1) <= result.seconds <= 3.0 * (rounds - 1)
    assert cloud.replay.clock.now() == pytest.approx(result.seconds)


def test_the_watch_time_out_counts_virtual_seconds(tmp_path):
    from essctl.watch.watcher import Pacing, Watcher

    tape = _cut_before("DescribeScalingActivities", 1)
    first_round = tape["interactions"][_indexes(RUN_COMMAND, "DescribeScalingActivities")[0]:]
    for progress in range(1, 40):       # an activity that keeps moving: each round brings a new answer
        again = copy.deepcopy(first_round)
        again[0]["response"]["body"]["ScalingActivities"][0]["Progress"] = progress
        tape["interactions"] += again
    cloud = _session(_write(tmp_path, tape))
    result = Watcher(cloud, lambda event: None, timeout=30, pacing=Pacing(first=2.0, longest=15.0)).activity(
        "asa-sbx2159035d22429f030")
    assert result.timed_out and result.seconds >= 30
    # each round sees a change, so the next comes 1 s later: rounds at 0, 1, ... 30 virtual seconds, the last ends it
    assert sum(1 for call in cloud.calls if call.action == "DescribeScalingActivities") == 31


def test_a_trigger_that_keeps_waiting_on_a_tape_gives_up_when_the_tape_has_nothing_new(cli, tmp_path):
    tape = copy.deepcopy(RUN_COMMAND)
    [index] = _indexes(tape, "ExecuteScalingRule")
    call = tape["interactions"][index]
    call.pop("response")
    call["error"] = {"class": "ClientException", "status": 400, "code": "ScalingActivityInProgress",
                     "message": "code: 400, another activity is in progress request id: R-1", "request_id": "R-1",
                     "data": {"Code": "ScalingActivityInProgress", "Message": "another activity is in progress",
                              "RequestId": "R-1"}}
    result = cli("-o", "table", "recipe", "run", "run-command", "--dry-run", "--tape", _write(tmp_path, tape),
                 "--timeout", "5")
    waits = [text for text in result.out.splitlines() if "trigger: ScalingActivityInProgress; retrying" in text]
    assert len(waits) == 1          # the recorded answer, then its repeat: the tape has nothing more to say
    assert result.code != 70 and "Traceback" not in result.err


def test_a_call_repeated_far_past_the_end_of_the_tape_ends_the_replay(tmp_path):
    from essctl.cloud.tape import Tape

    player = TapePlayer(Tape.load(_write(tmp_path, RUN_COMMAND)), tmp_path / "t.yaml", match_by_action=True)
    for _ in range(TapePlayer.REPEATS_PAST_THE_END + 1):
        player.answer("ess", "DescribeScalingGroups", {})
    with pytest.raises(TapeMiss, match="ended: ess:DescribeScalingGroups was asked 1001 times after its last"):
        player.answer("ess", "DescribeScalingGroups", {})


def test_tape_ended_is_a_time_out_for_scripts():
    assert int(TapeEnded("x").exit_code) == 4
