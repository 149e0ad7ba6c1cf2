"""ESS writes an activity's StartTime and EndTime and an instance's CreationTime to the minute (2020-09-10T09:54Z,
api-docs/ess/DescribeScalingActivities.md and DescribeScalingInstances.md; CreatedTime keeps the seconds). The
sandbox answers the same, so essctl meets the precision it will meet in production."""
import re

import pytest

from essctl.diagnose.checks import check_no_other_activity_in_progress
from tests.support.sandbox_steps import create_rule, execute, finished, instances, session, wait_for
from tests.unit.test_diagnosis import activity, clean_evidence

MINUTES = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ")
SECONDS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def test_the_sandbox_writes_activity_and_instance_times_to_the_minute(sandbox):
    s = session(sandbox)
    activity_id = execute(s, create_rule(s))
    done = wait_for(lambda: finished(s, activity_id))
    assert MINUTES.fullmatch(done.start_time) and MINUTES.fullmatch(done.end_time), (done.start_time, done.end_time)
    added = instances(s, activity_id=activity_id)
    assert added and all(MINUTES.fullmatch(i.creation_time) and SECONDS.fullmatch(i.created_time) for i in added)


@pytest.mark.xfail(strict=True, reason="essctl/diagnose/checks.py check_no_other_activity_in_progress compares "
                                       "minute-precision times with <= and >=: an activity that ended in the minute "
                                       "the diagnosed one started counts as overlapping (essctl core, not the sandbox)")
def test_an_activity_that_ended_in_the_minute_the_diagnosed_one_started_is_not_overlapping():
    # ESS refuses a new activity while one is in progress (ScalingActivityInProgress), so an activity that had
    # ended when this one was accepted did not overlap it, whatever the minute says.
    earlier = activity(ScalingActivityId="asa-bp1earlier00000000001", StatusCode="Successful",
                       StartTime="2024-05-01T09:59Z", EndTime="2024-05-01T10:00Z")
    result = check_no_other_activity_in_progress(clean_evidence(other_activities=[earlier]))
    assert result.passed is True, result.summary
