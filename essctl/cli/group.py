"""group list: the scaling groups of the region."""
import typer

from essctl.cli.options import Invocation, MaxItems, Wide, command

app = typer.Typer(no_args_is_help=True)


@command(app, "list", examples=(
    'essctl group list --region cn-hangzhou',
    'essctl group list -o text --query "[?LifecycleState==\'Active\'].ScalingGroupId"',
))
def group_list(run: Invocation, max_items: MaxItems = None, wide: Wide = False) -> None:
    """List the scaling groups of the region (DescribeScalingGroups, all pages); their ids are kept an hour for
    shell completion of --group."""
    from essctl.cli.completion import remember_groups
    from essctl.render import Listing, output

    cloud = run.cloud()
    groups = cloud.ess.list_scaling_groups(max_items=max_items or None)
    if run.settings.tape is None:       # recorded ids are no group of the region
        remember_groups(cloud.region, run.settings.service_endpoints.get("ess") or run.settings.endpoint, groups)
    output(run.env, Listing("scaling_groups", groups, wide=wide))
