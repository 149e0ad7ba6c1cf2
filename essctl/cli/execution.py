"""execution list | watch | start: OOS executions, following one to its end, and starting a template that is
neither a hook's nor a rolling update (ACS-ESS-UpdateScalingConfigurationImage, ...)."""
from typing import Annotated, List, Optional

import typer

from essctl.cli.following import Interval, Timeout, follow
from essctl.cli.options import (
    Invocation,
    MaxItems,
    Wide,
    checked,
    command,
    confirmer,
    parse_key_values,
    resource_id,
)
from essctl.facts.oos import ACTION_NAME, TEMPLATE_NAME, TEMPLATE_RULE

app = typer.Typer(no_args_is_help=True)
DEFAULT_EXECUTION_TIMEOUT_S = 900.0


@command(app, "list", examples=(
    'essctl execution list --template ACS-ESS-LifeCycleRunCommand --status Failed',
    "essctl execution list -o text --query '[].[ExecutionId, Status]'",
))
def execution_list(
    run: Invocation,
    template: Annotated[Optional[str], typer.Option(
        "--template", metavar="NAME", help="Only executions of exactly this template.")] = None,
    status: Annotated[Optional[str], typer.Option(
        "--status", help="Only executions with this status: Running, Waiting, Success, Failed, Cancelled.")] = None,
    max_items: MaxItems = 50,
    wide: Wide = False,
) -> None:
    """List OOS executions, newest first (ListExecutions)."""
    from essctl.render import Listing, output

    checked(template, "--template", TEMPLATE_RULE, TEMPLATE_NAME, ACTION_NAME)
    executions = run.cloud().oos.list_executions(template=template, status=status, max_items=max_items or None)
    output(run.env, Listing("executions", executions, wide=wide))


@command(app, "watch", examples=(
    'essctl execution watch exec-0123456789abcdef',
    'essctl execution watch exec-0123456789abcdef -o yaml --timeout 600',
))
def execution_watch(run: Invocation,
                    execution_id: Annotated[str, typer.Argument(metavar="ID", callback=resource_id, help="exec-...")],
                    timeout: Timeout = None, poll_interval: Interval = 2.0) -> None:
    """Follow an OOS execution and its tasks until it ends."""
    _follow_execution(run, run.cloud(), execution_id, timeout, poll_interval)


def _follow_execution(run: Invocation, cloud, execution_id: str, timeout: float | None, poll_interval: float) -> None:
    """Watch one execution to its end; every exit that leaves it running names the commands that resume."""
    from essctl.watch.watcher import Pacing, Watcher

    watcher = lambda emit: Watcher(  # noqa: E731
        cloud, emit, timeout=timeout if timeout is not None else DEFAULT_EXECUTION_TIMEOUT_S,
        pacing=Pacing(poll_interval, poll_interval * 7.5)).execution(execution_id)
    region = f" --region {cloud.region}"
    follow(run, f"Execution {execution_id}", [f"essctl execution watch {execution_id}{region}",
                                              f"essctl diagnose --execution {execution_id}{region}"], watcher)


@command(app, "start", examples=(
    "essctl execution start ACS-ESS-AdjustScalingGroupInstanceCount -p scalingGroupId=asg-bp1example "
    "-p adjustmentType=QuantityChangeInCapacity -p adjustmentCount=1",
))
def execution_start(
    run: Invocation,
    template: Annotated[str, typer.Argument(metavar="NAME", help="The OOS template (GetTemplate).")],
    param: Annotated[Optional[List[str]], typer.Option(
        "--param", "-p", metavar="KEY=VALUE", help="A template parameter; repeat for each.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Start without asking (it may change or bill).")] = False,
    role: Annotated[Optional[str], typer.Option("--role", metavar="NAME", help="The role OOS assumes.")] = None,
    create_role: Annotated[bool, typer.Option("--create-role", help="Create the role if missing.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Make a policy change other hooks would suffer from.")] = False,
    timeout: Timeout = None, poll_interval: Interval = 2.0,
) -> None:
    """Start an execution of a template after confirmation (or --yes): its parameters checked against it, the role
    granted the policy derived from it (as for recipes, with the role impact check), a ClientToken; then follow it
    to its end: exit 0, 1, 4 or 130."""
    from essctl.facts.oos import DEFAULT_ROLE

    checked(template, "template NAME", TEMPLATE_RULE, TEMPLATE_NAME)
    cloud = run.cloud()
    started = start_template(run, cloud, template, parse_key_values(param, "-p"), role or DEFAULT_ROLE,
                             yes=yes, create_role=create_role, force=force)
    _follow_execution(run, cloud, started, timeout, poll_interval)


def start_template(run: Invocation, cloud, template: str, params: dict, role: str, *, yes: bool, create_role: bool,
                   force: bool) -> str:
    """Plan the role and the policy the template needs, confirm, grant, start with a ClientToken: the execution."""
    from essctl.cloud.resources import ScalingGroup
    from essctl.recipe.apply import apply_changes
    from essctl.recipe.steps import ApplyContext, PlanContext
    from essctl.recipe.steps.trigger import client_token
    from essctl.render.progress import EventPrinter, change_lines
    from essctl.rollout.plan import access_changes
    from essctl.template.parameters import typed_values
    from essctl.template.source import load_template_from_oos, oos_resolver

    loaded = load_template_from_oos(cloud, template)
    values = typed_values(loaded, params)
    if "OOSAssumeRole" in loaded.parameters:
        values.setdefault("OOSAssumeRole", role)     # else OOS acts as the caller
    group = next((cloud.ess.get_scaling_group(str(values[n])) for n in ("scalingGroupId", "ScalingGroupId")
                  if values.get(n)), None)
    context = PlanContext(cloud, group or ScalingGroup(id=""), templates={loaded.name: loaded},
                          resolve=oos_resolver(cloud))
    changes = access_changes(context, loaded, role, label=f"execution-{template}", create_role=create_role,
                             force=force)
    printer = EventPrinter(run.env, show_calls=False)
    for line in change_lines(changes):
        printer.note(line)
    printer.note(f"  + execution {template}: {values}")
    confirmer(run, yes, False, f"start {template}")(None)
    apply_changes(cloud, changes, ApplyContext(known={}, emit=printer.event))
    return cloud.oos.start_execution(template, values, client_token()).id
