"""The global options, accepted before the command (`essctl --region X group list`) and after it
(`essctl group list --region X`); a value given after the command wins. Also the one way commands are wired, the
KEY=VALUE parser, the confirmation prompt, and how a core field is worded as its flag."""
from __future__ import annotations

import functools
import inspect
import math
import os
import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Callable, List, Optional

import typer

from essctl.cli.completion import complete_group, complete_profile
from essctl.cloud.services import SERVICES
from essctl.cloud.settings import CloudSettings, checked_profile, checked_region, parse_endpoints
from essctl.env import Environment
from essctl.errors import Interrupted, UsageError, clip, shorten
from essctl.limits import control_character
from essctl.yamldoc import shown_path

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud

CLOUD_PANEL = "Cloud options"
OUTPUT_PANEL = "Output options"


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    yaml = "yaml"
    text = "text"


# name -> annotation; each becomes --name on the root callback and on every cloud command.
GLOBAL_OPTIONS: dict[str, Any] = {
    "profile": Annotated[Optional[str], typer.Option(
        "--profile", metavar="NAME", rich_help_panel=CLOUD_PANEL, autocompletion=complete_profile,
        help="Credentials profile of ~/.aliyun/config.json (or credentials.ini). Default: the SDK default chain.")],
    "region": Annotated[Optional[List[str]], typer.Option(
        "--region", metavar="REGION", rich_help_panel=CLOUD_PANEL,
        help="Region id. Default: $ALIBABA_CLOUD_REGION_ID, else the profile's region_id. recipe plan, run and "
             "teardown take it more than once (fleet mode).")],
    "endpoint": Annotated[Optional[List[str]], typer.Option(
        "--endpoint", metavar="[SERVICE=]URL", rich_help_panel=CLOUD_PANEL,
        help="Send every service (or one: ess=, oos=, ram=) to this base URL, e.g. http://127.0.0.1:8780; "
             "repeatable. Default: $ESSCTL_ENDPOINT (comma-separated the same way).")],
    "tape": Annotated[Optional[Path], typer.Option(
        "--tape", metavar="FILE", rich_help_panel=CLOUD_PANEL,
        help="Replay every call from a tape file (or a bundled tape name, e.g. demo): no network, no credentials.")],
    "record": Annotated[Optional[Path], typer.Option(
        "--record", metavar="FILE", rich_help_panel=CLOUD_PANEL,
        help="Record every call to a tape file (appends if it exists). Secrets are never written.")],
    "redact_account": Annotated[Optional[bool], typer.Option(
        "--redact-account", rich_help_panel=CLOUD_PANEL, show_default=False,
        help="With --record: replace the account id with a placeholder.")],
    "output": Annotated[Optional[OutputFormat], typer.Option(
        "--output", "-o", rich_help_panel=OUTPUT_PANEL, case_sensitive=False,
        help="Output format (text: bare values, tab-separated). Default: table on a terminal, json otherwise.")],
    "query": Annotated[Optional[str], typer.Option(
        "--query", metavar="JMESPATH", rich_help_panel=OUTPUT_PANEL,
        help="JMESPath expression applied to the json form of the result.")],
    "verbose": Annotated[Optional[bool], typer.Option(
        "--verbose", "-v", rich_help_panel=OUTPUT_PANEL, show_default=False,
        help="Log every API call (action, parameters, status, request id, time) to stderr; tracebacks on errors.")],
    "no_color": Annotated[Optional[bool], typer.Option(
        "--no-color", rich_help_panel=OUTPUT_PANEL, show_default=False,
        help="No colours (also when NO_COLOR is set).")],
}

# How the core's field names read on the command line (an error about `timeout` names `--timeout`).
FLAGS = {
    "timeout": "--timeout", "default_result": "--default-result", "status": "--status",
    "hook_timeout": "--hook-timeout", "adjustment": "--adjustment", "rule": "--rule",
    "policy_variant": "--policy-variant", "group": "--group", "template_file": "--template-file",
    "template_dir": "--template-dir",
}


def flag_for(field_name: str) -> str:
    """`input.NAME` -> `-p NAME`; a known field -> its flag; anything else as it is."""
    if field_name.startswith("input."):
        return f"-p {field_name.split('.', 1)[1]}"
    return FLAGS.get(field_name, field_name)


