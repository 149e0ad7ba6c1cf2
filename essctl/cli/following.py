"""What the watch commands share: run a watch under the right view, print its end, exit 0, 1, 4 or 130."""
from typing import Annotated, Any, Callable, Optional

import typer

from essctl.cli.options import MAX_POLL_INTERVAL_S, MAX_WAIT_S, Invocation, finite

Timeout = Annotated[Optional[float], typer.Option(
    "--timeout", metavar="S", min=1, max=MAX_WAIT_S, callback=finite,
    help="Stop after S seconds (exit 4). Default: the group's longest hook timeout + 300 s (900 s for an execution).")]
Interval = Annotated[float, typer.Option(
    "--poll-interval", metavar="S", min=0.01, max=MAX_POLL_INTERVAL_S, callback=finite,
    help="Poll pace: S/2 after a change, up to 1.5x S while something can end, backing off to 7.5x S while "
         "only a time-out can (2 s: 1 s, 3 s, 15 s).")]


def follow(run: Invocation, title: str, resume: list[str], watch: Callable[[Any], Any], *,
           summary: Optional[Callable[[Any], Any]] = None, ok: Optional[Callable[[Any], bool]] = None) -> None:
    """Run `watch(emit)` under the right view; print the summary (`summary(result)`, lines); exit 0 (`ok(result)`,
    else succeeded), 1 (failed), 4 (timeout) or 130. Every exit that leaves something running ends with the
    commands in `resume`, after the live view has stopped."""
    from essctl.errors import EssctlError, PreconditionFailed, UsageError
    from essctl.exitcodes import ExitCode
    from essctl.render import write_lines
    from essctl.render.progress import resume_text, timed_out_line, watch_summary_lines
    from essctl.render.safe import error_line
    from essctl.render.watch_views import JsonLinesWatchView, watch_view

    view = watch_view(run.env, title)
    then = resume_text(resume)
    try:
        with view:
            result = watch(view.event)
    except KeyboardInterrupt:
        run.env.stderr.write(f"essctl: interrupted; resume with: {then}\n")
        raise typer.Exit(int(ExitCode.INTERRUPTED))
    except EssctlError as exc:   # throttled or refused past the retries: what is watched goes on
        if isinstance(exc, (PreconditionFailed, UsageError)):
            raise                # nothing to resume: it was not found, or the input was bad
        run.env.stderr.write(f"essctl: error: {error_line(str(exc), limit=120)}; resume with: {then}\n")
        raise typer.Exit(int(exc.exit_code))
    except BrokenPipeError:
        run.env.stderr.write(f"essctl: the output was closed; resume with: {then}\n")
        raise typer.Exit(int(ExitCode.OPERATION_FAILED))
    if isinstance(view, JsonLinesWatchView):
        view.summary({"Event": "summary", **result.to_dict()})
    else:
        write_lines(run.env, (summary or watch_summary_lines)(result))
    if result.timed_out:
        run.env.stdout.flush()
        run.env.stderr.write(timed_out_line(result.running, resume) + "\n")
        raise typer.Exit(int(ExitCode.TIMEOUT))
    succeeded = ok(result) if ok is not None else result.succeeded
    raise typer.Exit(int(ExitCode.OK if succeeded else ExitCode.OPERATION_FAILED))
