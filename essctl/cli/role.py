"""role show: a RAM role, the services it trusts and its attached policies; role impact: what depends on it."""
from typing import Annotated

import typer

from essctl.cli.options import Invocation, command

app = typer.Typer(no_args_is_help=True)


@command(app, "show", examples=(
    'essctl role show OOSServiceRole',
    "essctl role show OOSServiceRole -o text --query 'Policies[].PolicyName'",
))
def role_show(run: Invocation, name: Annotated[str, typer.Argument(metavar="NAME", help="RAM role name.")]) -> None:
    """Show a RAM role, the services it trusts and its attached policies (GetRole, ListPoliciesForRole)."""
    from essctl.inventory import role_report
    from essctl.render import output

    output(run.env, role_report(run.cloud(), name))


@command(app, "impact", examples=(
    'essctl role impact OOSServiceRole',
    "essctl role impact OOSServiceRole -o json --query 'Dependents[?MissingActions]'",
))
def role_impact(run: Invocation,
                name: Annotated[str, typer.Argument(metavar="NAME", help="RAM role name.")]) -> None:
    """What depends on a RAM role: every lifecycle hook in the region whose OOS template runs as it (inactive ones
    too), what each needs and what the role's policies lack today. Exit 0 when every one has what it needs, 1 when
    some hook already lacks actions or its template cannot be read."""
    from essctl.impact import role_impact as analyse
    from essctl.render import output

    report = analyse(run.cloud(), name)
    output(run.env, report)
    raise typer.Exit(1 if report.lacking else 0)