@dataclass
class Invocation:
    """What a command runs with: the terminal environment and the cloud settings."""

    env: Environment
    settings: CloudSettings
    regions: tuple[str, ...] = ()       # every --region given (fleet mode takes several)
    _cloud: Any = field(default=None, init=False, repr=False)

    def _log(self) -> Callable[[str], None] | None:
        return self.env.log if self.env.verbose else None

    def cloud(self) -> Cloud:
        """The command's cloud, made on first use (commands that need no cloud never make it)."""
        if len(self.regions) > 1:
            raise UsageError(f"--region: given {len(self.regions)} times ({', '.join(self.regions)}); only recipe "
                             "plan, run and teardown work in several regions at once")
        if self._cloud is None:
            from essctl.cloud.gateway import Cloud
            from essctl.cloud.session import CloudSession

            self._cloud = Cloud(CloudSession(self.settings, log=self._log()))
        return self._cloud

    def fleet_cloud(self, rate: float, sleep: Callable[[float], None]) -> Cloud:
        """The cloud of a fleet run's first region, its calls paced by a rate limiter that every group's cloud
        shares (Cloud.sibling); it waits with `sleep` (one that ends when the run is stopped)."""
        from essctl.cloud.gateway import Cloud
        from essctl.cloud.ratelimit import RateLimiter
        from essctl.cloud.session import CloudSession

        if self.settings.tape or self.settings.record:
            raise UsageError(f"{'--tape' if self.settings.tape else '--record'}: replay or record one scaling group "
                             "at a time (drop the other groups, or --tape/--record)")
        self._cloud = Cloud(CloudSession(self.settings, log=self._log(), limiter=RateLimiter(rate, sleep=sleep)))
        return self._cloud

    def dry_run_cloud(self, recipe_name: str, recipe_file: str | None = None) -> tuple[Cloud, str | None]:
        """A cloud that answers from the recipe's bundled tape (or --tape FILE), matching calls by action, and the
        scaling group that tape was recorded in."""
        cloud = self.replay_cloud(f"recipe-{recipe_name}", recipe_file)
        return cloud, cloud.session.recorded_parameter("DescribeScalingGroups", "ScalingGroupIds.1")

    def replay_cloud(self, bundled_tape: str, recipe_file: str | None = None) -> Cloud:
        """A cloud that answers from a bundled tape (or --tape FILE), matching calls by action: no network, no
        credentials."""
        import dataclasses

        from essctl.cloud.gateway import Cloud
        from essctl.cloud.session import CloudSession

        if self.settings.record:
            raise UsageError(f"--record {self.settings.record}: a --dry-run replays recorded answers and sends "
                             "nothing, so there is nothing to record; drop --record or --dry-run")
        if self.settings.tape is None:
            from essctl.cloud.tape import bundled_tapes_dir

            if not (bundled_tapes_dir() / f"{bundled_tape}.yaml").is_file():
                name = bundled_tape.removeprefix("recipe-")
                raise UsageError(
                    f"--dry-run: no recorded answers for {clip(name)}: only the built-in recipes come with a tape; "
                    f"record one against the sandbox (essctl sandbox serve; essctl recipe run {clip(recipe_file or name)}"
                    " --endpoint http://127.0.0.1:8780 --record my-tape.yaml ...), then add --tape my-tape.yaml")
        tape = self.settings.tape or Path(bundled_tape)
        self.settings = dataclasses.replace(self.settings, tape=tape)
        self._cloud = Cloud(CloudSession(self.settings, log=self._log(), match_by_action=True))
        return self._cloud


