"""rollout plan | start | status | watch | pause | resume | rollback | cancel | list: rolling updates of the
instances in a scaling group, with the documented OOS templates or ESS instance refresh."""
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from essctl.cli.following import Interval, follow
from essctl.cli.options import (
    MAX_WAIT_S,
    Invocation,
    MaxItems,
    command,
    confirmer,
    finite,
    parse_key_values,
    resource_id,
)

app = typer.Typer(no_args_is_help=True)

Group = Annotated[Optional[str], typer.Option("--group", "-g", metavar="ID", callback=resource_id,
                                              help="Scaling group id (asg-...).")]
RolloutId = Annotated[Optional[str], typer.Argument(
    metavar="ID", callback=resource_id, help="The rollout: an OOS execution id (exec-...) or an instance refresh task id.")]
Engine = Annotated[str, typer.Option("--engine", metavar="ENGINE",
                                     help="oos (the documented rolling-update templates) or instance-refresh (ESS).")]
Image = Annotated[Optional[str], typer.Option("--image", metavar="ID", help="Replace the system disk with this image.")]
Script = Annotated[Optional[str], typer.Option("--script", metavar="TEXT|@FILE", help="Run this script on every instance.")]
RollbackScript = Annotated[Optional[str], typer.Option(
    "--rollback-script", metavar="TEXT|@FILE", help="The script a rollback runs (with --script).")]
Package = Annotated[Optional[str], typer.Option("--package", metavar="NAME", help="Configure this OOS package.")]
PackageVersion = Annotated[Optional[str], typer.Option("--package-version", metavar="V", help="The package version.")]
PackageAction = Annotated[Optional[str], typer.Option("--action", metavar="install|uninstall",
                                                      help="With --package: install (default) or uninstall.")]
Template = Annotated[Optional[str], typer.Option(
    "--template", metavar="NAME", help="Another ACS-ESS-RollingUpdateBy* template, its parameters with -p.")]
Params = Annotated[Optional[List[str]], typer.Option("--param", "-p", metavar="KEY=VALUE",
                                                     help="A template parameter; repeat for each.")]
Batches = Annotated[int, typer.Option("--batches", metavar="N", min=1, max=100, help="Batches (batchNumber, 1-100).")]
Pause = Annotated[str, typer.Option("--pause", metavar="first|every|none",
                                    help="Pause after the first batch, after every batch, or never.")]
Suspend = Annotated[Optional[str], typer.Option(
    "--suspend", metavar="P,P", help="Processes suspended during the rollout (default: ScaleIn, ScaleOut, "
    "HealthCheck, AlarmNotification, ScheduledAction; 'none' for none).")]
ResumeProcesses = Annotated[Optional[str], typer.Option(
    "--resume-processes", metavar="P,P", help="Processes resumed at the end (default: those suspended).")]
Role = Annotated[Optional[str], typer.Option("--role", metavar="NAME", help="The role OOS assumes (OOSServiceRole).")]
CreateRole = Annotated[bool, typer.Option("--create-role", help="Create the role with the OOS trust policy if missing.")]
Force = Annotated[bool, typer.Option("--force", help="Make a policy change other hooks would suffer from.")]
MinHealthy = Annotated[Optional[int], typer.Option("--min-healthy", metavar="PCT", min=0, max=100,
                                                   help="Instance refresh: MinHealthyPercentage (default 100).")]
MaxHealthy = Annotated[Optional[int], typer.Option("--max-healthy", metavar="PCT", min=100, max=200,
                                                   help="Instance refresh: MaxHealthyPercentage.")]
