"""role show: a RAM role, the services it trusts and its attached policies."""
from typing import Annotated

import typer

from essctl.cli.options import Invocation, command

app = typer.Typer(no_args_is_help=True)


@command(app, "show")
def role_show(run: Invocation, name: Annotated[str, typer.Argument(metavar="NAME", help="RAM role name.")]) -> None:
    """Show a RAM role, the services it trusts and its attached policies (GetRole, ListPoliciesForRole)."""
    from essctl.inventory import role_report
    from essctl.render import output

    output(run.env, role_report(run.cloud(), name))
