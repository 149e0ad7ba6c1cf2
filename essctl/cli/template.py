"""template show | policy | check | list: what an OOS template needs from the hook and from the role."""
import json
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from essctl.cli.options import Invocation, MaxItems, cloud_command

template_app = typer.Typer(no_args_is_help=True)

Name = Annotated[Optional[str], typer.Argument(metavar="[NAME]", help="OOS template name (GetTemplate).")]
File = Annotated[Optional[Path], typer.Option(
    "--file", "-f", metavar="FILE", help="A local template file (YAML or JSON) instead of OOS.")]
ActionDir = Annotated[Optional[Path], typer.Option(
    "--action-dir", metavar="DIR", help="Folder of nested action files (ACS::ECS::RunCommand.yml, ...).")]
Version = Annotated[Optional[str], typer.Option("--template-version", metavar="V", help="Template version (default: latest).")]


def _load(run: Invocation, name, file, action_dir, version):
    from essctl.core.template_report import load_with_resolver
    from essctl.errors import UsageError

    if (name is None) == (file is None):
        raise UsageError("give a template NAME or --file FILE (one of them)")
    return load_with_resolver(run.session, name, file, action_dir, version)


def _warn_unresolved(run: Invocation, unresolved: list) -> None:
    for line in unresolved:
        run.env.log(f"warning: {line}")


@template_app.command("show")
@cloud_command
def template_show(run: Invocation, name: Name = None, file: File = None, action_dir: ActionDir = None,
                  version: Version = None) -> None:
    """Parameters (required, filled by ESS or by you), outputs, and the RAM actions the template needs."""
    from essctl.core.permissions import derive_required_actions
    from essctl.core.template_report import describe
    from essctl.render import emit, views

    template, resolve = _load(run, name, file, action_dir, version)
    derivation = derive_required_actions(template, resolve)
    emit(run.env, describe(template, derivation), views.template_view)


@template_app.command("policy")
@cloud_command
def template_policy(run: Invocation, name: Name = None, file: File = None, action_dir: ActionDir = None,
                    version: Version = None) -> None:
    """The least-privilege RAM policy document for the template (ready for ram CreatePolicy)."""
    from essctl.core.template_report import policy_for
    from essctl.render import emit

    template, resolve = _load(run, name, file, action_dir, version)
    document, derivation = policy_for(template, resolve)
    _warn_unresolved(run, derivation.unresolved)
    if file is None:
        _cross_check(run, template, set(derivation.actions))
    if run.env.output_format == "table" and not run.env.query:
        run.env.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        emit(run.env, document)


def _cross_check(run: Invocation, template, derived: set) -> None:
    """Compare with OOS GenerateExecutionPolicy; differences go to stderr, the document stays clean."""
    from essctl.core.template_report import generated_policy_actions
    from essctl.errors import EssctlError

    try:
        generated = generated_policy_actions(run.session(), template)
    except EssctlError as exc:
        run.env.log(f"note: GenerateExecutionPolicy cross-check skipped: {exc}")
        return
    if generated == derived:
        run.env.log("GenerateExecutionPolicy agrees with the derived policy")
    for action in sorted(generated - derived):
        run.env.log(f"cross-check: OOS GenerateExecutionPolicy also lists {action}")
    for action in sorted(derived - generated):
        run.env.log(f"cross-check: derived {action}, which GenerateExecutionPolicy does not list")


@template_app.command("check")
@cloud_command
def template_check(
    run: Invocation, name: Name = None, file: File = None,
    parameters: Annotated[Optional[List[str]], typer.Option(
        "--parameter", "-p", metavar="KEY=VALUE", help="A template parameter for the hook (repeatable).")] = None,
    hook_timeout: Annotated[Optional[int], typer.Option(
        "--hook-timeout", min=30, max=21600, metavar="S", help="The hook's HeartbeatTimeout, to check against the template's.")] = None,
    force_placeholders: Annotated[bool, typer.Option(
        "--force-placeholders", help="Allow overriding parameters that ESS fills (${regionId}, ...).")] = False,
    version: Version = None,
) -> None:
    """Validate hook parameters against the template and print the NotificationMetadata ESS would get."""
    from essctl.core.template_parameters import check_heartbeat_timeout, notification_metadata
    from essctl.errors import UsageError
    from essctl.render import emit

    values = {}
    for item in parameters or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--parameter: expected KEY=VALUE, got {item!r}")
        values[key] = value
    template, _ = _load(run, name, file, None, version)
    metadata = notification_metadata(template, values, force_placeholders=force_placeholders)
    result = {"Template": template.name, "NotificationMetadata": metadata, "HeartbeatAdvice": None}
    if hook_timeout is not None:
        advice = check_heartbeat_timeout(template, hook_timeout, values)
        if advice is not None:
            result["HeartbeatAdvice"] = {"HeartbeatTimeout": advice.heartbeat_timeout, "Needed": advice.needed,
                                         "Suggested": advice.suggested, "Reason": advice.reason}
            run.env.log(f"warning: hook timeout {advice.heartbeat_timeout} s is too short: {advice.reason}; "
                        f"give the hook a HeartbeatTimeout of at least {advice.suggested} s")
    emit(run.env, result)


@template_app.command("list")
@cloud_command
def template_list(
    run: Invocation,
    prefix: Annotated[str, typer.Option("--prefix", help="Only templates whose name starts with this.")] = "ACS-ESS-",
    max_items: MaxItems = None,
) -> None:
    """OOS templates, public and the account's own (ListTemplates)."""
    from essctl.core import inventory
    from essctl.render import emit, views

    emit(run.env, inventory.list_templates(run.session(), prefix=prefix, max_items=max_items or None), views.TEMPLATES)
