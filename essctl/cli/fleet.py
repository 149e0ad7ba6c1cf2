"""Fleet mode of `recipe plan|run|teardown`: its options, whether a command line asks for it, and the groups it
names, found in their regions. The commands themselves stay in cli/recipe.py."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, List, Optional

import typer

from essctl.cli.completion import complete_group
from essctl.cli.options import RESOURCE_ID, check_jmespath, resource_id
from essctl.errors import UsageError, shorten

if TYPE_CHECKING:
    from essctl.cli.options import Invocation
    from essctl.cloud.gateway import Cloud
    from essctl.cloud.resources import ScalingGroup
    from essctl.fleet.targets import Target

FLEET_PANEL = "Fleet options (several groups)"


def _ids(values: list[str] | None) -> list[str] | None:
    for value in values or []:
        resource_id(value)
    return values


Groups = Annotated[Optional[List[str]], typer.Option(
    "--group", "-g", metavar="ID", callback=_ids, autocompletion=complete_group,
    help="Scaling group id (asg-...); repeat for several groups (fleet mode). \\[required] (or --groups-from, "
         "--all-groups; with --dry-run: default, the group the tape was recorded in)")]
GroupsFrom = Annotated[Optional[Path], typer.Option(
    "--groups-from", metavar="FILE|-", rich_help_panel=FLEET_PANEL,
    help="The groups, one id a line, or the JSON of `essctl group list -o json` (- reads standard input).")]
AllGroups = Annotated[bool, typer.Option(
    "--all-groups", rich_help_panel=FLEET_PANEL, help="Every scaling group of the regions (narrow with --where).")]
Where = Annotated[Optional[str], typer.Option(
    "--where", metavar="JMESPATH", rich_help_panel=FLEET_PANEL,
    help="With --all-groups: keep the groups this expression is true for, over each group as `group list -o json` "
         "shows it, e.g. \"starts_with(ScalingGroupName, 'web-')\".")]
Parallel = Annotated[int, typer.Option(
    "--parallel", metavar="N", min=1, max=64, rich_help_panel=FLEET_PANEL,
    help="Plan and apply N groups at a time (scale-outs are watched apart, all at once).")]
Rate = Annotated[float, typer.Option(
    "--rate", metavar="N", min=0.5, max=1000, rich_help_panel=FLEET_PANEL,
    help="Calls per second per API action and region to start at; halved on each throttling answer, then grows "
         "back. Alibaba Cloud publishes no per-API quota.")]
TriggerMode = Annotated[Optional[str], typer.Option(
    "--trigger", metavar="none|one|all", rich_help_panel=FLEET_PANEL,
    help="Which groups scale after the setup: none (the default with several groups), one (the first that can: a "
         "canary) or all. One group: the default is to scale (as without --no-trigger).")]
FailFast = Annotated[bool, typer.Option(
    "--fail-fast", rich_help_panel=FLEET_PANEL,
    help="Stop at the first group that fails: groups not started are skipped, watches end (exit 1).")]


def is_fleet(run: Invocation, groups: list[str] | None, groups_from: Path | None, all_groups: bool) -> bool:
    """Several groups or regions, or a list of groups: fleet mode (one group on its own keeps `recipe run`)."""
    return len(groups or []) > 1 or groups_from is not None or all_groups or len(run.regions) > 1


def trigger_mode(given: str | None, no_trigger: bool, fleet: bool) -> str:
    if given is not None and given not in ("none", "one", "all"):
        raise UsageError(f"--trigger: must be none, one or all, got {shorten(given)}")
    if no_trigger and given not in (None, "none"):
        raise UsageError(f"--no-trigger and --trigger {given}: give one of them")
    return "none" if no_trigger else given or ("none" if fleet else "all")


def find_groups(run: Invocation, home: Cloud, groups: list[str] | None, groups_from: Path | None, all_groups: bool,
           where: str | None) -> dict[Target, tuple[Cloud, ScalingGroup]]:
    """Every group the command line names, in its region, each with a cloud of its own (sharing the credentials
    and the rate limiter of `home`)."""
    from essctl.fleet.targets import Target, combine, locate, matching, parse_group_list, regions_of

    if where is not None and not all_groups:
        raise UsageError("--where: filters --all-groups; add it, or drop --where")
    if all_groups and (groups or groups_from is not None):
        raise UsageError("--all-groups: takes every group of the regions; drop --group/--groups-from")
    if where is not None:
        check_jmespath(where, "--where")
    listed = parse_group_list(*_read_list(groups_from), lambda value: RESOURCE_ID.fullmatch(value) is not None) \
        if groups_from is not None else []
    targets = combine([Target(None, group_id) for group_id in groups or []], listed)
    regions = regions_of(targets, list(run.regions), home.region)
    clouds = {region: home if region == home.region else home.sibling(region) for region in regions}
    if all_groups:
        found = matching(clouds, where)
        located = {Target(region, group.id): group for region, groups_of in found.items() for group in groups_of}
        if not located:
            raise UsageError(f"--all-groups{' --where' if where else ''}: no scaling group in {', '.join(regions)}"
                             + (" matches" if where else ""))
    else:
        if not targets:
            raise UsageError("--group: required (the scaling groups to run the recipe in)")
        located = locate(clouds, targets)
    return {target: (home.sibling(target.region), group) for target, group in located.items()}


def _read_list(path: Path) -> tuple[str, str]:
    """The text of a --groups-from list and how errors name it."""
    from essctl.fleet.targets import MAX_LIST_BYTES

    if str(path) == "-":
        return sys.stdin.read(MAX_LIST_BYTES + 1), "<stdin>"
    try:
        data = path.read_bytes()[:MAX_LIST_BYTES + 1]
    except (OSError, ValueError) as exc:
        raise UsageError(f"--groups-from: cannot read {shorten(str(path))}: "
                         f"{getattr(exc, 'strerror', None) or exc}") from None
    try:
        return data.decode("utf-8"), str(path)
    except UnicodeDecodeError as exc:
        raise UsageError(f"--groups-from {shorten(str(path))}: not UTF-8 text (byte {exc.start})") from None


def spec_maker(recipe: Any, inputs: Any, policy: Any, located: dict, *, create_role: bool, force: bool) -> Any:
    """`spec_for(target, trigger)`: one group's run spec, with every group of the fleet as the recipe's own."""
    from essctl.recipe.steps import RunSpec

    fleet = tuple(target.group_id for target in located)

    def spec_for(target: Target, trigger: bool) -> RunSpec:
        return RunSpec(recipe=recipe, group_id=target.group_id, inputs=inputs, policy=policy, create_role=create_role,
                       trigger=trigger, force=force, fleet=fleet)

    return spec_for
