"""Rolling updates in the sandbox, through the real SDK clients: SuspendProcesses/ResumeProcesses and their effect
on scaling, ESS instance refresh, and the OOS rolling-update templates (batches, pause, resume, rollback)."""
import pytest

from essctl.errors import CloudAPIError
from tests.support.sandbox_steps import GROUP, REGION, create_rule, execute, session


def _error(call):
    with pytest.raises(CloudAPIError) as caught:
        call()
    return caught.value


def _group(s, group=GROUP):
    from alibabacloud_ess20220222 import models

    return s.ess.describe_scaling_groups(models.DescribeScalingGroupsRequest(
        region_id=REGION, scaling_group_ids=[group])).body.scaling_groups[0]


def _processes(s, processes, *, resume=False, group=GROUP):
    from alibabacloud_ess20220222 import models

    if resume:
        return s.ess.resume_processes(models.ResumeProcessesRequest(region_id=REGION, scaling_group_id=group,
                                                                    processes=processes))
    return s.ess.suspend_processes(models.SuspendProcessesRequest(region_id=REGION, scaling_group_id=group,
                                                                  processes=processes))


def test_a_suspended_scale_out_refuses_rule_executions_until_resumed(sandbox):
    s = session(sandbox)
    out, inward = create_rule(s, change=1, name="out"), create_rule(s, change=-1, name="in")
    _processes(s, ["ScaleOut", "HealthCheck", "ScaleOut"])
    assert _group(s).suspended_processes == ["ScaleOut", "HealthCheck"]      # duplicates removed
    error = _error(lambda: execute(s, out))
    assert error.code == "IncorrectScalingGroupStatus" and "ScaleOut" in error.message
    execute(s, inward)                                                      # scale-in is not suspended
    _processes(s, ["ScaleOut"], resume=True)
    assert _group(s).suspended_processes == ["HealthCheck"]


def test_processes_are_checked(sandbox):
    s = session(sandbox)
    assert _error(lambda: _processes(s, ["Launch"])).code == "InvalidParameter"
    assert _error(lambda: _processes(s, ["ScaleIn"], group="asg-nosuch")).status == 404
