"""The documented failures, staged in a sandbox: used by tests/e2e/test_diagnose.py and by tools/record_tapes.py (which
records `essctl diagnose` on each for offline use). Each stage function takes a started sandbox and returns the
scaling activity it produced (the diagnosis subject)."""
from tests.support import sandbox_steps as steps

SCENARIO_HEAD = ("region: cn-hangzhou\naccount_id: '1234567890123456'\n"
                 "roles: [{name: OOSServiceRole, trusted: [oos.aliyuncs.com]}]\n"
                 "groups: [{id: asg-sandbox000000000001, min: 0, max: 5, instances: 1}]\n")

SCENARIOS = {
    # The role lacks ecs:RunCommand: the runCommand task fails with Forbidden.RAM.
    "forbidden-ram": SCENARIO_HEAD,
    # The hook waits 30 s, the script takes 120 s: the late completion gets the token error.
    "hook-timeout": SCENARIO_HEAD + "behaviour: {ACS-ESS-LifeCycleRunCommand: {duration: 120}}\n",
    # A scheduled task fires while a long scale-out is still in its lifecycle wait: it is Rejected. It fires 600
    # sandbox seconds in (3 s at the tests' speed), well after the staging's calls have started the scale-out even
    # on a busy machine, and long before the 3000 s script ends.
    "activity-in-progress": SCENARIO_HEAD + (
        "behaviour: {ACS-ESS-LifeCycleRunCommand: {duration: 3000}}\n"
        "scheduled_tasks: [{group: asg-sandbox000000000001, after: 600, adjustment: 1}]\n"),
    # The first ListExecutions is throttled (with x-acs-retry-after); the client's retry recovers.
    "throttled": SCENARIO_HEAD + (
        "faults: {rules: [{action: ListExecutions, call: 1, error: {code: Throttling.User, status: 400,"
        " retry_after_ms: 50}}]}\n"),
}


def scale_out(box, *, timeout=600, actions=steps.RUN_COMMAND_ACTIONS):
    """Grant `actions`, create the run-command hook and the Add1 rule, execute it; returns (session, activity)."""
    s = steps.session(box)
    steps.grant(s, actions)
    steps.create_hook(s, timeout=timeout, metadata={"commandContent": "yum install -y httpd"},
                      name="ESSHookForRunCommand")
    return s, steps.execute(s, steps.create_rule(s, name="Add1"))


def stage(name, box):
    """Stage scenario `name` in `box` and wait until the failure has happened; returns the activity id."""
    if name in ("forbidden-ram", "throttled"):
        s, activity_id = scale_out(box, actions=["ess:CompleteLifecycleAction"])
        steps.wait_for(lambda: steps.finished(s, activity_id))
    elif name == "hook-timeout":
        s, activity_id = scale_out(box, timeout=30)
        steps.wait_for(lambda: [e for e in steps.executions(s, activity_id) if e.status == "Failed"])
    else:
        s, busy = scale_out(box, timeout=3600)
        rejected = steps.wait_for(lambda: [a for a in steps.activities(s) if a.status_code == "Rejected"])
        activity_id = rejected[0].scaling_activity_id
    return activity_id
