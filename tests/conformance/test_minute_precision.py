"""ESS writes an activity's StartTime and EndTime and an instance's CreationTime to the minute (2020-09-10T09:54Z,
api-docs/ess/DescribeScalingActivities.md and DescribeScalingInstances.md; CreatedTime keeps the seconds). The
sandbox answers the same, so essctl meets the precision it will meet in production (what diagnose makes of a
same-minute end: tests/unit/test_diagnosis.py)."""
import re

from tests.support.sandbox_steps import create_rule, execute, finished, instances, session, wait_for

MINUTES = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ")
SECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def test_the_sandbox_writes_activity_and_instance_times_to_the_minute(sandbox):
    s = session(sandbox)
    activity_id = execute(s, create_rule(s))
    done = wait_for(lambda: finished(s, activity_id))
    assert MINUTES.fullmatch(done.start_time) and MINUTES.fullmatch(done.end_time), (done.start_time, done.end_time)
    added = instances(s, activity_id=activity_id)
    assert added and all(MINUTES.fullmatch(i.creation_time) and SECONDS.fullmatch(i.created_time) for i in added)
