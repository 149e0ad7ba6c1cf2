"""group list: the scaling groups of the region."""
import typer

from essctl.cli.options import Invocation, MaxItems, command

app = typer.Typer(no_args_is_help=True)


@command(app, "list", examples=(
    'essctl group list --region cn-hangzhou',
    'essctl group list -o text --query "[?LifecycleState==\'Active\'].ScalingGroupId"',
))
def group_list(run: Invocation, max_items: MaxItems = None) -> None:
    """List the scaling groups of the region (DescribeScalingGroups, all pages)."""
    from essctl.render import Listing, output

    output(run.env, Listing("scaling_groups", run.cloud().ess.list_scaling_groups(max_items=max_items or None)))
