"""The global options, accepted before the command (`essctl --region X group list`) and after it
(`essctl group list --region X`); a value given after the command wins."""
from __future__ import annotations

import functools
import inspect
import os
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Callable, Optional

import typer

from essctl.cloud.settings import CloudSettings
from essctl.env import Environment

CLOUD_PANEL = "Cloud options"
OUTPUT_PANEL = "Output options"


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    yaml = "yaml"


# name -> annotation; each becomes --name on the root callback and on every cloud command.
GLOBAL_OPTIONS: dict[str, Any] = {
    "profile": Annotated[Optional[str], typer.Option(
        "--profile", metavar="NAME", rich_help_panel=CLOUD_PANEL,
        help="Credentials profile of ~/.aliyun/config.json (or credentials.ini). Default: the SDK default chain.")],
    "region": Annotated[Optional[str], typer.Option(
        "--region", metavar="REGION", rich_help_panel=CLOUD_PANEL,
        help="Region id. Default: $ALIBABA_CLOUD_REGION_ID, else the profile's region_id.")],
    "endpoint": Annotated[Optional[str], typer.Option(
        "--endpoint", metavar="URL", rich_help_panel=CLOUD_PANEL,
        help="Send every service to this base URL, e.g. http://127.0.0.1:8780. Default: $ESSCTL_ENDPOINT.")],
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
        help="Output format. Default: table on a terminal, json otherwise.")],
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


@dataclass
class Invocation:
    """What a command runs with: the terminal environment and the cloud settings."""

    env: Environment
    settings: CloudSettings
    _session: Any = field(default=None, init=False, repr=False)

    def session(self) -> Any:
        """The command's one CloudSession, made on first use (commands that need no cloud never make it)."""
        if self._session is None:
            from essctl.cloud.session import CloudSession

            self._session = CloudSession(self.settings, log=self.env.log if self.env.verbose else None)
        return self._session

    def dry_run_session(self, recipe_name: str) -> tuple[Any, str | None]:
        """A session that answers from the recipe's bundled tape (or --tape FILE), matching calls by action, and the
        scaling group that tape was recorded in."""
        import dataclasses

        from essctl.cloud.session import CloudSession

        tape = self.settings.tape or Path(f"recipe-{recipe_name}")
        self.settings = dataclasses.replace(self.settings, tape=tape, record=None)
        self._session = CloudSession(self.settings, log=self.env.log if self.env.verbose else None,
                                     match_by_action=True)
        return self._session, self._session.recorded_parameter("DescribeScalingGroups", "ScalingGroupIds.1")


def merge(root: dict[str, Any] | None, overrides: dict[str, Any]) -> Invocation:
    values = {name: overrides.get(name) if overrides.get(name) is not None else (root or {}).get(name)
              for name in GLOBAL_OPTIONS}
    output = values["output"]
    env = Environment.from_options(
        output=output.value if isinstance(output, OutputFormat) else output,
        query=values["query"], no_color=bool(values["no_color"]), verbose=bool(values["verbose"]))
    settings = CloudSettings(
        profile=values["profile"], region=values["region"],
        endpoint=values["endpoint"] or os.environ.get("ESSCTL_ENDPOINT") or None,
        tape=values["tape"], record=values["record"], redact_account=bool(values["redact_account"]))
    return Invocation(env=env, settings=settings)


def cloud_command(func: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command the global options; it receives an Invocation as its first argument."""
    signature = inspect.signature(func, eval_str=True)
    own = [p for p in list(signature.parameters.values())[1:]]
    added = [inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=typer.Context)]
    added += [inspect.Parameter(f"global_{name}", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
              for name, annotation in GLOBAL_OPTIONS.items()]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx: typer.Context = kwargs.pop("ctx")
        overrides = {name: kwargs.pop(f"global_{name}") for name in GLOBAL_OPTIONS}
        root = ctx.find_root().obj
        return func(merge(root, overrides), *args, **kwargs)

    wrapper.__signature__ = signature.replace(parameters=[*own, *added])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in [*own, *added]}
    return wrapper


MaxItems = Annotated[Optional[int], typer.Option(
    "--max-items", min=0, metavar="N", help="Stop after N items (0: all pages).")]
