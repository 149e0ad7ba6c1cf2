"""recipe list | show | validate | init, which read and check recipe files locally (init may read a template from
OOS), and recipe plan | run | teardown, which read and change the cloud."""
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from essctl.cli.completion import complete_group, complete_recipe, complete_recipe_param
from essctl.cli.following import Interval
from essctl.cli.options import (
    MAX_WAIT_S,
    GroupId,
    Invocation,
    Wide,
    checked,
    command,
    confirmer,
    existing,
    finite,
    parse_key_values,
    resource_id,
)
from essctl.facts.oos import TEMPLATE_NAME

app = typer.Typer(no_args_is_help=True)

RecipeName = Annotated[str, typer.Argument(metavar="NAME|FILE", autocompletion=complete_recipe,
                                           help="A built-in recipe name or a recipe file.")]
Group = Annotated[Optional[str], typer.Option(
    "--group", "-g", metavar="ID", callback=resource_id, autocompletion=complete_group,
    help="Scaling group id (asg-...). \\[required] (with --dry-run: default, the group the tape was recorded in)")]
Params = Annotated[Optional[List[str]], typer.Option(
    "--param", "-p", metavar="KEY=VALUE", autocompletion=complete_recipe_param,
    help="A recipe input; repeat for each (see `essctl recipe show`). "
    "KEY=@FILE or KEY=file://FILE reads the value from a file.")]
Variant = Annotated[Optional[str], typer.Option(
    "--policy-variant", metavar="NAME", help="Use the recipe's named policy variant (e.g. tutorial).")]
CreateRole = Annotated[bool, typer.Option("--create-role", help="Create the role with the OOS trust policy if missing.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking.")]
NoTrigger = Annotated[bool, typer.Option("--no-trigger", help="Set up only (the rule too): do not execute the rule.")]
Timeout = Annotated[Optional[float], typer.Option(
    "--timeout", metavar="S", min=1, max=MAX_WAIT_S, callback=finite,
    help="Stop watching after S seconds (exit 4). Default: hook timeout + 300.")]
DryRun = Annotated[bool, typer.Option(
    "--dry-run", help="Run against the recipe's recorded answers (or --tape FILE): no network, no credentials.")]


@command(app, "list", examples=('essctl recipe list', "essctl recipe list -o text --query '[].Name'",))
def recipe_list(run: Invocation, wide: Wide = False) -> None:
    """The built-in recipes: name, title, template, hook transitions, policy kind."""
    from essctl.recipe.catalog import builtin_recipe_paths
    from essctl.recipe.load import load_recipe
    from essctl.recipe.show import RecipeSummary
    from essctl.render import Listing, output

    recipes = [RecipeSummary(load_recipe(path)) for path in builtin_recipe_paths().values()]
    output(run.env, Listing("recipes", recipes, wide=wide))


@command(app, "show", examples=(
    'essctl recipe show run-command',
    'essctl recipe show run-command -o json --query Inputs',
))
def recipe_show(run: Invocation, recipe: RecipeName) -> None:
    """A recipe's inputs, the steps it takes in order, and the policy it grants."""
    from essctl.recipe.catalog import find_recipe
    from essctl.recipe.show import RecipeDescription
    from essctl.render import output

    output(run.env, RecipeDescription(find_recipe(recipe)))


@command(app, "validate", examples=(
    'essctl recipe validate ./my-recipe.yaml',
    'essctl recipe validate ./my-recipe.yaml --template-file ./my-template.yaml',
))
def recipe_validate(
    run: Invocation, recipe: RecipeName,
    template_file: Annotated[Optional[Path], typer.Option(
        "--template-file", metavar="FILE", help="Also check the parameters against this template file.")] = None,
    template_dir: Annotated[Optional[Path], typer.Option(
        "--template-dir", metavar="DIR", help="Also check the parameters against DIR/TEMPLATE.yml.")] = None,
) -> None:
    """Check a recipe file (and its parameters against templates): 'ok: FILE', or one error line and exit 2."""
    from essctl.recipe.catalog import find_recipe
    from essctl.recipe.check import check_against_template
    from essctl.recipe.show import RecipeValidation, templates_for_validation
    from essctl.render import output

    loaded = find_recipe(recipe)
    templates = templates_for_validation(loaded, existing(template_file, "--template-file"),
                                         existing(template_dir, "--template-dir", folder=True))
    for index, template in sorted(templates.items()):
        check_against_template(loaded, loaded.stages[index], template)
    output(run.env, RecipeValidation(loaded.path, tuple(sorted({template.name for template in templates.values()}))))


