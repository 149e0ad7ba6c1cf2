"""hook list | update: a scaling group's lifecycle hooks, and changing one in place."""
from typing import Annotated, Optional

import typer

from essctl.cli.options import GroupId, Invocation, MaxItems, Wide, command, resource_id
from essctl.facts.ess import HEARTBEAT_RANGE_S

app = typer.Typer(no_args_is_help=True)


@command(app, "list", examples=(
    'essctl hook list --group asg-bp1example',
    "essctl hook list -g asg-bp1example -o text --query '[].[LifecycleHookId, HeartbeatTimeout]'",
))
def hook_list(run: Invocation, group: GroupId, max_items: MaxItems = None, wide: Wide = False) -> None:
    """List the lifecycle hooks of a scaling group (DescribeLifecycleHooks)."""
    from essctl.render import Listing, output

    hooks = run.cloud().ess.list_lifecycle_hooks(group, max_items=max_items or None)
    output(run.env, Listing("lifecycle_hooks", hooks, wide=wide))


@command(app, "update", examples=(
    'essctl hook update ash-bp1example --timeout 1500',
    'essctl hook update ash-bp1example --status InActive',
))
def hook_update(
    run: Invocation,
    hook_id: Annotated[str, typer.Argument(metavar="ID", callback=resource_id, help="Lifecycle hook id (ash-...).")],
    timeout: Annotated[Optional[int], typer.Option(
        "--timeout", metavar="S",
        help=f"HeartbeatTimeout: seconds an instance waits for the hook, {HEARTBEAT_RANGE_S[0]} to "
             f"{HEARTBEAT_RANGE_S[1]}.")] = None,
    default_result: Annotated[Optional[str], typer.Option(
        "--default-result", metavar="RESULT",
        help="What a timed-out wait ends with: CONTINUE, ABANDON or ROLLBACK.")] = None,
    status: Annotated[Optional[str], typer.Option(
        "--status", metavar="STATUS", help="Active or InActive (an inactive hook does not fire).")] = None,
) -> None:
    """Change a lifecycle hook in place (ModifyLifecycleHook) and show it afterwards."""
    from essctl.errors import UsageError
    from essctl.hooks import HookChange, managing_recipe, update_hook
    from essctl.render import output

    if timeout is None and default_result is None and status is None:
        raise UsageError("nothing to change: give --timeout, --default-result or --status")
    change = HookChange(timeout=timeout, default_result=default_result, status=status)
    hook = update_hook(run.cloud(), hook_id, change)
    recipe = managing_recipe(run.cloud(), hook)
    if recipe is not None:
        overrides = " ".join(f"{flag} {value}" for flag, value in (("--hook-timeout", timeout),
                                                                  ("--default-result", default_result)) if value)
        run.env.log(f"note: recipe {recipe} made this hook: its next `essctl recipe run {recipe} --group "
                    f"{hook.group_id}` sets it back" + (f" unless given {overrides}" if overrides else ""))
    output(run.env, hook)