Checkpoints = Annotated[Optional[List[int]], typer.Option("--checkpoint", metavar="PCT", min=1, max=100,
                                                          help="Instance refresh: pause at PCT % (repeatable).")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Start without asking (a rollout is billable).")]
DryRun = Annotated[bool, typer.Option(
    "--dry-run", help="Against the bundled recorded answers (or --tape FILE): no network, no credentials.")]
RollbackOnFailure = Annotated[bool, typer.Option("--rollback-on-failure", help="Roll back when the rollout fails.")]
Timeout = Annotated[Optional[float], typer.Option(
    "--timeout", metavar="S", min=1, max=MAX_WAIT_S, callback=finite,
    help="Stop watching after S seconds (exit 4). Default: twice the estimate, at least an hour.")]


def _text(value: Optional[str], flag: str) -> Optional[str]:
    """TEXT, or the content of FILE for @FILE."""
    if value is None or not value.startswith("@"):
        return value
    from essctl.errors import UsageError

    try:
        return Path(value[1:]).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{flag}: cannot read {value[1:]}: {getattr(exc, 'strerror', None) or exc}") from None


def _processes(value: Optional[str], default: tuple) -> tuple:
    from essctl.errors import UsageError
    from essctl.facts.rollout import PROCESSES

    if value is None:
        return default
    if value.strip().lower() == "none":
        return ()
    items = tuple(item.strip() for item in value.split(",") if item.strip())
    bad = [item for item in items if item not in PROCESSES]
    if bad:
        raise UsageError(f"--suspend/--resume-processes: {bad[0][:40]} is not one of {', '.join(PROCESSES)}")
    return items


def _spec(run: Invocation, group, engine, image, script, rollback_script, package, package_version, action,
          template, param, batches, pause, suspend, resume_processes, role, create_role, force, min_healthy,
          max_healthy, checkpoint, dry_run, rollback_on_failure=False):
    from essctl.errors import UsageError
    from essctl.facts import rollout as facts
    from essctl.facts.oos import DEFAULT_ROLE
    from essctl.rollout.model import Change, RolloutSpec, choose

    if engine not in facts.ENGINES:
        raise UsageError(f"--engine: must be one of {', '.join(facts.ENGINES)}, got {engine[:40]}")
    if pause not in facts.PAUSE_OPTIONS:
        raise UsageError(f"--pause: must be one of {', '.join(facts.PAUSE_OPTIONS)}, got {pause[:40]}")
    if action is not None and action not in ("install", "uninstall"):
        raise UsageError(f"--action: must be install or uninstall, got {action[:40]}")
    change = Change(image=image, script=_text(script, "--script"), rollback_script=_text(rollback_script,
                    "--rollback-script"), package=package, package_version=package_version, package_action=action,
                    template=template, parameters=parse_key_values(param, "-p"))
    name, params = choose(change, engine=engine)
    if dry_run:
        kind = "refresh" if engine == facts.ENGINE_REFRESH else facts.TEMPLATES[name].kind \
            if name in facts.TEMPLATES else "script"
        cloud = run.replay_cloud(f"rollout-{kind}")
        group = group or cloud.session.recorded_parameter("DescribeScalingGroups", "ScalingGroupIds.1")
    else:
        cloud = run.cloud()
    if not group:
        raise UsageError("--group: required (the scaling group whose instances are updated)")
    suspended = _processes(suspend, facts.DEFAULT_PROCESSES)
    spec = RolloutSpec(group_id=group, engine=engine, template=name, parameters=params, batches=batches, pause=pause,
                       suspend=suspended, resume=_processes(resume_processes, suspended), role=role or DEFAULT_ROLE,
                       create_role=create_role, force=force, rollback_on_failure=rollback_on_failure, image=image,
                       min_healthy=min_healthy, max_healthy=max_healthy, checkpoints=tuple(checkpoint or ()))
    return cloud, spec


@command(app, "plan", examples=(
    'essctl rollout plan --group asg-bp1example --image m-bp1new --batches 3',
    'essctl rollout plan --image m-bp1new --dry-run',
))
def rollout_plan(run: Invocation, group: Group = None, engine: Engine = "oos", image: Image = None,
                 script: Script = None, rollback_script: RollbackScript = None, package: Package = None,
                 package_version: PackageVersion = None, action: PackageAction = None, template: Template = None,
                 param: Params = None, batches: Batches = 5, pause: Pause = "none", suspend: Suspend = None,
                 resume_processes: ResumeProcesses = None, role: Role = None, create_role: CreateRole = False,
                 force: Force = False, min_healthy: MinHealthy = None, max_healthy: MaxHealthy = None,
                 checkpoint: Checkpoints = None, dry_run: DryRun = False) -> None:
    """Show what `rollout start` would do (read-only): instances batch by batch, processes, role and policy,
    failing preconditions, an estimate. Exit 1 when a precondition fails."""
    from essctl.render import output
    from essctl.rollout.plan import make_rollout_plan

    cloud, spec = _spec(run, group, engine, image, script, rollback_script, package, package_version, action,
                        template, param, batches, pause, suspend, resume_processes, role, create_role, force,
                        min_healthy, max_healthy, checkpoint, dry_run)
    the_plan = make_rollout_plan(cloud, spec)
    output(run.env, the_plan)
    raise typer.Exit(1 if the_plan.failing else 0)


@command(app, "start", examples=(
    'essctl rollout start --group asg-bp1example --script @upgrade.sh --rollback-script @undo.sh --pause first',
    'essctl rollout start -g asg-bp1example --engine instance-refresh --image m-bp1new --min-healthy 80',
    'essctl rollout start --image m-bp1new --dry-run',
))
def rollout_start(run: Invocation, group: Group = None, engine: Engine = "oos", image: Image = None,
                  script: Script = None, rollback_script: RollbackScript = None, package: Package = None,
                  package_version: PackageVersion = None, action: PackageAction = None, template: Template = None,
                  param: Params = None, batches: Batches = 5, pause: Pause = "none", suspend: Suspend = None,
                  resume_processes: ResumeProcesses = None, role: Role = None, create_role: CreateRole = False,
                  force: Force = False, min_healthy: MinHealthy = None, max_healthy: MaxHealthy = None,
                  checkpoint: Checkpoints = None, rollback_on_failure: RollbackOnFailure = False, yes: Yes = False,
                  timeout: Timeout = None, poll_interval: Interval = 2.0, dry_run: DryRun = False) -> None:
    """Plan, confirm (or --yes), grant the role what the template needs, start the rollout with a ClientToken and
    watch it batch by batch. Exit 0 (done or paused), 1 (failed), 4 (timeout), 130 (Ctrl-C)."""
    from essctl.render import output
    from essctl.render.progress import EventPrinter, resume_text
    from essctl.render.rollout_views import plan_lines, stopped_line
    from essctl.rollout.run import WatchOptions, start_rollout
    from essctl.watch.watcher import Pacing

    cloud, spec = _spec(run, group, engine, image, script, rollback_script, package, package_version, action,
                        template, param, batches, pause, suspend, resume_processes, role, create_role, force,
                        min_healthy, max_healthy, checkpoint, dry_run, rollback_on_failure)
    printer = EventPrinter(run.env, show_calls=dry_run and run.env.verbose)
    cloud.session.on_call = printer.call
    if dry_run:
        printer.note(f"Dry-run: every answer comes from {cloud.session.tape_description()}; nothing is sent.")
    ask = confirmer(run, yes, dry_run, "start a rollout (billable)")

    def confirm(the_plan) -> bool:
        for line in plan_lines(the_plan):
            printer.note(line)
        return ask(the_plan)

    options = WatchOptions(timeout=timeout, pacing=Pacing(first=poll_interval, longest=poll_interval * 7.5))
    report = start_rollout(cloud, spec, options, confirm=confirm, emit=printer.event)
    output(run.env, report)
    run.env.stdout.flush()       # the line that resumes comes last, after the report
    if report.stopped is not None:
        run.env.stderr.write(stopped_line(report) + "\n")
    elif report.resume():
        run.env.stderr.write(f"essctl: rollout {report.rollout_id} {report.outcome}: {resume_text(report.resume())}\n")
    raise typer.Exit(int(report.exit_code))


@command(app, "status", examples=(
    'essctl rollout status --group asg-bp1example',
    'essctl rollout status exec-0123456789abcdef -g asg-bp1example -o json',
))
def rollout_status(run: Invocation, rollout_id: RolloutId = None, group: Group = None) -> None:
    """The rollout now (the group's latest without ID): status, batches, failed task."""
    from essctl.render import output
    from essctl.rollout.control import latest, status

    group = _group(group)
    output(run.env, status(run.cloud(), group, rollout_id or latest(run.cloud(), group)))


@command(app, "watch", examples=(
    'essctl rollout watch --group asg-bp1example',
    'essctl rollout watch exec-0123456789abcdef -g asg-bp1example',
))
def rollout_watch(run: Invocation, rollout_id: RolloutId = None, group: Group = None, timeout: Timeout = None,
                  poll_interval: Interval = 2.0) -> None:
    """Follow a rollout batch by batch until it ends or pauses: exit 0, 1, 4 or 130 with the command that resumes."""
    from essctl.render.rollout_views import status_lines
    from essctl.rollout.control import latest
    from essctl.rollout.run import WatchOptions
    from essctl.rollout.run import follow as follow_rollout
    from essctl.watch.watcher import Pacing

    group = _group(group)
    cloud = run.cloud()
    rollout_id = rollout_id or latest(cloud, group)
    options = WatchOptions(timeout=timeout, pacing=Pacing(first=poll_interval, longest=poll_interval * 7.5))
    resume = [f"essctl rollout watch {rollout_id} --group {group} --region {cloud.region}"]
    follow(run, f"Rollout {rollout_id}", resume, lambda emit: follow_rollout(cloud, group, rollout_id, options, emit),
           summary=lambda seen: ["", *status_lines(seen), *(
               [f"  resume     essctl rollout resume {rollout_id} --group {group} --region {cloud.region}"]
               if seen.paused else [])],
           ok=lambda seen: seen.succeeded or seen.paused)


def _group(group: Optional[str]) -> str:
    from essctl.errors import UsageError

    if not group:
        raise UsageError("--group: required (the scaling group of the rollout)")
    return group


@command(app, "pause", examples=(
    'essctl rollout pause --group asg-bp1example',
))
def rollout_pause(run: Invocation, rollout_id: RolloutId = None, group: Group = None) -> None:
    """Pause: SuspendInstanceRefresh; an OOS rollout pauses itself between batches (--pause first|every)."""
    from essctl.render import output
    from essctl.rollout.control import latest, pause

    group = _group(group)
    output(run.env, pause(run.cloud(), group, rollout_id or latest(run.cloud(), group)))


@command(app, "resume", examples=(
    'essctl rollout resume exec-0123456789abcdef --group asg-bp1example',
))
def rollout_resume(run: Invocation, rollout_id: RolloutId = None, group: Group = None) -> None:
    """Go on with a paused rollout: NotifyExecution for a batch waiting, ResumeInstanceRefresh for a refresh."""
    from essctl.render import output
    from essctl.rollout.control import latest, resume

    group = _group(group)
    output(run.env, resume(run.cloud(), group, rollout_id or latest(run.cloud(), group)))


@command(app, "cancel", examples=(
    'essctl rollout cancel --group asg-bp1example',
))
def rollout_cancel(run: Invocation, rollout_id: RolloutId = None, group: Group = None) -> None:
    """Cancel the rollout and resume the processes it suspended (CancelExecution + ResumeProcesses, or
    CancelInstanceRefresh)."""
    from essctl.render import output
    from essctl.rollout.control import cancel, latest

    group = _group(group)
    output(run.env, cancel(run.cloud(), group, rollout_id or latest(run.cloud(), group)))


@command(app, "rollback", examples=(
    'essctl rollout rollback --group asg-bp1example',
    'essctl rollout rollback exec-0123456789abcdef -g asg-bp1example',
))
def rollout_rollback(run: Invocation, rollout_id: RolloutId = None, group: Group = None, param: Params = None,
                     yes: Yes = False) -> None:
    """Start the documented rollback of a rollout (the group's latest without ID), after confirmation (or --yes)."""
    from essctl.render import output
    from essctl.rollout.control import rollback

    group = _group(group)
    confirmer(run, yes, False, "roll back (billable: it changes every updated instance again)")(None)
    output(run.env, rollback(run.cloud(), group, rollout_id, parse_key_values(param, "-p")))


@command(app, "list", examples=(
    'essctl rollout list --group asg-bp1example',
    "essctl rollout list -g asg-bp1example -o text --query '[].[Id, Status]'",
))
def rollout_list(run: Invocation, group: Group = None, max_items: MaxItems = 0) -> None:
    """The group's rollouts, newest first: executions essctl started and ESS instance refresh tasks."""
    from essctl.render import Listing, output
    from essctl.rollout.control import list_rollouts

    group = _group(group)
    output(run.env, Listing("rollouts", list_rollouts(run.cloud(), group, max_items=max_items or None)))
