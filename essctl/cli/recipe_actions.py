"""recipe plan | run | teardown: the commands that read and change the cloud."""
from typing import Annotated, List, Optional

import typer

from essctl.cli.options import Invocation, cloud_command

RecipeName = Annotated[str, typer.Argument(metavar="RECIPE", help="A built-in recipe name or a recipe file.")]
Group = Annotated[Optional[str], typer.Option("--group", "-g", metavar="ID", help="Scaling group id (asg-...).")]
Params = Annotated[Optional[List[str]], typer.Option(
    "--param", "-p", metavar="KEY=VALUE", help="A recipe input; repeat for each (see `essctl recipe show`).")]
Variant = Annotated[Optional[str], typer.Option(
    "--policy-variant", metavar="NAME", help="Use the recipe's named policy variant (e.g. tutorial).")]
CreateRole = Annotated[bool, typer.Option("--create-role", help="Create the role with the OOS trust policy if missing.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking.")]
NoTrigger = Annotated[bool, typer.Option("--no-trigger", help="Set up only (the rule too): do not execute the rule.")]
Timeout = Annotated[Optional[float], typer.Option(
    "--timeout", metavar="S", min=1, help="Stop watching after S seconds (exit 4). Default: hook timeout + 300.")]
Interval = Annotated[float, typer.Option(
    "--poll-interval", metavar="S", min=0.01, help="First poll interval; it backs off to 7.5x (2 s -> 15 s).")]
DryRun = Annotated[bool, typer.Option(
    "--dry-run", help="Run against the recipe's recorded answers (or --tape FILE): no network, no credentials.")]


def _parse_params(params: Optional[List[str]]) -> dict:
    from essctl.errors import UsageError

    values = {}
    for item in params or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"-p {item!r}: expected KEY=VALUE")
        values[key.strip()] = value
    return values


def _prepare(run: Invocation, name: str, group: Optional[str], params, dry_run: bool):
    """Load the recipe, pick the session (live, or a dry-run replay) and resolve the group and inputs."""
    from essctl.core.recipes import find_recipe, resolve_inputs
    from essctl.errors import UsageError

    recipe = find_recipe(name)
    if dry_run:
        session, recorded_group = run.dry_run_session(recipe.name)
        group = group or recorded_group
    else:
        session = run.session()
    if not group:
        raise UsageError("--group: required (the scaling group to run the recipe in)")
    inputs = resolve_inputs(recipe, _parse_params(params), use_examples=dry_run)
    return recipe, session, group, inputs


def confirmer(run: Invocation, yes: bool, dry_run: bool, what: str):
    """Ask on a terminal unless --yes; refuse without --yes when nobody can answer."""
    import sys

    from essctl.errors import UsageError

    def confirm(_plan) -> bool:
        if yes or dry_run:
            return True
        if not (sys.stdin.isatty() and run.env.stdout_isatty):
            raise UsageError(f"refusing to {what} without --yes: not on a terminal (nothing was changed)")
        return typer.confirm("Proceed?", default=False)

    return confirm


def _trigger_line(recipe, no_trigger: bool) -> Optional[str]:
    if no_trigger or recipe.trigger is None:
        return None
    return (f"execute rule {recipe.trigger.rule} ({recipe.trigger.adjustment:+d}) and watch the activity and "
            "the OOS execution")


def plan(run: Invocation, recipe_name: RecipeName, group: Group = None, param: Params = None,
         policy_variant: Variant = None, create_role: CreateRole = False, no_trigger: NoTrigger = False,
         dry_run: DryRun = False) -> None:
    """Show what `recipe run` would change (read-only calls only)."""
    from essctl.core.recipe_plan import make_plan
    from essctl.render import emit
    from essctl.render.progress import print_plan

    recipe, session, group_id, inputs = _prepare(run, recipe_name, group, param, dry_run)
    the_plan = make_plan(session, recipe, group_id, inputs, variant=policy_variant, create_role=create_role)
    if run.env.output_format == "table" and not run.env.query:
        print_plan(run.env, the_plan.to_dict(), trigger=_trigger_line(recipe, no_trigger))
    else:
        emit(run.env, the_plan.to_dict())