@command(app, "init", examples=(
    'essctl recipe init --template ACS-ESS-LifeCycleRunCommand --output-file my.yaml',
    'essctl recipe init --template MyTemplate --template-file ./my-template.yaml > my.yaml',
))
def recipe_init(
    run: Invocation,
    template: Annotated[Optional[str], typer.Option(
        "--template", metavar="NAME", help="The OOS template (read with GetTemplate unless --template-file).")] = None,
    template_file: Annotated[Optional[Path], typer.Option(
        "--template-file", metavar="FILE", help="Read the template from this file instead of OOS.")] = None,
    output_file: Annotated[Optional[Path], typer.Option(
        "--output-file", metavar="FILE", help="Write the recipe here (default: stdout).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --output-file.")] = False,
) -> None:
    """Write a commented recipe skeleton for a lifecycle template."""
    import dataclasses

    from essctl.errors import UsageError
    from essctl.recipe.skeleton import skeleton
    from essctl.yamldoc import shown_path

    if template is None and template_file is None:
        raise UsageError("give --template NAME (and --template-file FILE to read it from a file)")
    if run.env.query or run.env.output not in (None, "yaml"):
        raise UsageError(f"{'--query' if run.env.query else '--output ' + str(run.env.output)}: recipe init writes "
                         "a commented YAML recipe; drop it")
    checked(template, "--template", "an OOS template name: 1-200 letters, digits, _ - .", TEMPLATE_NAME)
    if output_file is not None and not force:
        try:
            exists = output_file.exists()
        except (OSError, ValueError) as exc:
            raise UsageError(f"--output-file: cannot write {shown_path(output_file)}: "
                             f"{getattr(exc, 'strerror', None) or exc}") from None
        if exists:
            raise UsageError(f"--output-file: {output_file} exists (add --force to overwrite it)")
    if template_file is not None:
        from essctl.template.model import load_template_file

        loaded = load_template_file(template_file)
        if template is not None:
            loaded = dataclasses.replace(loaded, name=template)
    else:
        from essctl.template.source import load_template_from_oos

        loaded = load_template_from_oos(run.cloud(), template)
    text = skeleton(loaded)
    if output_file is None:
        run.env.stdout.write(text)
        return
    try:
        output_file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--output-file: cannot write {output_file}: {exc.strerror}") from exc
    run.env.log(f"wrote {output_file}; check it with: essctl recipe validate {output_file}"
                + (f" --template-file {template_file}" if template_file else ""))


HookTimeout = Annotated[Optional[int], typer.Option(
    "--hook-timeout", metavar="S", help="Every hook's HeartbeatTimeout for this run (30-21600); pass it again on "
    "every run to keep it.")]
DefaultResult = Annotated[Optional[str], typer.Option(
    "--default-result", metavar="RESULT", help="Every hook's DefaultResult: CONTINUE, ABANDON or ROLLBACK.")]
Adjustment = Annotated[Optional[int], typer.Option(
    "--adjustment", metavar="N", help="The trigger: +N scales out, -N scales in (e.g. -1 rehearses the scale-in "
    "half), with a rule named after the recipe and N.")]
Rule = Annotated[Optional[str], typer.Option(
    "--rule", metavar="NAME", help="The scaling rule the trigger executes (default: named after the recipe).")]
Force = Annotated[bool, typer.Option(
    "--force", help="Change or remove a policy even though other hooks that run as its role need what it grants "
    "(the plan names them first).")]


def _prepare(run: Invocation, name: str, group: Optional[str], params, dry_run: bool, overrides, *, variant=None,
             create_role=False, trigger=True, force=False):
    """The recipe as overridden, the cloud (live, or a dry-run replay) and what the run is asked to do."""
    from essctl.errors import UsageError
    from essctl.recipe.catalog import find_recipe
    from essctl.recipe.inputs import resolve_inputs
    from essctl.recipe.steps import RunSpec

    recipe = overrides.apply(find_recipe(name))
    inputs = resolve_inputs(recipe, parse_key_values(params, "-p"), use_examples=dry_run)
    policy = recipe.policy_spec(variant)
    if dry_run:
        cloud, recorded_group = run.dry_run_cloud(recipe.name, str(recipe.path) if recipe.path else None)
        group = group or recorded_group
    else:
        cloud = run.cloud()
    if not group:
        raise UsageError("--group: required (the scaling group to run the recipe in)")
    spec = RunSpec(recipe=recipe, group_id=group, inputs=inputs, policy=policy,
                   create_role=create_role, trigger=trigger, force=force)
    return cloud, spec


def _overrides(hook_timeout=None, default_result=None, adjustment=None, rule=None):
    from essctl.recipe.overrides import Overrides

    return Overrides(hook_timeout=hook_timeout, default_result=default_result, adjustment=adjustment, rule=rule)


