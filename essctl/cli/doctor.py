"""doctor: probe, read-only, what essctl assumes about the account and the services."""
from typing import Annotated

import typer

from essctl.cli.options import Invocation, command

app = typer.Typer()


@command(app, "doctor", short_help="Probe, read-only, what essctl assumes about this account and region.", examples=(
    'essctl doctor --region cn-hangzhou',
    'essctl doctor --record doctor.yaml --redact-account',
    'essctl doctor --dry-run',
))
def doctor(
    run: Invocation,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Replay the bundled probe of the sandbox (or --tape FILE): no network, no credentials.")] = False,
) -> None:
    """Credentials and where they came from, the endpoint of each service in the region, GetRole on the built-in
    recipes' roles, GetTemplate on their templates and nested actions, GenerateExecutionPolicy against essctl's
    derived policy, and DescribeScalingGroups; nothing is changed. Exit 0 when every answer matches what essctl
    assumes, 1 on any divergence. With --record FILE --redact-account the answers become a tape to share."""
    from essctl.doctor import run_doctor
    from essctl.recipe.catalog import builtin_recipes
    from essctl.render import output

    cloud = run.replay_cloud("doctor") if dry_run else run.cloud()
    report = run_doctor(cloud, builtin_recipes())
    output(run.env, report)
    raise typer.Exit(1 if report.failed else 0)
