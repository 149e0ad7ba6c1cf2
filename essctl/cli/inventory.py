"""Inventory commands: group list, hook list, hook update, activity list, execution list, role show."""
from typing import Annotated, Optional

import typer

from essctl.cli.options import Invocation, MaxItems, cloud_command

GroupId = Annotated[str, typer.Option("--group", "-g", metavar="ID", help="Scaling group id (asg-...).")]


group_app = typer.Typer(no_args_is_help=True)
hook_app = typer.Typer(no_args_is_help=True)
activity_app = typer.Typer(no_args_is_help=True)
execution_app = typer.Typer(no_args_is_help=True)
role_app = typer.Typer(no_args_is_help=True)


@group_app.command("list")
@cloud_command
def group_list(run: Invocation, max_items: MaxItems = None) -> None:
    """List the scaling groups of the region (DescribeScalingGroups, all pages)."""
    from essctl.core import inventory
    from essctl.render import emit, views

    emit(run.env, inventory.list_scaling_groups(run.session(), max_items=max_items or None), views.SCALING_GROUPS)


@hook_app.command("list")
@cloud_command
def hook_list(run: Invocation, group: GroupId, max_items: MaxItems = None) -> None:
    """List the lifecycle hooks of a scaling group (DescribeLifecycleHooks)."""
    from essctl.core import inventory
    from essctl.render import emit, views

    hooks = inventory.list_lifecycle_hooks(run.session(), group, max_items=max_items or None)
    emit(run.env, hooks, views.LIFECYCLE_HOOKS)


@hook_app.command("update")
@cloud_command
def hook_update(
    run: Invocation,
    hook_id: Annotated[str, typer.Argument(metavar="ID", help="Lifecycle hook id (ash-...).")],
    timeout: Annotated[Optional[int], typer.Option(
        "--timeout", metavar="S",
        help="HeartbeatTimeout: seconds an instance waits for the hook, 30 to 21600.")] = None,
    default_result: Annotated[Optional[str], typer.Option(
        "--default-result", metavar="RESULT",
        help="What a timed-out wait ends with: CONTINUE, ABANDON or ROLLBACK.")] = None,
    status: Annotated[Optional[str], typer.Option(
        "--status", metavar="STATUS", help="Active or InActive (an inactive hook does not fire).")] = None,
) -> None:
    """Change a lifecycle hook in place (ModifyLifecycleHook) and show it afterwards."""
    from essctl.core.hooks import update_hook
    from essctl.render import emit

    emit(run.env, update_hook(run.session(), hook_id, timeout=timeout, default_result=default_result, status=status))


@activity_app.command("list")
@cloud_command
def activity_list(
    run: Invocation,
    group: GroupId,
    status: Annotated[Optional[str], typer.Option(
        "--status", help="Only activities with this StatusCode: Successful, Warning, Failed, InProgress, Rejected.")] = None,
    max_items: MaxItems = 50,
) -> None:
    """List the scaling activities of a scaling group, newest first (DescribeScalingActivities)."""
    from essctl.core import inventory
    from essctl.render import emit, views

    activities = inventory.list_scaling_activities(run.session(), group, status=status, max_items=max_items or None)
    emit(run.env, activities, views.SCALING_ACTIVITIES)


@execution_app.command("list")
@cloud_command
def execution_list(
    run: Invocation,
    template: Annotated[Optional[str], typer.Option(
        "--template", metavar="NAME", help="Only executions of exactly this template.")] = None,
    status: Annotated[Optional[str], typer.Option(
        "--status", help="Only executions with this status: Running, Waiting, Success, Failed, Cancelled.")] = None,
    max_items: MaxItems = 50,
) -> None:
    """List OOS executions, newest first (ListExecutions)."""
    from essctl.core import inventory
    from essctl.render import emit, views

    executions = inventory.list_executions(run.session(), template=template, status=status,
                                           max_items=max_items or None)
    emit(run.env, executions, views.EXECUTIONS)


@role_app.command("show")
@cloud_command
def role_show(run: Invocation, name: Annotated[str, typer.Argument(metavar="NAME", help="RAM role name.")]) -> None:
    """Show a RAM role, the services it trusts and its attached policies (GetRole, ListPoliciesForRole)."""
    from essctl.core import inventory
    from essctl.render import emit, views

    emit(run.env, inventory.show_role(run.session(), name), views.role_view)


def _register_watch_commands() -> None:
    from essctl.cli import watch

    watch.register(activity_app, execution_app)


_register_watch_commands()
