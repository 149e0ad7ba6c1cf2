"""execution list | watch: OOS executions, and following one to its end."""
from typing import Annotated, Optional

import typer

from essctl.cli.following import Interval, Timeout, follow
from essctl.cli.options import Invocation, MaxItems, Wide, checked, command, resource_id
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
    from essctl.watch.watcher import Pacing, Watcher

    cloud = run.cloud()
    watcher = lambda emit: Watcher(  # noqa: E731
        cloud, emit, timeout=timeout if timeout is not None else DEFAULT_EXECUTION_TIMEOUT_S,
        pacing=Pacing(poll_interval, poll_interval * 7.5)).execution(execution_id)
    follow(run, f"Execution {execution_id}", f"essctl execution watch {execution_id}", watcher)
