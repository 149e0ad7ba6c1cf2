"""recipe list | show | validate | init, which read and check recipe files locally (init may read a template from
OOS), and recipe plan | run | teardown, which read and change the cloud."""
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from essctl.cli.completion import complete_recipe, complete_recipe_param
from essctl.cli.fleet import AllGroups, FailFast, Groups, GroupsFrom, Parallel, Rate, TriggerMode, Where, is_fleet
from essctl.cli.following import Interval
from essctl.cli.options import (
    MAX_WAIT_S,
    Invocation,
    Wide,
    checked,
    command,
    confirmer,
    existing,
    finite,
    parse_key_values,
)
from essctl.facts.oos import TEMPLATE_NAME

app = typer.Typer(no_args_is_help=True)

RecipeName = Annotated[str, typer.Argument(metavar="NAME|FILE", autocompletion=complete_recipe,
                                           help="A built-in recipe name or a recipe file.")]
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


def _prepare(run: Invocation, name: str, groups: Optional[List[str]], params, dry_run: bool, overrides, *,
             variant=None, create_role=False, trigger=True, force=False):
    """The recipe as overridden, the cloud (live, or a dry-run replay) and what the run is asked to do."""
    from essctl.errors import UsageError
    from essctl.recipe.catalog import find_recipe
    from essctl.recipe.inputs import resolve_inputs
    from essctl.recipe.steps import RunSpec

    recipe = overrides.apply(find_recipe(name))
    inputs = resolve_inputs(recipe, parse_key_values(params, "-p"), use_examples=dry_run)
    policy = recipe.policy_spec(variant)
    group = groups[0] if groups else None
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


def _prepare_fleet(run: Invocation, name: str, targets: tuple, params, dry_run: bool, overrides, rate: float, stop, *,
                   variant=None, create_role=False, force=False):
    """Fleet mode: the recipe, the first region's cloud, every group found in its region, and each group's spec."""
    from essctl.cli.fleet import find_groups, spec_maker
    from essctl.errors import UsageError
    from essctl.recipe.catalog import find_recipe
    from essctl.recipe.inputs import resolve_inputs

    if dry_run:
        raise UsageError("--dry-run: replays one scaling group's recorded answers; give one --group")
    recipe = overrides.apply(find_recipe(name))
    inputs = resolve_inputs(recipe, parse_key_values(params, "-p"), use_examples=False)
    policy = recipe.policy_spec(variant)
    home = run.fleet_cloud(rate, stop.sleep)
    located = find_groups(run, home, *targets)
    return home, recipe, located, spec_maker(recipe, inputs, policy, located, create_role=create_role, force=force)


def _planned(make):
    """A fleet plan, made with Ctrl-C meaning "nothing was changed"."""
    from essctl.errors import Interrupted

    try:
        return make()
    except KeyboardInterrupt:
        raise Interrupted("interrupted while planning: nothing was changed") from None


def _overrides(hook_timeout=None, default_result=None, adjustment=None, rule=None):
    from essctl.recipe.overrides import Overrides

    return Overrides(hook_timeout=hook_timeout, default_result=default_result, adjustment=adjustment, rule=rule)


@command(app, "plan", examples=(
    "essctl recipe plan run-command --group asg-bp1example -p commandContent='yum install -y httpd'",
    'essctl recipe plan run-command -g asg-bp1example -p commandContent=@setup.sh --detailed-exitcode',
    'essctl recipe plan run-command --dry-run   # the bundled tape: no network',
    "essctl recipe plan run-command --all-groups --where \"starts_with(ScalingGroupName, 'web-')\" "
    "--region cn-hangzhou --region cn-shanghai -p commandContent=@setup.sh",
))
def plan(run: Invocation, recipe_name: RecipeName, group: Groups = None, param: Params = None,
         policy_variant: Variant = None, create_role: CreateRole = False, no_trigger: NoTrigger = False,
         hook_timeout: HookTimeout = None, default_result: DefaultResult = None, adjustment: Adjustment = None,
         rule: Rule = None, force: Force = False, dry_run: DryRun = False,
         detailed_exitcode: Annotated[bool, typer.Option(
             "--detailed-exitcode", help="Exit 0 when nothing would change, 2 when something would, 1 on any "
             "error (Terraform's convention).")] = False,
         groups_from: GroupsFrom = None, all_groups: AllGroups = False, where: Where = None,
         trigger: TriggerMode = None, parallel: Parallel = 8, rate: Rate = 20.0) -> None:
    """Show what `recipe run` would change (read-only calls only); in several groups, one combined plan."""
    from essctl.cli.fleet import trigger_mode
    from essctl.errors import EssctlError
    from essctl.exitcodes import ExitCode
    from essctl.render import output

    fleet = is_fleet(run, group, groups_from, all_groups)
    mode = trigger_mode(trigger, no_trigger, fleet)
    overrides = _overrides(hook_timeout, default_result, adjustment, rule)
    try:
        if fleet:
            from essctl.fleet.plan import make_fleet_plan
            from essctl.fleet.pool import Stopper

            stop = Stopper()
            home, _, located, spec_for = _prepare_fleet(
                run, recipe_name, (group, groups_from, all_groups, where), param, dry_run, overrides, rate, stop,
                variant=policy_variant, create_role=create_role, force=force)
            the_plan = _planned(lambda: make_fleet_plan(home, located, spec_for, trigger=mode, parallel=parallel,
                                                        stop=stop))
        else:
            from essctl.recipe.plan import make_plan

            cloud, spec = _prepare(run, recipe_name, group, param, dry_run, overrides, variant=policy_variant,
                                   create_role=create_role, trigger=mode != "none", force=force)
            the_plan = make_plan(cloud, spec)
    except EssctlError as exc:
        if detailed_exitcode:
            exc.exit_code = ExitCode.OPERATION_FAILED   # 2 means "changes" here
        raise
    output(run.env, the_plan)
    if fleet and the_plan.refused:
        raise typer.Exit(ExitCode.OPERATION_FAILED)
    if detailed_exitcode:
        raise typer.Exit(2 if the_plan.pending else 0)