def merge(root: dict[str, Any] | None, overrides: dict[str, Any]) -> Invocation:
    values = {name: overrides.get(name) if overrides.get(name) is not None else (root or {}).get(name)
              for name in GLOBAL_OPTIONS}
    output = values["output"]
    env = Environment.from_options(
        output=output.value if isinstance(output, OutputFormat) else output,
        query=values["query"], no_color=bool(values["no_color"]), verbose=bool(values["verbose"]))
    if values["endpoint"]:
        endpoint, service_endpoints = parse_endpoints(values["endpoint"], tuple(SERVICES))
    else:
        variable = [item for item in os.environ.get("ESSCTL_ENDPOINT", "").split(",") if item]
        endpoint, service_endpoints = parse_endpoints(variable, tuple(SERVICES), "ESSCTL_ENDPOINT")
    regions = tuple(dict.fromkeys(checked_region(region, "--region") for region in values["region"] or ()))
    if values["profile"] is not None:
        checked_profile(values["profile"], "--profile")
    if values["query"] is not None:
        check_jmespath(values["query"])
    settings = CloudSettings(
        profile=values["profile"], region=regions[0] if regions else None, endpoint=endpoint,
        service_endpoints=service_endpoints,
        tape=values["tape"], record=values["record"], redact_account=bool(values["redact_account"]))
    return Invocation(env=env, settings=settings, regions=regions)


def check_jmespath(expression: str, flag: str = "--query") -> None:
    """A JMESPath expression compiled before any call: a mistake found when the answer is rendered comes after the
    calls."""
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        jmespath.compile(expression)
    except RecursionError:
        raise UsageError(f"{flag}: nested too deep: {shorten(expression)}") from None
    except JMESPathError as exc:
        raise UsageError(f"{flag}: {getattr(exc, 'msg', 'invalid')} at character "
                         f"{getattr(exc, 'lex_position', 0)}: {shorten(expression)}") from None


def _with_global_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command the global options; it receives an Invocation as its first argument."""
    signature = inspect.signature(func, eval_str=True)
    own = list(signature.parameters.values())[1:]
    added = [inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)]
    added += [inspect.Parameter(f"global_{name}", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
              for name, annotation in GLOBAL_OPTIONS.items()]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx: typer.Context = kwargs.pop("ctx")
        overrides = {name: kwargs.pop(f"global_{name}") for name in GLOBAL_OPTIONS}
        return func(merge(ctx.find_root().obj, overrides), *args, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=[*own, *added])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in [*own, *added]}
    return wrapper


def root_callback(func: Callable[..., Any]) -> Callable[..., Any]:
    """The root callback with the global options added: their values wait in ctx.obj for the command to merge."""
    signature = inspect.signature(func, eval_str=True)
    added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
             for name, annotation in GLOBAL_OPTIONS.items()]

    @functools.wraps(func)
    def wrapper(ctx: typer.Context, **kwargs: Any) -> Any:
        ctx.obj = {name: kwargs.pop(name) for name in GLOBAL_OPTIONS}
        return func(ctx, **kwargs)

    parameters = list(signature.parameters.values())
    wrapper.__signature__ = signature.replace(parameters=[*parameters, *added])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in [*parameters, *added]}
    return wrapper


def command(app: typer.Typer, name: str, *, examples: tuple[str, ...] = (), global_options: bool = True,
            **options: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The one way a command is wired: `@command(app, "list", examples=(...))` over a function taking an Invocation
    first (or, with `global_options=False`, a command that needs no cloud and no output format, such as `sandbox
    serve`); the examples end its --help."""
    from essctl.cli.helptext import PlainCommand
    from essctl.cli.helptext import examples as epilog

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        app.command(name, cls=PlainCommand, epilog=epilog(*examples) if examples else None, **options)(
            _with_global_options(func) if global_options else func)
        return func

    return register


def parse_key_values(items: list[str] | None, flag: str) -> dict[str, str]:
    """KEY=VALUE options (`-p commandType=RunShellScript`) as a mapping; `KEY=@FILE` and `KEY=file://FILE` take the
    value from a file (`@@` is a literal `@`). One bad item (no =, a key given twice, a control character, an
    unreadable file) is a usage error."""
    values: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"{flag}: expected KEY=VALUE, got {shorten(item)}")
        if value.startswith("@@"):
            value = value[1:]
        elif value.startswith("@") or value.startswith("file://"):
            value = read_value_file(value[1:] if value.startswith("@") else value[len("file://"):],
                                    f"{flag} {clip(key)}")
        for part, text in (("key", key), ("value", value)):
            problem = control_character(text)
            if problem:
                raise UsageError(f"{flag} {clip(key)}: the {part} holds {problem}")
        if key in values:
            raise UsageError(f"{flag} {clip(key)}: given twice (give each key once)")
        values[key] = value
    return values


