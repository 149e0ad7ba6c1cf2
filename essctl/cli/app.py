"""The root command, its global options, and the one place that turns outcomes into exit codes."""
import importlib
import os
import sys
import traceback
from typing import Annotated, Any, Optional

import typer

from essctl import __version__
from essctl.cli.helptext import PlainGroup
from essctl.cli.options import flag_for, root_callback
from essctl.env import prepare_streams, quiet_stdout
from essctl.errors import EssctlError, InputError
from essctl.exitcodes import ExitCode

# Every command group and top-level command: name -> (help, module whose `app` holds its commands). Typer builds
# every parameter of every command it is given (~1 ms each), so only the groups named on the command line are
# loaded; the others stand in as empty groups that keep the root help whole.
GROUPS: dict[str, tuple[str, str]] = {
    "group": ("Scaling groups.", "essctl.cli.group"),
    "hook": ("Lifecycle hooks.", "essctl.cli.hook"),
    "activity": ("Scaling activities.", "essctl.cli.activity"),
    "execution": ("OOS executions.", "essctl.cli.execution"),
    "role": ("RAM roles.", "essctl.cli.role"),
    "template": ("OOS templates: parameters, required RAM actions, least-privilege policy.", "essctl.cli.template"),
    "recipe": ("Recipes: a lifecycle hook, the OOS template it runs, the policy it needs, and a trigger.",
               "essctl.cli.recipe"),
    "rollout": ("Rolling updates of a group's instances: OOS rolling-update templates or ESS instance refresh.",
                "essctl.cli.rollout"),
    "sandbox": ("A local Auto Scaling / OOS / RAM emulator: rehearse recipes, run end-to-end tests.",
                "essctl.cli.sandbox"),
}
COMMANDS: dict[str, str] = {"diagnose": "essctl.cli.diagnose", "doctor": "essctl.cli.doctor"}   # always loaded


def _app_of(module: str) -> typer.Typer:
    return importlib.import_module(module).app


def build_app(args: list[str]) -> typer.Typer:
    """The command tree for these arguments (all of it for shell completion)."""
    app = typer.Typer(
        name="essctl",
        cls=_RootGroup,
        help="Run Alibaba Cloud Auto Scaling lifecycle-hook + OOS recipes end to end, and inspect what they did.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root)
    for module in COMMANDS.values():
        app.add_typer(_app_of(module))
    everything = "_ESSCTL_COMPLETE" in os.environ
    for name, (help_text, module) in GROUPS.items():
        sub = _app_of(module) if everything or name in args else typer.Typer(no_args_is_help=True)
        app.add_typer(sub, name=name, help=help_text, cls=PlainGroup)
    return app


def _show_version(value: bool) -> None:
    if value:
        print(f"essctl {__version__}")
        raise typer.Exit()


@root_callback
def root(
    ctx: typer.Context,
    version: Annotated[Optional[bool], typer.Option(
        "--version", callback=_show_version, is_eager=True, help="Print the version and exit.")] = None,
) -> None:
    """Exit codes: 0 ok, 1 the operation failed, 2 bad usage or input (nothing sent), 3 cloud API error,
    4 timed out, 74 a file could not be written, 130 interrupted."""


def _is_click_exception(exc: BaseException) -> bool:
    # Typer vendors click; match its exceptions by shape rather than by a private import path.
    return hasattr(exc, "exit_code") and hasattr(exc, "format_message")


class _Unhandled(Exception):
    """Ctrl-C that no command handled. Typer would turn the KeyboardInterrupt into a silent exit 130; this passes
    through Typer to run(), which says so. A command that handles Ctrl-C itself (printing its own line and exiting
    130, or raising an EssctlError that carries its own message and exit code) is left alone."""


class _RootGroup(PlainGroup):
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _Unhandled() from None


def _say(line: str) -> None:
    """The one line on stderr: shown as text, at most MAX_ERROR_LINE characters, whatever the message holds."""
    from essctl.render.safe import error_line
    from essctl.render.style import on_stderr

    try:
        print(on_stderr(error_line(line, encoding=getattr(sys.stderr, "encoding", None))), file=sys.stderr, flush=True)
    except BrokenPipeError:      # nobody reads stderr any more
        pass


def _traceback() -> None:
    from essctl.render.safe import printable

    sys.stderr.write(printable(traceback.format_exc(), newlines=True))


def run(argv: list[str] | None = None) -> int:
    """Run essctl and return the exit code; never lets a traceback reach the user unless --verbose. Every error is
    one line on stderr (essctl.render.safe.error_line)."""
    args = sys.argv[1:] if argv is None else argv
    verbose = "-v" in args or "--verbose" in args
    try:
        result: Any = build_app(args)(args=args, prog_name="essctl", standalone_mode=False)
        return int(result) if isinstance(result, int) else ExitCode.OK
    except EssctlError as exc:
        if verbose:
            _traceback()
        message = f"{flag_for(exc.field)}: {exc.problem}" if isinstance(exc, InputError) else str(exc)
        _say(f"essctl: error: {message}")
        return exc.exit_code
    except (KeyboardInterrupt, _Unhandled):
        _say("essctl: interrupted")
        return ExitCode.INTERRUPTED
    except BrokenPipeError:      # the reader of stdout has gone: quietly, exit 1 (as Typer's own handler does)
        quiet_stdout()
        return ExitCode.OPERATION_FAILED
    except Exception as exc:
        if type(exc).__name__ == "Abort":     # Ctrl-C (or end of input) at a prompt
            _say("essctl: interrupted")
            return ExitCode.INTERRUPTED
        if type(exc).__name__ == "NoArgsIsHelpError":   # `essctl`, `essctl recipe`: the help, already printed
            if exc.format_message().strip():              # (by rich; click's own help comes as the message)
                print(exc.format_message())
            return int(getattr(exc, "exit_code", ExitCode.USAGE))
        if _is_click_exception(exc):
            context = getattr(exc, "ctx", None)
            hint = f" (see '{context.command_path} --help')" if context is not None else ""
            _say(f"essctl: error: {' '.join(exc.format_message().split())}{hint}")
            return int(exc.exit_code)
        if verbose:
            _traceback()
        _say(f"essctl: internal error: {type(exc).__name__}: {exc} (rerun with --verbose for the traceback)")
        return ExitCode.INTERNAL


def main() -> None:
    prepare_streams()
    code = run()
    try:
        sys.stdout.flush()
    except BrokenPipeError:      # `essctl ... | head -1`: the reader has gone; say nothing
        quiet_stdout()
        code = ExitCode.OPERATION_FAILED
    sys.exit(code)
