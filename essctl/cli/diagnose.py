"""diagnose: why did a lifecycle-hook run fail, and what fixes it."""
from typing import Annotated, Optional

import typer

from essctl.cli.completion import complete_group
from essctl.cli.options import Invocation, command, confirmer, resource_id

app = typer.Typer()


@command(app, "diagnose", short_help="Why a run failed: checks with evidence, likely causes, the fix to run.",
         examples=(
    'essctl diagnose --group asg-bp1example',
    'essctl diagnose --activity asa-bp1example --fix',
    'essctl diagnose --tape diagnose-forbidden-ram --group asg-sandbox000000000001',
))
def diagnose(
    run: Invocation,
    activity: Annotated[Optional[str], typer.Option(
        "--activity", metavar="ID", callback=resource_id, help="A scaling activity (asa-...).")] = None,
    execution: Annotated[Optional[str], typer.Option(
        "--execution", metavar="ID", callback=resource_id, help="An OOS execution (exec-...).")] = None,
    group: Annotated[Optional[str], typer.Option(
        "--group", "-g", metavar="ID", callback=resource_id, autocompletion=complete_group,
        help="A scaling group: its latest failed or rejected activity.")] = None,
    recipe: Annotated[Optional[str], typer.Option(
        "--recipe", metavar="NAME", help="The recipe that ran (named in the suggested commands).")] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Apply the safe fixes (grant missing actions, raise a hook "
                                      "timeout) after confirmation.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="With --fix: apply without asking.")] = False,
) -> None:
    """Find why a run failed: checks with evidence, findings most likely first, and the command that fixes each.
    Exit 0 when nothing is wrong, 1 when an error was found (after --fix: 0 when every error had a fix applied)."""
    from essctl.diagnose.report import diagnose_and_fix
    from essctl.errors import UsageError
    from essctl.render import output, write_lines

    if not (activity or execution or group):
        raise UsageError("give --activity ID, --execution ID or --group ID")
    ask = confirmer(run, yes, False, "apply fixes")

    def confirm(fixes: list) -> bool:
        if run.env.output_format == "table":
            write_lines(run.env, ["Safe fixes:", *(f"  - {line}" for line in fixes)])
        return ask(fixes)

    report = diagnose_and_fix(run.cloud(), activity_id=activity, execution_id=execution, group_id=group,
                              recipe=recipe, fix=fix, confirm=confirm)
    output(run.env, report)
    raise typer.Exit(1 if report.unresolved_errors else 0)