@command(app, "run", examples=(
    "essctl recipe run run-command --group asg-bp1example -p commandContent='yum install -y httpd'",
    'essctl recipe run run-command -g asg-bp1example -p commandContent=file://setup.sh --yes',
    'essctl recipe run run-command --dry-run   # rehearse on the bundled tape',
    'essctl group list -o json | essctl recipe run run-command --groups-from - -p commandContent=@setup.sh '
    '--trigger one --yes',
))
def run_recipe(run: Invocation, recipe_name: RecipeName, group: Groups = None, param: Params = None,
               policy_variant: Variant = None, create_role: CreateRole = False, yes: Yes = False,
               no_trigger: NoTrigger = False, hook_timeout: HookTimeout = None, default_result: DefaultResult = None,
               adjustment: Adjustment = None, rule: Rule = None, force: Force = False, timeout: Timeout = None,
               poll_interval: Interval = 2.0, dry_run: DryRun = False, groups_from: GroupsFrom = None,
               all_groups: AllGroups = False, where: Where = None, trigger: TriggerMode = None,
               parallel: Parallel = 8, rate: Rate = 20.0, fail_fast: FailFast = False) -> None:
    """Apply the recipe (role, policy, hook, rule) and execute its rule, after confirmation (or --yes); then watch
    the scaling activity to the end. In several groups (fleet mode): one plan and one confirmation, RAM's changes
    once, the groups --parallel at a time, a live row per group, and no scale-out unless --trigger one|all."""
    from essctl.cli.fleet import trigger_mode
    from essctl.recipe.run import RunOptions
    from essctl.watch.watcher import Pacing

    fleet = is_fleet(run, group, groups_from, all_groups)
    mode = trigger_mode(trigger, no_trigger, fleet)
    overrides = _overrides(hook_timeout, default_result, adjustment, rule)
    options = RunOptions(timeout=timeout, pacing=Pacing(first=poll_interval, longest=poll_interval * 7.5))
    if fleet:
        _run_fleet(run, recipe_name, (group, groups_from, all_groups, where), param, overrides, options, mode,
                   yes=yes, variant=policy_variant, create_role=create_role, force=force, parallel=parallel,
                   rate=rate, fail_fast=fail_fast, dry_run=dry_run)
        return
    from essctl.recipe.run import run_recipe as run_it
    from essctl.render import output
    from essctl.render.progress import EventPrinter, end_line

    cloud, spec = _prepare(run, recipe_name, group, param, dry_run, overrides, variant=policy_variant,
                           create_role=create_role, trigger=mode != "none", force=force)
    # a dry-run lists the calls it replays with -v only: without, it reads as the run a person would see
    printer = EventPrinter(run.env, show_calls=dry_run and run.env.verbose, live=run.env.stdout_isatty and not dry_run)
    cloud.session.on_call = printer.call
    if dry_run:
        printer.note(f"Dry-run: every answer comes from {cloud.session.tape_description()}; nothing is sent.")
    ask = confirmer(run, yes, dry_run, "change the cloud")

    def confirm(the_plan) -> bool:
        printer.plan(the_plan)
        return ask(the_plan)

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


