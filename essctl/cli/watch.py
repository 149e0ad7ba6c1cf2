"""activity watch | execution watch: follow a scaling activity or an OOS execution until it ends."""
import json
from typing import Annotated, Optional

import typer

from essctl.cli.options import Invocation, cloud_command

Timeout = Annotated[Optional[float], typer.Option(
    "--timeout", metavar="S", min=1, help="Stop after S seconds (exit 4). Default: the group's longest hook "
    "timeout + 300 s (900 s for an execution).")]
Interval = Annotated[float, typer.Option(
    "--poll-interval", metavar="S", min=0.01, help="First poll interval; it backs off to 7.5x (2 s -> 15 s).")]
DEFAULT_EXECUTION_TIMEOUT_S = 900.0


def _follow(run: Invocation, title: str, resume: str, watch) -> None:
    """Run `watch(emit)` under the right view; print the summary; exit 0, 1 (failed), 4 (timeout) or 130."""
    from essctl.exitcodes import ExitCode
    from essctl.render.watch_views import JsonLinesWatchView, watch_view

    view = watch_view(run.env, title)
    try:
        with view:
            result = watch(view.event)
    except KeyboardInterrupt:
        run.env.stderr.write(f"essctl: interrupted; resume with: {resume}\n")
        raise typer.Exit(int(ExitCode.INTERRUPTED))
    summary = {"event": "summary", **result.to_dict()}
    if isinstance(view, JsonLinesWatchView):
        run.env.stdout.write(json.dumps(summary, ensure_ascii=False, default=str) + "\n")
    else:
        from essctl.render.progress import watch_summary_lines, write_lines

        write_lines(run.env, watch_summary_lines(result.to_dict()))
    if result.timed_out:
        run.env.stderr.write(f"essctl: timed out; still running: {', '.join(result.running) or 'nothing'}; "
                             f"resume with: {resume}\n")
        raise typer.Exit(int(ExitCode.TIMEOUT))
    raise typer.Exit(int(ExitCode.OK if result.succeeded else ExitCode.OPERATION_FAILED))


def activity_watch(run: Invocation, activity_id: Annotated[str, typer.Argument(metavar="ID", help="asa-...")],
                   timeout: Timeout = None, poll_interval: Interval = 2.0) -> None:
    """Follow a scaling activity, its instances, lifecycle actions and the OOS executions its hooks started."""
    from essctl.core.watch import Pacing, Watcher, hook_templates_and_timeout

    session = run.session()
    templates, hook_timeout = hook_templates_and_timeout(session, activity_id)
    limit = timeout if timeout is not None else hook_timeout
    watcher_of = lambda emit: Watcher(session, emit, timeout=limit,  # noqa: E731
                                      pacing=Pacing(poll_interval, poll_interval * 7.5)).activity(activity_id, templates)
    _follow(run, f"Activity {activity_id}", f"essctl activity watch {activity_id}", watcher_of)


def execution_watch(run: Invocation, execution_id: Annotated[str, typer.Argument(metavar="ID", help="exec-...")],
                    timeout: Timeout = None, poll_interval: Interval = 2.0) -> None:
    """Follow an OOS execution and its tasks until it ends."""
    from essctl.core.watch import Pacing, Watcher

    session = run.session()
    limit = timeout if timeout is not None else DEFAULT_EXECUTION_TIMEOUT_S
    watcher_of = lambda emit: Watcher(session, emit, timeout=limit,  # noqa: E731
                                      pacing=Pacing(poll_interval, poll_interval * 7.5)).execution(execution_id)
    _follow(run, f"Execution {execution_id}", f"essctl execution watch {execution_id}", watcher_of)


def register(activity_app: typer.Typer, execution_app: typer.Typer) -> None:
    activity_app.command("watch")(cloud_command(activity_watch))
    execution_app.command("watch")(cloud_command(execution_watch))
