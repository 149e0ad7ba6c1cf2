"""Which scaling groups a fleet run acts on: ids given one by one, read from a list (ids one a line, or the JSON of
`essctl group list -o json`), or every group of the regions that a JMESPath filter keeps; then found in their
regions (a group id names one region's group)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from essctl.errors import PreconditionFailed, UsageError, clip, shorten
from essctl.limits import value_problem

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.cloud.resources import ScalingGroup

MAX_GROUPS = 5_000                    # groups in one run: far more than any account's quota in one region
MAX_LIST_BYTES = 4 * 1024 * 1024      # a --groups-from list; `group list -o json` of 5,000 groups is ~2 MiB


@dataclass(frozen=True)
class Target:
    """One group of a fleet run, in its region (None: not known yet, found by `locate`)."""

    region: str | None
    group_id: str


def parse_group_list(text: str, source: str, valid_id: Any) -> list[Target]:
    """The groups a --groups-from list names: one id a line (blank lines and # comments skipped), or a JSON list of
    ids or of objects with ScalingGroupId (and RegionId, when known), as `essctl group list -o json` writes. A
    mistake is a usage error naming SOURCE:LINE:COLUMN."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_LIST_BYTES:
        raise UsageError(f"--groups-from {source}: larger than {MAX_LIST_BYTES // (1024 * 1024)} MiB")
    stripped = text.lstrip()
    targets = _from_json(text, source, valid_id) if stripped[:1] in ("[", "{") else _from_lines(text, source, valid_id)
    if not targets:
        raise UsageError(f"--groups-from {source}: names no scaling group")
    return _unique(targets, f"--groups-from {source}")


def _from_lines(text: str, source: str, valid_id: Any) -> list[Target]:
    targets = []
    for number, line in enumerate(text.splitlines(), 1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        column = line.index(value) + 1
        if not valid_id(value):
            raise UsageError(f"{source}:{number}:{column}: group id: must be a scaling group id such as "
                             f"asg-bp1example, got {shorten(value)}")
        targets.append(Target(None, value))
    return targets


def _from_json(text: str, source: str, valid_id: Any) -> list[Target]:
    try:
        data = json.loads(text)
    except RecursionError:
        raise UsageError(f"--groups-from {source}: nested too deep") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"{source}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    problem = value_problem(data)
    if problem:
        raise UsageError(f"--groups-from {source}: {problem}")
    if not isinstance(data, list):
        raise UsageError(f"--groups-from {source}: expected a JSON list of group ids or of groups (essctl group "
                         "list -o json), got an object")
    targets = []
    for index, item in enumerate(data):
        where = f"--groups-from {source}: item {index}"
        if isinstance(item, dict):
            group_id, region = item.get("ScalingGroupId"), item.get("RegionId")
        else:
            group_id, region = item, None
        if not isinstance(group_id, str) or not valid_id(group_id):
            raise UsageError(f"{where}: ScalingGroupId: must be a scaling group id such as asg-bp1example, got "
                             f"{shorten(group_id)}")
        if region is not None and not (isinstance(region, str) and _region_ok(region)):
            raise UsageError(f"{where}: RegionId: must be a region id such as cn-hangzhou, got {shorten(region)}")
        targets.append(Target(region, group_id))
    return targets


def _region_ok(region: str) -> bool:
    from essctl.cloud.settings import REGION_ID

    return REGION_ID.fullmatch(region) is not None


def _unique(targets: Iterable[Target], where: str) -> list[Target]:
    """In the order given, each group once; at most MAX_GROUPS."""
    seen: dict[str, Target] = {}
    for target in targets:
        earlier = seen.get(target.group_id)
        if earlier is not None and None not in (earlier.region, target.region) and earlier.region != target.region:
            raise UsageError(f"{where}: {clip(target.group_id)} is given in two regions ({earlier.region}, "
                             f"{target.region})")
        if earlier is None or earlier.region is None:
            seen[target.group_id] = target
    if len(seen) > MAX_GROUPS:
        raise UsageError(f"{where}: {len(seen)} scaling groups; one run takes at most {MAX_GROUPS}")
    return list(seen.values())


def combine(*lists: Iterable[Target]) -> list[Target]:
    """Every group given, each once, in the order given."""
    return _unique((target for targets in lists for target in targets), "--group/--groups-from")


def matching(clouds: dict[str, Cloud], where: str | None) -> dict[str, list[ScalingGroup]]:
    """--all-groups: each region's groups that the JMESPath `where` keeps (all of them without it), evaluated over
    each group as `essctl group list -o json` shows it."""
    import jmespath

    expression = jmespath.compile(where) if where else None
    found = {}
    for region, cloud in clouds.items():
        groups = cloud.ess.list_scaling_groups()
        found[region] = [group for group in groups
                         if expression is None or _truthy(expression.search(group.to_api()))]
    return found


def _truthy(value: Any) -> bool:
    """JMESPath's truth: false, null, empty strings, lists and objects are false; everything else is true."""
    return value not in (None, False, "", [], {})


def regions_of(targets: list[Target], given: list[str], default: str) -> list[str]:
    """The regions a run works in: those given with --region; else the default region and the regions the list
    names. A group listed in a region not given is a usage error."""
    if given:
        for target in targets:
            if target.region is not None and target.region not in given:
                raise UsageError(f"--groups-from: {clip(target.group_id)} is in {target.region}, which no --region "
                                 f"names ({', '.join(given)})")
        return list(given)
    named = [target.region for target in targets if target.region is not None]
    unplaced = any(target.region is None for target in targets) or not targets
    return list(dict.fromkeys([*([default] if unplaced else []), *named]))


def locate(clouds: dict[str, Cloud], targets: list[Target]) -> dict[Target, ScalingGroup]:
    """Each target's group, read in its region (a target of no region is looked for in every region given, and must
    be in exactly one); a region's groups are read GROUP_IDS_PER_CALL at a time. A group found nowhere, or in two
    regions, fails the run before anything is planned."""
    placed: dict[str, tuple[str, ScalingGroup]] = {}
    for region, cloud in clouds.items():
        wanted = [t.group_id for t in targets if t.region in (None, region)]
        for group in cloud.ess.get_scaling_groups(wanted) if wanted else []:
            if group.id in placed:
                raise PreconditionFailed(f"scaling group {group.id} is in {placed[group.id][0]} and {region}; name "
                                         "its region (--groups-from with RegionId)")
            placed[group.id] = (region, group)
    missing = [t.group_id for t in targets if t.group_id not in placed]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise PreconditionFailed(f"scaling group{'s' if len(missing) > 1 else ''} {shown} not found in "
                                 f"{', '.join(clouds)}")
    return {Target(placed[t.group_id][0], t.group_id): placed[t.group_id][1] for t in targets}