@command(app, "plan", examples=(
    "essctl recipe plan run-command --group asg-bp1example -p commandContent='yum install -y httpd'",
    'essctl recipe plan run-command -g asg-bp1example -p commandContent=@setup.sh --detailed-exitcode',
    'essctl recipe plan run-command --dry-run   # the bundled tape: no network',
))
def plan(run: Invocation, recipe_name: RecipeName, group: Group = None, param: Params = None,
         policy_variant: Variant = None, create_role: CreateRole = False, no_trigger: NoTrigger = False,
         hook_timeout: HookTimeout = None, default_result: DefaultResult = None, adjustment: Adjustment = None,
         rule: Rule = None, force: Force = False, dry_run: DryRun = False,
         detailed_exitcode: Annotated[bool, typer.Option(
             "--detailed-exitcode", help="Exit 0 when nothing would change, 2 when something would, 1 on any "
             "error (Terraform's convention).")] = False) -> None:
    """Show what `recipe run` would change (read-only calls only)."""
    from essctl.errors import EssctlError
    from essctl.exitcodes import ExitCode
    from essctl.recipe.plan import make_plan
    from essctl.render import output

    try:
        cloud, spec = _prepare(run, recipe_name, group, param, dry_run,
                               _overrides(hook_timeout, default_result, adjustment, rule), variant=policy_variant,
                               create_role=create_role, trigger=not no_trigger, force=force)
        the_plan = make_plan(cloud, spec)
    except EssctlError as exc:
        if detailed_exitcode:
            exc.exit_code = ExitCode.OPERATION_FAILED   # 2 means "changes" here
        raise
    output(run.env, the_plan)
    if detailed_exitcode:
        raise typer.Exit(2 if the_plan.pending else 0)


@command(app, "run", examples=(
    "essctl recipe run run-command --group asg-bp1example -p commandContent='yum install -y httpd'",
    'essctl recipe run run-command -g asg-bp1example -p commandContent=file://setup.sh --yes',
    'essctl recipe run run-command --dry-run   # rehearse on the bundled tape',
))
def run_recipe(run: Invocation, recipe_name: RecipeName, group: Group = None, param: Params = None,
               policy_variant: Variant = None, create_role: CreateRole = False, yes: Yes = False,
               no_trigger: NoTrigger = False, hook_timeout: HookTimeout = None, default_result: DefaultResult = None,
               adjustment: Adjustment = None, rule: Rule = None, force: Force = False, timeout: Timeout = None,
               poll_interval: Interval = 2.0, dry_run: DryRun = False) -> None:
    """Apply the recipe (role, policy, hook, rule) and execute its rule, after confirmation (or --yes); then watch
    the scaling activity to the end."""
    from essctl.recipe.run import RunOptions
    from essctl.recipe.run import run_recipe as run_it
    from essctl.render import output
    from essctl.render.progress import EventPrinter, end_line
    from essctl.watch.watcher import Pacing

    cloud, spec = _prepare(run, recipe_name, group, param, dry_run,
                           _overrides(hook_timeout, default_result, adjustment, rule), variant=policy_variant,
                           create_role=create_role, trigger=not no_trigger, force=force)
    # a dry-run lists the calls it replays with -v only: without, it reads as the run a person would see
    printer = EventPrinter(run.env, show_calls=dry_run and run.env.verbose, live=run.env.stdout_isatty and not dry_run)
    cloud.session.on_call = printer.call
    if dry_run:
        printer.note(f"Dry-run: every answer comes from {cloud.session.tape_description()}; nothing is sent.")
    ask = confirmer(run, yes, dry_run, "change the cloud")

    def confirm(the_plan) -> bool:
        printer.plan(the_plan)
        return ask(the_plan)

    options = RunOptions(timeout=timeout, pacing=Pacing(first=poll_interval, longest=poll_interval * 7.5))
    try:
        report = run_it(cloud, spec, options, confirm=confirm, emit=printer.event)
    finally:
        printer.close()
    last = end_line(report)     # after the report (and the live view): the last line a person sees
    try:
        output(run.env, report)
    except BrokenPipeError:
        if last is None and report.resume():
            last = f"essctl: the output was closed: {report.resume()[0]}"
    if last is not None:
        run.env.stderr.write(last + "\n")
    raise typer.Exit(int(report.exit_code))


@command(app, "teardown", examples=(
    'essctl recipe teardown run-command --group asg-bp1example',
    'essctl recipe teardown run-command -g asg-bp1example --policy --yes',
))
def teardown(run: Invocation, recipe_name: RecipeName, group: GroupId,
             policy: Annotated[bool, typer.Option("--policy", help="Also detach the recipe's policy from the role "
                                                  "and delete it where nothing else uses it.")] = False,
             policy_variant: Variant = None, adjustment: Adjustment = None, rule: Rule = None,
             force: Force = False, yes: Yes = False) -> None:
    """Remove what the recipe made in the group: its hooks and rule (and with --policy, its policy), after
    confirmation (or --yes). What the recipe did not make is kept."""
    from essctl.recipe.catalog import find_recipe
    from essctl.recipe.teardown import apply_teardown, plan_teardown
    from essctl.render import output
    from essctl.render.progress import EventPrinter

    recipe = _overrides(adjustment=adjustment, rule=rule).apply(find_recipe(recipe_name))
    variant = recipe.policy_spec(policy_variant)
    cloud = run.cloud()
    the_plan = plan_teardown(cloud, recipe, group, policy=variant if policy else None, force=force)
    printer = EventPrinter(run.env, show_calls=False)
    printer.plan(the_plan)
    done = []
    if the_plan.pending:
        if not confirmer(run, yes, False, "delete")(the_plan):
            raise typer.Exit(1)
        done = apply_teardown(cloud, the_plan, printer.event)
    if not printer.enabled or run.env.query:
        output(run.env, the_plan.report(done))
