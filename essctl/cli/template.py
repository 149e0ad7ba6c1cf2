"""template show | policy | check | list: what an OOS template needs from the hook and from the role."""
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from essctl.cli.completion import complete_template_param
from essctl.cli.options import Invocation, MaxItems, Wide, checked, command, parse_key_values
from essctl.facts.ess import HEARTBEAT_RANGE_S
from essctl.facts.oos import ACTION_NAME, TEMPLATE_NAME, TEMPLATE_RULE, TEMPLATE_VERSION

app = typer.Typer(no_args_is_help=True)

Name = Annotated[Optional[str], typer.Argument(metavar="NAME", help="OOS template name (GetTemplate).")]
File = Annotated[Optional[Path], typer.Option(
    "--file", "-f", metavar="FILE", help="A local template file (YAML or JSON) instead of OOS.")]
ActionDir = Annotated[Optional[Path], typer.Option(
    "--action-dir", metavar="DIR", help="Folder of nested action files (ACS::ECS::RunCommand.yml, ...).")]
Version = Annotated[Optional[str], typer.Option("--template-version", metavar="V", help="Template version (default: latest).")]


def _load(run: Invocation, name, file, action_dir, version):
    from essctl.errors import UsageError
    from essctl.template.report import load_with_resolver

    if (name is None) == (file is None):
        raise UsageError("give a template NAME or --file FILE (one of them)")
    checked(name, "template NAME", TEMPLATE_RULE, TEMPLATE_NAME, ACTION_NAME)
    checked(version, "--template-version", "a template version such as v2", TEMPLATE_VERSION)
    return load_with_resolver(run.cloud, name, file, action_dir, version)


@command(app, "show", examples=(
    'essctl template show ACS-ESS-LifeCycleRunCommand',
    'essctl template show --file my-template.yaml --action-dir ./actions',
))
def template_show(run: Invocation, name: Name = None, file: File = None, action_dir: ActionDir = None,
                  version: Version = None) -> None:
    """Parameters (required, filled by ESS or by you), outputs, and the RAM actions the template needs."""
    from essctl.render import output
    from essctl.template.permissions import derive_required_actions
    from essctl.template.report import TemplateReport

    template, resolve = _load(run, name, file, action_dir, version)
    output(run.env, TemplateReport(template, derive_required_actions(template, resolve)))


@command(app, "policy", examples=(
    'essctl template policy ACS-ESS-LifeCycleRunCommand > policy.json',
    'essctl template policy --file my-template.yaml --action-dir ./actions',
))
def template_policy(run: Invocation, name: Name = None, file: File = None, action_dir: ActionDir = None,
                    version: Version = None,
                    allow_incomplete: Annotated[bool, typer.Option(
                        "--allow-incomplete", help="Print the policy even when some actions could not be derived "
                        "(exit 0); without it that is exit 1 and nothing on stdout.")] = False) -> None:
    """The least-privilege RAM policy document for the template (ready for ram CreatePolicy). Exit 1, printing
    nothing, when an action could not be derived (a nested action not found, an API named by an expression)."""
    from essctl.errors import PreconditionFailed
    from essctl.render import output
    from essctl.template.report import policy_report

    template, resolve = _load(run, name, file, action_dir, version)
    report = policy_report(template, resolve, run.cloud() if file is None else None)
    for line in report.derivation.unresolved:
        run.env.log(f"warning: {line}")
    for line in report.derivation.notes():
        run.env.log(f"note: {line}")
    if any("nested action" in line for line in report.derivation.unresolved) and action_dir is None:
        run.env.log("warning: give --action-dir DIR with the nested action files (ACS::ECS::RunCommand.yml, ...)")
    check = report.cross_check
    if check is not None:
        if check.skipped:
            run.env.log(f"note: GenerateExecutionPolicy cross-check skipped: {check.skipped}")
        elif check.agrees:
            run.env.log("GenerateExecutionPolicy agrees with the derived policy")
        for action in check.only_generated:
            run.env.log(f"cross-check: OOS GenerateExecutionPolicy also lists {action}")
        for action in check.only_derived:
            run.env.log(f"cross-check: derived {action}, which GenerateExecutionPolicy does not list")
    unresolved = report.derivation.unresolved
    if unresolved and not allow_incomplete:
        raise PreconditionFailed(
            f"the policy is incomplete: {len(unresolved)} unresolved (above); a role with it would be refused "
            f"with Forbidden.RAM. {'Give --action-dir DIR, or ' if action_dir is None else ''}add "
            "--allow-incomplete to print it anyway")
    output(run.env, report)


@command(app, "check", examples=(
    'essctl template check ACS-ESS-LifeCycleRunCommand -p commandType=RunShellScript -p commandContent=@setup.sh'
    ' --hook-timeout 900',
))
def template_check(
    run: Invocation, name: Name = None, file: File = None,
    parameters: Annotated[Optional[List[str]], typer.Option(
        "--parameter", "-p", metavar="KEY=VALUE", autocompletion=complete_template_param,
        help="A template parameter for the hook (repeatable); KEY=@FILE or KEY=file://FILE reads the value "
                         "from a file.")] = None,
    hook_timeout: Annotated[Optional[int], typer.Option(
        "--hook-timeout", min=HEARTBEAT_RANGE_S[0], max=HEARTBEAT_RANGE_S[1], metavar="S",
        help="The hook's HeartbeatTimeout, to check against the template's.")] = None,
    force_placeholders: Annotated[bool, typer.Option(
        "--force-placeholders", help="Allow overriding parameters that ESS fills (${regionId}, ...).")] = False,
    version: Version = None,
) -> None:
    """Validate hook parameters against the template and print the NotificationMetadata ESS would get."""
    from essctl.render import output
    from essctl.template.report import check_parameters

    values = parse_key_values(parameters, "--parameter")
    template, _ = _load(run, name, file, None, version)
    result = check_parameters(template, values, hook_timeout=hook_timeout, force_placeholders=force_placeholders)
    if result.advice is not None:
        run.env.log(f"warning: hook timeout {result.advice.heartbeat_timeout} s is too short: {result.advice.reason}; "
                    f"give the hook a HeartbeatTimeout of at least {result.advice.suggested} s")
    output(run.env, result)


@command(app, "list", examples=(
    'essctl template list',
    "essctl template list --prefix ACS-ESS-LifeCycle -o text --query '[].TemplateName'",
))
def template_list(
    run: Invocation,
    prefix: Annotated[str, typer.Option("--prefix", help="Only templates whose name starts with this.")] = "ACS-ESS-",
    max_items: MaxItems = None,
    wide: Wide = False,
) -> None:
    """OOS templates, public and the account's own (ListTemplates)."""
    from essctl.render import Listing, output

    templates = run.cloud().oos.list_templates(prefix=prefix, max_items=max_items or None)
    output(run.env, Listing("templates", templates, wide=wide))
