"""activity list | watch: a scaling group's activities, and following one to its end."""
from typing import Annotated, Optional

import typer

from essctl.cli.following import Interval, Timeout, follow
from essctl.cli.options import GroupId, Invocation, MaxItems, Wide, command, resource_id

app = typer.Typer(no_args_is_help=True)


@command(app, "list", examples=(
    'essctl activity list --group asg-bp1example --status Failed',
    "essctl activity list -g asg-bp1example -o text --query '[0].ScalingActivityId'",
))
def activity_list(
    run: Invocation,
    group: GroupId,
    status: Annotated[Optional[str], typer.Option(
        "--status", help="Only activities with this StatusCode: Successful, Warning, Failed, InProgress, Rejected.")] = None,
    max_items: MaxItems = 50,
    wide: Wide = False,
) -> None:
    """List the scaling activities of a scaling group, newest first (DescribeScalingActivities)."""
    from essctl.render import Listing, output

    activities = run.cloud().ess.list_scaling_activities(group, status=status, max_items=max_items or None)
    output(run.env, Listing("scaling_activities", activities, wide=wide))


@command(app, "watch", examples=(
    'essctl activity watch asa-bp1example',
    "essctl activity watch asa-bp1example -o json --query '[Event, Message]'   # JSON lines",
))
def activity_watch(run: Invocation,
                   activity_id: Annotated[str, typer.Argument(metavar="ID", callback=resource_id, help="asa-...")],
                   timeout: Timeout = None, poll_interval: Interval = 2.0) -> None:
    """Follow a scaling activity, its instances, lifecycle actions and the OOS executions its hooks started."""
    from essctl.render.watch_views import check_watch_output
    from essctl.watch.watcher import Pacing, Watcher, hook_templates_and_timeout

    check_watch_output(run.env)
    cloud = run.cloud()
    pacing = Pacing(poll_interval, poll_interval * 7.5)
    templates, hook_timeout = hook_templates_and_timeout(cloud, activity_id, pacing)
    watcher = lambda emit: Watcher(  # noqa: E731
        cloud, emit, timeout=timeout if timeout is not None else hook_timeout,
        pacing=pacing).activity(activity_id, templates)
    region = f" --region {cloud.region}"
    follow(run, f"Activity {activity_id}", [f"essctl activity watch {activity_id}{region}",
                                            f"essctl diagnose --activity {activity_id}{region}"], watcher)