def run_recipe(run: Invocation, recipe_name: RecipeName, group: Group = None, param: Params = None,
               policy_variant: Variant = None, create_role: CreateRole = False, yes: Yes = False,
               no_trigger: NoTrigger = False, timeout: Timeout = None, poll_interval: Interval = 2.0,
               dry_run: DryRun = False) -> None:
    """Apply the recipe (role, policy, hook, rule), trigger a scaling activity and watch it to the end."""
    from essctl.core.recipe_run import RunOptions
    from essctl.core.recipe_run import run_recipe as run_it
    from essctl.core.watch import Pacing
    from essctl.render import emit
    from essctl.render.progress import EventPrinter, print_plan, print_run_summary

    recipe, session, group_id, inputs = _prepare(run, recipe_name, group, param, dry_run)
    printer = EventPrinter(run.env, show_calls=dry_run, live=run.env.stdout_isatty and not dry_run)
    session.on_call = printer.call
    if dry_run:
        printer.note(f"Dry-run: every answer comes from {session.tape_description()}; nothing is sent.")
    ask = confirmer(run, yes, dry_run, "change the cloud")

    def confirm(the_plan) -> bool:
        if printer.enabled:
            print_plan(run.env, the_plan.to_dict(), trigger=_trigger_line(recipe, no_trigger))
        return ask(the_plan)

    options = RunOptions(group_id=group_id, inputs=inputs, variant=policy_variant, create_role=create_role,
                         trigger=not no_trigger, timeout=timeout,
                         pacing=Pacing(first=poll_interval, longest=poll_interval * 7.5))
    triggered: list = []

    def on_event(event) -> None:
        if "trigger" in event.data:
            triggered.append(event.data["trigger"]["activity_id"])
        printer.event(event)

    try:
        report = run_it(session, recipe, options, confirm=confirm, emit=on_event)
    except KeyboardInterrupt:
        if triggered:
            run.env.stderr.write(f"essctl: interrupted; the scaling activity goes on: essctl activity watch "
                                 f"{triggered[-1]} (then essctl diagnose --activity {triggered[-1]})\n")
        raise
    finally:
        printer.close()
    if printer.enabled and not run.env.query:
        print_run_summary(run.env, report.to_dict())
        if report.diagnosis:
            from essctl.render.diagnosis_view import print_diagnosis

            run.env.stdout.write("\n")
            print_diagnosis(run.env, report.diagnosis)
    else:
        emit(run.env, report.to_dict())
    raise typer.Exit(int(report.exit_code))


def teardown(run: Invocation, recipe_name: RecipeName, group: Group = None,
             policy: Annotated[bool, typer.Option("--policy", help="Also detach the recipe's policy from the role "
                                                  "and delete it where nothing else uses it.")] = False,
             yes: Yes = False) -> None:
    """Remove what the recipe created in the group: its hooks and rule (and with --policy, its policy)."""
    from essctl.core.recipe_teardown import apply_teardown, plan_teardown
    from essctl.core.recipes import find_recipe
    from essctl.errors import UsageError
    from essctl.render import emit
    from essctl.render.progress import EventPrinter, print_plan

    if not group:
        raise UsageError("--group: required (the scaling group to remove the recipe from)")
    recipe = find_recipe(recipe_name)
    session = run.session()
    the_plan = plan_teardown(session, recipe, group, policy=policy)
    printer = EventPrinter(run.env, show_calls=False)
    if printer.enabled:
        print_plan(run.env, {**the_plan.to_dict(), "region": session.region, "account_id": None, "warnings": []},
                   trigger=None)
    done = []
    if the_plan.pending and confirmer(run, yes, False, "delete")(the_plan):
        done = apply_teardown(session, the_plan, printer.event)
    if not printer.enabled or run.env.query:
        emit(run.env, {**the_plan.to_dict(), "done": done})


def register(app: typer.Typer) -> None:
    app.command("plan")(cloud_command(plan))
    app.command("run")(cloud_command(run_recipe))
    app.command("teardown")(cloud_command(teardown))