def read_value_file(name: str, where: str) -> str:
    """The text of a file named in a -p value: a regular UTF-8 file no larger than the largest value a hook can
    pass (NotificationMetadata's 4,096 characters, 4 bytes each at most)."""
    from essctl.facts.ess import NOTIFICATION_METADATA_LIMIT

    limit = NOTIFICATION_METADATA_LIMIT * 4
    path = Path(os.path.expanduser(name)) if name else None
    if path is None:
        raise UsageError(f"{where}: name a file after @ or file://")
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except IsADirectoryError:
        raise UsageError(f"{where}: {shown_path(path)} is a folder, not a file") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{where}: cannot read {shown_path(path)}: {getattr(exc, 'strerror', None) or exc}") from None
    if len(data) > limit:
        raise UsageError(f"{where}: {shown_path(path)} is larger than {limit} bytes (a hook passes at most "
                         f"{NOTIFICATION_METADATA_LIMIT} characters)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{where}: {shown_path(path)} is not UTF-8 text (byte {exc.start})") from None


def checked(value: str | None, flag: str, rule: str, *patterns: re.Pattern[str]) -> str | None:
    """A name given on the command line as it is, when it fits one of `patterns`; else a usage error (nothing is
    sent, and nothing reaches a cache file's name)."""
    if value is not None and not any(pattern.fullmatch(value) for pattern in patterns):
        raise UsageError(f"{flag}: must be {rule}, got {shorten(value)}")
    return value


def existing(path: Path | None, flag: str, *, folder: bool = False) -> Path | None:
    """A file (or folder) named on the command line, when it is one; else a usage error. Unlike Path.is_file, a
    name too long for the file system is an answer, not an OSError."""
    try:
        found = path is None or (path.is_dir() if folder else path.is_file())
    except (OSError, ValueError):
        found = False
    if not found:
        raise UsageError(f"{flag}: no such {'folder' if folder else 'file'}: {shown_path(path)}")
    return path


def confirmer(run: Invocation, yes: bool, dry_run: bool, what: str) -> Callable[[Any], bool]:
    """Ask on a terminal unless --yes; refuse without --yes when nobody can answer."""
    import sys

    def confirm(_subject: Any) -> bool:
        if yes or dry_run:
            return True
        if not (sys.stdin.isatty() and run.env.stdout_isatty):
            raise UsageError(f"refusing to {what} without --yes: not on a terminal (nothing was changed)")
        try:
            return typer.confirm("Proceed?", default=False)
        except typer.Abort:    # Ctrl-C or end of input at the prompt
            raise Interrupted("interrupted at the confirmation: nothing was changed") from None

    return confirm


MAX_POLL_INTERVAL_S = 600.0          # --poll-interval: the pace of the watch (watch/schedule.py); 7.5x at most
MAX_WAIT_S = 7 * 24 * 3600.0         # --timeout: a week (a hook waits at most 6 hours)
RESOURCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")   # asg-..., ash-..., asa-..., exec-...


def finite(value: float | None) -> float | None:
    """Callback of a float option: click's range check lets nan through (every comparison with nan is false)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"must be a finite number, got {value}")
    return value


def resource_id(value: str | None) -> str | None:
    """Callback of an id option or argument: an id goes into requests and messages as it is."""
    if value is not None and not RESOURCE_ID.fullmatch(value):
        raise typer.BadParameter(f"must be a resource id such as asg-bp1example, got {shorten(value)}")
    return value


MaxItems = Annotated[Optional[int], typer.Option(
    "--max-items", min=0, max=1_000_000, metavar="N", help="Stop after N items (0: all pages).")]
Wide = Annotated[bool, typer.Option(
    "--wide", rich_help_panel=OUTPUT_PANEL, show_default=False,
    help="Table: every column, even when wider than the terminal (default: the columns that fit 80).")]
GroupId = Annotated[str, typer.Option("--group", "-g", metavar="ID", callback=resource_id,
                                      autocompletion=complete_group, help="Scaling group id (asg-...).")]
