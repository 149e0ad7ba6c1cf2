"""The sandbox writes each field with the JSON type its SDK response model declares (the SDK does not coerce: a wrong
type reaches essctl as is, sdk-internals.md §4)."""
from tests.support.sandbox_steps import create_hook, create_rule, execute, executions, grant, session, wait_for


def test_list_executions_writes_resource_status_as_the_string_the_model_declares(sandbox):
    s = session(sandbox)
    grant(s, ["ecs:*", "ess:*"])
    create_hook(s)
    activity_id = execute(s, create_rule(s))
    [execution] = wait_for(lambda: executions(s, activity_id))
    assert isinstance(execution.resource_status, str)
    listed = [body for service, action, body in sandbox.bodies if action == "ListExecutions" and body["Executions"]]
    assert listed and all(isinstance(e["ResourceStatus"], str) for body in listed for e in body["Executions"])