def _run_fleet(run: Invocation, recipe_name: str, targets: tuple, params, overrides, options, mode: str, *, yes: bool,
               variant, create_role: bool, force: bool, parallel: int, rate: float, fail_fast: bool,
               dry_run: bool) -> None:
    from essctl.fleet.plan import make_fleet_plan
    from essctl.fleet.pool import Stopper
    from essctl.fleet.run import run_fleet
    from essctl.render.fleet_views import FleetProgress, fleet_end_line

    stop = Stopper()
    home, _, located, spec_for = _prepare_fleet(run, recipe_name, targets, params, dry_run, overrides, rate, stop,
                                                variant=variant, create_role=create_role, force=force)
    the_plan = _planned(lambda: make_fleet_plan(home, located, spec_for, trigger=mode, parallel=parallel, stop=stop))
    progress = FleetProgress(run.env, live=run.env.stdout_isatty)
    ask = confirmer(run, yes, False, "change the cloud" if mode == "none" else "change the cloud and scale groups")

    def confirm(plan) -> bool:
        progress.plan(plan)
        if not ask(plan):
            return False
        progress.start(plan)
        return True

    report = None
    try:
        report = run_fleet(home, the_plan, options, parallel=parallel, confirm=confirm, on_event=progress.event,
                           on_result=progress.result, stop=stop, fail_fast=fail_fast)
    finally:
        progress.close(report)
    if report.exit_code:      # the last line a person sees: how it ended, and where the resume commands are
        run.env.stderr.write(fleet_end_line(report) + "\n")
    raise typer.Exit(int(report.exit_code))


@command(app, "teardown", examples=(
    'essctl recipe teardown run-command --group asg-bp1example',
    'essctl recipe teardown run-command -g asg-bp1example --policy --yes',
    'essctl recipe teardown run-command --groups-from groups.txt --policy --yes',
))
def teardown(run: Invocation, recipe_name: RecipeName, group: Groups = None,
             policy: Annotated[bool, typer.Option("--policy", help="Also detach the recipe's policy from the role "
                                                  "and delete it where nothing else uses it.")] = False,
             policy_variant: Variant = None, adjustment: Adjustment = None, rule: Rule = None,
             force: Force = False, yes: Yes = False, groups_from: GroupsFrom = None, all_groups: AllGroups = False,
             where: Where = None, parallel: Parallel = 8, rate: Rate = 20.0) -> None:
    """Remove what the recipe made in the group: its hooks and rule (and with --policy, its policy), after
    confirmation (or --yes). What the recipe did not make is kept. In several groups: each group's part, then RAM's
    once, after every group's hooks are gone."""
    from essctl.errors import UsageError
    from essctl.recipe.catalog import find_recipe
    from essctl.render import output
    from essctl.render.progress import EventPrinter

    recipe = _overrides(adjustment=adjustment, rule=rule).apply(find_recipe(recipe_name))
    variant = recipe.policy_spec(policy_variant)
    if is_fleet(run, group, groups_from, all_groups):
        _teardown_fleet(run, recipe, (group, groups_from, all_groups, where), policy=variant if policy else None,
                        force=force, yes=yes, parallel=parallel, rate=rate)
        return
    if not group:
        raise UsageError("--group: required (the scaling group to remove the recipe from)")
    from essctl.recipe.teardown import apply_teardown, plan_teardown

    cloud = run.cloud()
    the_plan = plan_teardown(cloud, recipe, group[0], policy=variant if policy else None, force=force)
    printer = EventPrinter(run.env, show_calls=False)
    printer.plan(the_plan)
    done = []
    if the_plan.pending:
        if not confirmer(run, yes, False, "delete")(the_plan):
            raise typer.Exit(1)
        done = apply_teardown(cloud, the_plan, printer.event)
    if not printer.enabled or run.env.query:
        output(run.env, the_plan.report(done))


def _teardown_fleet(run: Invocation, recipe, targets: tuple, *, policy, force: bool, yes: bool, parallel: int,
                    rate: float) -> None:
    from essctl.cli.fleet import find_groups
    from essctl.fleet.pool import Stopper
    from essctl.fleet.teardown import apply_fleet_teardown, plan_fleet_teardown
    from essctl.render import output, write_lines
    from essctl.render.fleet_views import teardown_lines
    from essctl.render.progress import EventPrinter

    stop = Stopper()
    home = run.fleet_cloud(rate, stop.sleep)
    located = find_groups(run, home, *targets)
    teardown = _planned(lambda: plan_fleet_teardown(home, located, recipe, policy=policy, force=force,
                                                    parallel=parallel, stop=stop))
    printer = EventPrinter(run.env, show_calls=False)
    if printer.enabled and not run.env.query:
        write_lines(run.env, teardown_lines(teardown))
    if teardown.pending:
        if not confirmer(run, yes, False, "delete")(teardown):
            raise typer.Exit(1)
        apply_fleet_teardown(home, teardown, parallel=parallel, stop=stop, emit=printer.event)
    output(run.env, teardown)
    raise typer.Exit(int(teardown.exit_code))
