"""hook list | update: a scaling group's lifecycle hooks, and changing one in place."""
from typing import Annotated, Optional

import typer

from essctl.cli.options import GroupId, Invocation, MaxItems, Wide, command, confirmer, resource_id
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


Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do it without asking.")]


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
    yes: Yes = False,
) -> None:
    """Change a lifecycle hook in place (ModifyLifecycleHook): shows each field before -> after, asks (or --yes),
    then shows the hook afterwards."""
    from essctl.errors import UsageError
    from essctl.hooks import HookChange, changed_fields, describe_hook, managing_recipe, update_hook
    from essctl.render import output

    if timeout is None and default_result is None and status is None:
        raise UsageError("nothing to change: give --timeout, --default-result or --status")
    change = HookChange(timeout=timeout, default_result=default_result, status=status)
    change.fields()                     # bad values are refused before anything is read
    cloud = run.cloud()
    hook = describe_hook(cloud, hook_id)
    changes = changed_fields(hook, change)
    if not changes:
        run.env.log(f"hook {hook_id} ({hook.name}) already has these values: nothing was sent")
        output(run.env, hook)
        return
    run.env.log(f"~ hook {hook_id} ({hook.name}) in {hook.group_id}:")
    for field, before, after in changes:
        run.env.log(f"    {field}: {before} -> {after}")
    if not confirmer(run, yes, False, "change the hook")(hook):
        raise typer.Exit(1)
    hook = update_hook(cloud, hook, change)
    recipe = managing_recipe(cloud, hook)
    if recipe is not None:
        overrides = " ".join(f"{flag} {value}" for flag, value in (("--hook-timeout", timeout),
                                                                  ("--default-result", default_result)) if value)
        run.env.log(f"note: recipe {recipe} made this hook: its next `essctl recipe run {recipe} --group "
                    f"{hook.group_id}` sets it back" + (f" unless given {overrides}" if overrides else ""))
    output(run.env, hook)


Instance = Annotated[Optional[str], typer.Argument(
    metavar="INSTANCE", callback=resource_id, help="An instance in a wait state (i-...): its pending actions.")]
Token = Annotated[Optional[str], typer.Option(
    "--token", metavar="T", help="The LifecycleActionToken (with --hook), as `activity watch` and `diagnose` list it.")]
HookOption = Annotated[Optional[str], typer.Option(
    "--hook", metavar="ID", callback=resource_id, help="The lifecycle hook (ash-...): with --token, or to pick one "
    "of an instance's pending actions.")]
ActivityOption = Annotated[Optional[str], typer.Option(
    "--activity", metavar="ID", callback=resource_id, help="Look for the instance's actions in this activity only.")]


def _targets(run: Invocation, instance, token, hook, activity, verb: str, yes: bool):
    """The lifecycle actions named, shown and confirmed (exit 1 when declined)."""
    from essctl.lifecycle_actions import find_targets

    cloud = run.cloud()
    targets = find_targets(cloud, instance_id=instance, token=token, hook_id=hook, activity_id=activity)
    for target in targets:
        run.env.log(f"{verb} {target.describe()}")
    if not confirmer(run, yes, False, verb.split(":")[0])(targets):
        raise typer.Exit(1)
    return cloud, targets


@command(app, "complete", examples=(
    'essctl hook complete i-bp1example                      # its pending action, CONTINUE',
    'essctl hook complete --activity asa-bp1example --result ABANDON --yes',
))
def hook_complete(
    run: Invocation, instance: Instance = None, token: Token = None, hook: HookOption = None,
    activity: ActivityOption = None,
    result: Annotated[str, typer.Option(
        "--result", metavar="RESULT", help="CONTINUE (the instance goes on), ABANDON (a new one is released) or "
        "ROLLBACK (a scale-in is undone).")] = "CONTINUE",
    yes: Yes = False,
) -> None:
    """End a lifecycle action's wait now (CompleteLifecycleAction): frees an instance stuck in Pending:Wait or
    Removing:Wait. Shows the action, asks (or --yes)."""
    from essctl.lifecycle_actions import checked_result, complete
    from essctl.render import output

    result = checked_result(result)
    cloud, targets = _targets(run, instance, token, hook, activity, f"complete with {result}:", yes)
    complete(cloud, targets, result)
    run.env.log(f"completed {len(targets)} lifecycle action(s) with {result}; follow: "
                + (f"essctl activity watch {targets[0].activity_id}" if targets[0].activity_id
                   else "essctl activity list --group ..."))
    output(run.env, [{**target.to_data(), "LifecycleActionResult": result} for target in targets])


@command(app, "heartbeat", examples=(
    'essctl hook heartbeat i-bp1example --timeout 1800',
))
def hook_heartbeat(
    run: Invocation, instance: Instance = None, token: Token = None, hook: HookOption = None,
    activity: ActivityOption = None,
    timeout: Annotated[Optional[int], typer.Option(
        "--timeout", metavar="S", help=f"Wait S more seconds from now ({HEARTBEAT_RANGE_S[0]} to "
        f"{HEARTBEAT_RANGE_S[1]}); default: the hook's timeout.")] = None,
    yes: Yes = False,
) -> None:
    """Extend a lifecycle action's wait (RecordLifecycleActionHeartbeat), for a script that needs longer. Shows the
    action, asks (or --yes)."""
    from essctl.lifecycle_actions import checked_timeout, heartbeat
    from essctl.render import output

    timeout = checked_timeout(timeout)
    wait = f"{timeout} s" if timeout else "the hook's timeout"
    cloud, targets = _targets(run, instance, token, hook, activity, f"extend by {wait}:", yes)
    heartbeat(cloud, targets, timeout)
    run.env.log(f"extended {len(targets)} lifecycle action(s) by {wait} from now")
    output(run.env, [{**target.to_data(), "HeartbeatTimeout": timeout} for target in targets])
