"""Scenario files: the world a sandbox starts with (groups, roles, policies, templates, behaviour, faults).

Every problem is one UsageError naming file:line and the field."""
from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from essctl.errors import UsageError, clip, shorten
from essctl.sandbox.faults import FaultRule, Faults
from essctl.sandbox.signature import AccessKey
from essctl.yamldoc import Document

DEFAULT_SCENARIO = Path(__file__).parent / "scenarios" / "default.yaml"
DEFAULT_TASK_DURATION_S = 30.0
_GROUP_ID = re.compile(r"^asg-[a-z0-9]{4,40}$")
_REGION = re.compile(r"[a-z]{2,4}(-[a-z0-9]{1,20}){1,5}")          # cn-hangzhou, ap-southeast-1
_IMAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")         # m-bp1..., aliyun_3_x64_20G_alibase_....vhd
_TEMPLATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}")   # ACS-ESS-..., ACS::ECS::RunCommand
MAX_GROUP_SIZE = 2000        # CreateScalingGroup's MaxSize with the default instance quota
MAX_ADJUSTMENT = 1000        # instances one scaling activity may add or remove
MAX_AFTER_S = 366 * 86400    # a scheduled task or a behaviour's duration: a year of sandbox time
MAX_DELAY_MS = 60_000        # injected latency and retry-after
# A failure's message stands in for text the cloud writes (a script's output, an OOS task message), which may hold
# any character: tests of what reaches the terminal inject escape sequences there.
_CLOUD_TEXT = frozenset({"message"})


@dataclass
class HookSpec:
    """A lifecycle hook the group has at the start: it runs an OOS `template`, or notifies another `arn`."""

    name: str
    transition: str
    template: str | None = None
    arn: str | None = None
    metadata: str = ""             # NotificationMetadata, JSON text
    timeout: int = 600
    default_result: str = "CONTINUE"
    status: str = "Active"


@dataclass
class GroupSpec:
    id: str
    name: str
    min_size: int
    max_size: int
    instances: int = 0             # InService at start, CreationType AutoCreated
    attached_instances: int = 0    # InService at start, CreationType Attached
    desired: int | None = None
    status: str = "Active"
    hooks: list[HookSpec] = field(default_factory=list)
    image: str = "aliyun_3_x64_20G_alibase_20240819.vhd"     # the active scaling configuration's ImageId
    region: str = ""               # the region it lives in; empty: the scenario's default region


@dataclass
class ScheduledTask:
    group: str
    after: float          # sandbox seconds after the start
    adjustment: int


@dataclass
class RoleSpec:
    name: str
    trusted_services: list[str]
    policies: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class PolicySpec:
    name: str
    document: str                 # JSON text
    description: str = ""


@dataclass
class TaskFailure:
    """A failure injected into the work of a template (or of the instance refresh, ESS::InstanceRefresh): every run
    of `task`, or only those of loop batch `batch` (1-based) or for instance `instance`. Without `task`, only the loop
    items that run a nested action (a rolling update's per-instance work) fail, before the action starts."""

    task: str | None
    code: str
    message: str
    batch: int | None = None
    instance: str | None = None

    def hits(self, task: str, batch: int | None, instance: str | None) -> bool:
        return ((self.task is None or self.task == task) and (self.batch is None or self.batch == batch)
                and (self.instance is None or self.instance == instance))


@dataclass
class Behaviour:
    """How executions of one template behave in the sandbox."""

    duration: float = DEFAULT_TASK_DURATION_S      # sandbox seconds the work takes
    fail: TaskFailure | None = None
    outputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class RamLimits:
    """Policies one role may hold, by type. Documented: shared/api-reference/api-docs/ram/_ErrorMessages.md,
    LimitExceeded.Role.Policy ("The maximum numbers of system policies and custom policies that can be granted to
    a role is 20 and 5, respectively"; a 2021 page: the live quotas may have changed, hence the scenario option)."""

    system_per_role: int = 20
    custom_per_role: int = 5


@dataclass
class Scenario:
    region: str = "cn-hangzhou"           # the default region: requests without a RegionId go there
    regions: list[str] = field(default_factory=list)    # every region served, the default first (empty: only it)
    account_id: str = "1234567890123456"
    credentials: list[AccessKey] = field(default_factory=list)
    groups: list[GroupSpec] = field(default_factory=list)
    scheduled_tasks: list[ScheduledTask] = field(default_factory=list)
    roles: list[RoleSpec] = field(default_factory=list)
    policies: list[PolicySpec] = field(default_factory=list)
    templates: dict[str, str] = field(default_factory=dict)
    template_dirs: list[Path] = field(default_factory=list)
    behaviour: dict[str, Behaviour] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    ram_limits: RamLimits = field(default_factory=RamLimits)

    def ensure_credentials(self) -> None:
        """A sandbox-only AccessKey (prefix sbx, never LTAI) when the scenario gives none."""
        if not self.credentials:
            self.credentials.append(AccessKey("sbx" + secrets.token_hex(10), secrets.token_urlsafe(24)))

    def behaviour_for(self, template: str) -> Behaviour:
        return self.behaviour.get(template) or Behaviour()

    def served_regions(self) -> list[str]:
        """The regions the sandbox serves, the default first."""
        return [self.region, *(name for name in self.regions if name != self.region)]

    def region_of(self, group: GroupSpec) -> str:
        return group.region or self.region


class _Reader:
    """Typed reads of the scenario's values; a problem names FILE:LINE:COL and the field."""

    def __init__(self, doc: Document):
        self.doc = doc

    def fail(self, path: tuple, message: str) -> UsageError:
        return self.doc.error(path, message)

    def mapping(self, value: Any, path: tuple) -> dict:
        return self.doc.mapping(value, path, empty_ok=True)

    def sequence(self, value: Any, path: tuple) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(path, "expected a list")
        return value

    def get(self, mapping: dict, key: str, path: tuple, kind: type | tuple, *, required: bool = False,
            default: Any = None) -> Any:
        if key not in mapping or mapping[key] is None:
            if required:
                raise self.fail(path, f"missing {key}")
            return default
        value = mapping[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float)):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.fail((*path, key), f"expected {names}, got {shorten(value)}")
        return value

    def bounded(self, value: float, path: tuple, low: float, high: float) -> float:
        if not low <= value <= high:
            raise self.fail(path, f"must be {low:g}..{high:g}, got {shorten(value)}")
        return value

    def known(self, mapping: dict, path: tuple, allowed: set[str]) -> None:
        if path == () and mapping and not any(key in allowed for key in mapping):
            # Some other file: never repeat what it holds.
            raise self.fail(path, f"not a scenario (it has none of the fields {', '.join(sorted(allowed))})")
        for key in mapping:
            if key not in allowed:
                raise self.fail((*path, key), f"unknown field (expected one of: {', '.join(sorted(allowed))})")


def fleet_scenario(groups: int, regions: Sequence[str] = ("cn-hangzhou",), *, instances: int = 1,
                   min_size: int = 0, max_size: int = 5, quotas: dict[str, float] | None = None) -> str:
    """Scenario text of a fleet: `groups` Active groups in each region (the first is the default), each with
    `instances` instances, and OOSServiceRole trusting OOS with no policy, as in the default scenario. Group i
    of region r is asg-fleet<rr><iiiiii>, named fleet-<region>-<iii>."""
    import yaml

    world: dict[str, Any] = {
        "region": regions[0], "regions": list(regions),
        "groups": [{"id": f"asg-fleet{r:02d}{n:06d}", "name": f"fleet-{region}-{n:03d}", "min": min_size,
                    "max": max_size, "instances": instances, "region": region}
                   for r, region in enumerate(regions) for n in range(groups)],
        "roles": [{"name": "OOSServiceRole", "trusted": ["oos.aliyuncs.com"],
                   "description": "The role OOS assumes to run templates."}]}
    if quotas:
        world["faults"] = {"quotas": dict(quotas)}
    return yaml.safe_dump(world, sort_keys=False, width=200)


def region_ids(text: str, flag: str) -> list[str]:
    """Region ids given as "cn-hangzhou,cn-shanghai" on the command line."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if not _REGION.fullmatch(name):
            raise UsageError(f"{flag}: expected region ids such as cn-hangzhou,cn-shanghai, got {shorten(name)}")
    return list(dict.fromkeys(names))


def load_scenario(path: Path | str | None = None) -> Scenario:
    path = Path(path) if path is not None else DEFAULT_SCENARIO
    return _read(Document.read(path, what="scenario", printable=True, free_text=_CLOUD_TEXT), base_dir=path.parent)


def parse_scenario(text: str, *, source: str = "<scenario>", base_dir: Path | None = None) -> Scenario:
    return _read(Document(text, source, what="scenario", printable=True, free_text=_CLOUD_TEXT), base_dir=base_dir)


def _read(doc: Document, *, base_dir: Path | None) -> Scenario:
    r = _Reader(doc)
    top = r.mapping(doc.root, ())
    r.known(top, (), {"region", "regions", "account_id", "credentials", "groups", "roles", "policies", "templates",
                      "template_dirs", "behaviour", "faults", "scheduled_tasks", "limits"})
    scenario = Scenario()
    scenario.region = r.get(top, "region", (), str, default=scenario.region)
    if not _REGION.fullmatch(scenario.region):
        raise r.fail(("region",), f"expected a region id such as cn-hangzhou, got {shorten(scenario.region)}")
    account = r.get(top, "account_id", (), (str, int), default=scenario.account_id)
    if not re.fullmatch(r"\d{16}", str(account)):
        raise r.fail(("account_id",), f"expected 16 digits, got {shorten(account)}")
    scenario.account_id = str(account)
    for i, name in enumerate(r.sequence(top.get("regions"), ("regions",))):
        if not isinstance(name, str) or not _REGION.fullmatch(name):
            raise r.fail(("regions", i), f"expected a region id such as cn-shanghai, got {shorten(name)}")
        if name in scenario.regions:
            raise r.fail(("regions", i), f"duplicate region {name}")
        scenario.regions.append(name)
    scenario.regions = scenario.served_regions()

    for i, item in enumerate(r.sequence(top.get("credentials"), ("credentials",))):
        p = ("credentials", i)
        item = r.mapping(item, p)
        r.known(item, p, {"key_id", "secret", "security_token"})
        scenario.credentials.append(AccessKey(
            r.get(item, "key_id", p, str, required=True), r.get(item, "secret", p, str, required=True),
            r.get(item, "security_token", p, str)))

    seen_groups: set[str] = set()
    for i, item in enumerate(r.sequence(top.get("groups"), ("groups",))):
        p = ("groups", i)
        item = r.mapping(item, p)
        r.known(item, p, {"id", "name", "min", "max", "desired", "instances", "attached_instances", "status",
                          "hooks", "image", "region"})
        group = GroupSpec(
            id=r.get(item, "id", p, str, required=True), name=r.get(item, "name", p, str, default=""),
            min_size=r.get(item, "min", p, int, default=0), max_size=r.get(item, "max", p, int, required=True),
            instances=r.get(item, "instances", p, int, default=0),
            attached_instances=r.get(item, "attached_instances", p, int, default=0),
            desired=r.get(item, "desired", p, int), status=r.get(item, "status", p, str, default="Active"),
            image=r.get(item, "image", p, str, default=GroupSpec.image),
            region=r.get(item, "region", p, str, default=""))
        if group.region and group.region not in scenario.regions:
            raise r.fail((*p, "region"), f"{shorten(group.region)} is not a region this scenario serves (regions: "
                                         f"{', '.join(scenario.regions)})")
        if not _IMAGE.fullmatch(group.image):
            raise r.fail((*p, "image"), f"expected an image id (letters, digits, _ . -), got {shorten(group.image)}")
        if not _GROUP_ID.match(group.id):
            raise r.fail((*p, "id"), f"expected asg- followed by lower-case letters and digits, got "
                                     f"{shorten(group.id)}")
        if group.id in seen_groups:
            raise r.fail((*p, "id"), f"duplicate group id {group.id}")
        seen_groups.add(group.id)
        if group.status not in ("Active", "Inactive"):
            raise r.fail((*p, "status"), f"expected Active or Inactive, got {shorten(group.status)}")
        if not 0 <= group.min_size <= group.max_size:
            raise r.fail((*p, "max"), f"need 0 <= min <= max, got min {group.min_size} max {group.max_size}")
        r.bounded(group.max_size, (*p, "max"), 0, MAX_GROUP_SIZE)
        if group.desired is not None:
            r.bounded(group.desired, (*p, "desired"), group.min_size, group.max_size)
        if not group.min_size <= group.instances + group.attached_instances <= group.max_size:
            raise r.fail((*p, "instances"), f"instances must be between min {group.min_size} and max {group.max_size}")
        group.name = group.name or group.id
        group.hooks = _hooks(r, item.get("hooks"), (*p, "hooks"))
        scenario.groups.append(group)

    for i, item in enumerate(r.sequence(top.get("scheduled_tasks"), ("scheduled_tasks",))):
        p = ("scheduled_tasks", i)
        item = r.mapping(item, p)
        r.known(item, p, {"group", "after", "adjustment"})
        task = ScheduledTask(group=r.get(item, "group", p, str, required=True),
                             after=r.get(item, "after", p, float, required=True),
                             adjustment=r.get(item, "adjustment", p, int, default=1))
        r.bounded(task.after, (*p, "after"), 0, MAX_AFTER_S)
        if task.adjustment == 0 or not -MAX_ADJUSTMENT <= task.adjustment <= MAX_ADJUSTMENT:
            raise r.fail((*p, "adjustment"), f"must be a nonzero integer from -{MAX_ADJUSTMENT} to {MAX_ADJUSTMENT}, "
                                             f"got {shorten(task.adjustment)}")
        if task.group not in seen_groups:
            raise r.fail((*p, "group"), f"no group {clip(task.group)} in this scenario")
        scenario.scheduled_tasks.append(task)

    for i, item in enumerate(r.sequence(top.get("policies"), ("policies",))):
        p = ("policies", i)
        item = r.mapping(item, p)
        r.known(item, p, {"name", "document", "description"})
        document = r.get(item, "document", p, (dict, str), required=True)
        if isinstance(document, str):
            try:
                json.loads(document)
            except ValueError as exc:
                raise r.fail((*p, "document"), f"not valid JSON: {exc}") from None
        scenario.policies.append(PolicySpec(
            r.get(item, "name", p, str, required=True),
            document if isinstance(document, str) else json.dumps(document, separators=(",", ":")),
            r.get(item, "description", p, str, default="")))

    limits = r.mapping(top.get("limits"), ("limits",))
    r.known(limits, ("limits",), {"role_system_policies", "role_custom_policies"})
    scenario.ram_limits = RamLimits(r.get(limits, "role_system_policies", ("limits",), int, default=20),
                                    r.get(limits, "role_custom_policies", ("limits",), int, default=5))
    for key in ("role_system_policies", "role_custom_policies"):
        if key in limits:
            r.bounded(limits[key], ("limits", key), 0, 1000)

    custom = {policy.name for policy in scenario.policies}
    from essctl.sandbox.ram.models import system_policy_documents

    for i, item in enumerate(r.sequence(top.get("roles"), ("roles",))):
        p = ("roles", i)
        item = r.mapping(item, p)
        r.known(item, p, {"name", "trusted", "policies", "description"})
        trusted = r.get(item, "trusted", p, (list, str), default=[])
        policies = r.get(item, "policies", p, list, default=[])
        for j, name in enumerate(policies):
            if name not in custom and name not in system_policy_documents():
                raise r.fail((*p, "policies", j), f"{shorten(name)} is neither a policy of this scenario nor a known "
                                                  "system policy")
        held = {"custom": sum(1 for n in policies if n in custom), "system": sum(1 for n in policies if n not in custom)}
        for kind, limit in (("custom", scenario.ram_limits.custom_per_role),
                            ("system", scenario.ram_limits.system_per_role)):
            if held[kind] > limit:
                raise r.fail((*p, "policies"), f"{held[kind]} {kind} policies, more than a role may hold ({limit}; "
                                               f"limits.role_{kind}_policies)")
        scenario.roles.append(RoleSpec(r.get(item, "name", p, str, required=True),
                                       [trusted] if isinstance(trusted, str) else [str(t) for t in trusted],
                                       [str(n) for n in policies], r.get(item, "description", p, str, default="")))

    templates = r.mapping(top.get("templates"), ("templates",))
    for name, content in templates.items():
        if not _TEMPLATE_NAME.fullmatch(str(name)):
            raise r.fail(("templates", name), "expected an OOS template name (letters, digits, _ . : -)")
        if not isinstance(content, (str, dict)):
            raise r.fail(("templates", name), "expected the template as YAML text or a mapping")
        if isinstance(content, dict):
            import yaml
            content = yaml.safe_dump(content, sort_keys=False)
        scenario.templates[str(name)] = content

    for i, item in enumerate(r.sequence(top.get("template_dirs"), ("template_dirs",))):
        if not isinstance(item, str):
            raise r.fail(("template_dirs", i), "expected a directory path")
        directory = Path(item).expanduser()
        if not directory.is_absolute() and base_dir is not None:
            directory = base_dir / directory
        if not directory.is_dir():
            raise r.fail(("template_dirs", i), f"no such directory: {shorten(str(directory))}")
        scenario.template_dirs.append(directory)

    for name, spec in r.mapping(top.get("behaviour"), ("behaviour",)).items():
        p = ("behaviour", name)
        spec = r.mapping(spec, p)
        r.known(spec, p, {"duration", "fail", "outputs"})
        failure = None
        if spec.get("fail") is not None:
            f = r.mapping(spec["fail"], (*p, "fail"))
            r.known(f, (*p, "fail"), {"task", "code", "message", "batch", "instance"})
            failure = TaskFailure(r.get(f, "task", (*p, "fail"), str),
                                  r.get(f, "code", (*p, "fail"), str, required=True),
                                  r.get(f, "message", (*p, "fail"), str, default="The task failed (sandbox scenario)."),
                                  r.get(f, "batch", (*p, "fail"), int), r.get(f, "instance", (*p, "fail"), str))
            if failure.batch is not None:
                r.bounded(failure.batch, (*p, "fail", "batch"), 1, MAX_ADJUSTMENT)
            if failure.task is None and failure.batch is None and failure.instance is None:
                raise r.fail((*p, "fail"), "give task, batch or instance: which runs fail")
        duration = r.bounded(r.get(spec, "duration", p, float, default=DEFAULT_TASK_DURATION_S), (*p, "duration"), 0,
                             MAX_AFTER_S)
        scenario.behaviour[str(name)] = Behaviour(duration, failure, r.mapping(spec.get("outputs"), (*p, "outputs")))

    scenario.faults = _faults(r, r.mapping(top.get("faults"), ("faults",)))
    return scenario


def _hooks(r: _Reader, items: Any, path: tuple) -> list[HookSpec]:
    """A group's hooks at the start; the ESS rules (name, ARN, quota) are checked again when they are created."""
    from essctl.sandbox.ess.lifecycle import HEARTBEAT_MAX_S, HEARTBEAT_MIN_S, RESULTS
    from essctl.sandbox.ess.models import MAX_HOOKS

    hooks: list[HookSpec] = []
    for i, item in enumerate(r.sequence(items, path)):
        p = (*path, i)
        item = r.mapping(item, p)
        r.known(item, p, {"name", "transition", "template", "arn", "metadata", "timeout", "default", "status"})
        metadata = r.get(item, "metadata", p, (dict, str), default="")
        hook = HookSpec(
            name=r.get(item, "name", p, str, required=True), transition=r.get(item, "transition", p, str,
                                                                                default="SCALE_OUT"),
            template=r.get(item, "template", p, str), arn=r.get(item, "arn", p, str),
            metadata=json.dumps(metadata, separators=(",", ":")) if isinstance(metadata, dict) else metadata,
            timeout=r.get(item, "timeout", p, int, default=600), default_result=r.get(item, "default", p, str,
                                                                                      default="CONTINUE"),
            status=r.get(item, "status", p, str, default="Active"))
        if (hook.template is None) == (hook.arn is None):
            raise r.fail(p, "give either template (an OOS template the hook runs) or arn (another target)")
        if hook.transition not in ("SCALE_OUT", "SCALE_IN"):
            raise r.fail((*p, "transition"), f"expected SCALE_OUT or SCALE_IN, got {shorten(hook.transition)}")
        if hook.default_result not in RESULTS:
            raise r.fail((*p, "default"), f"expected one of {', '.join(RESULTS)}, got {shorten(hook.default_result)}")
        if hook.status not in ("Active", "InActive"):
            raise r.fail((*p, "status"), f"expected Active or InActive, got {shorten(hook.status)}")
        if not HEARTBEAT_MIN_S <= hook.timeout <= HEARTBEAT_MAX_S:
            raise r.fail((*p, "timeout"), f"must be {HEARTBEAT_MIN_S}..{HEARTBEAT_MAX_S}, got {hook.timeout}")
        if any(other.name == hook.name for other in hooks):
            raise r.fail((*p, "name"), f"duplicate hook name {clip(hook.name)} in this group")
        hooks.append(hook)
    if len(hooks) > MAX_HOOKS:
        raise r.fail(path, f"at most {MAX_HOOKS} hooks per group, got {len(hooks)}")
    return hooks


def _faults(r: _Reader, spec: dict) -> Faults:
    p = ("faults",)
    r.known(spec, p, {"seed", "throttle_rate", "server_error_rate", "latency_ms", "retry_after_ms", "rules", "quotas"})
    latency = r.get(spec, "latency_ms", p, (int, list), default=0)
    if isinstance(latency, int):
        latency = [latency, latency]
    if len(latency) != 2 or not all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= MAX_DELAY_MS
                                    for x in latency) or latency[0] > latency[1]:
        raise r.fail((*p, "latency_ms"), f"expected milliseconds up to {MAX_DELAY_MS}, or [min, max]")
    rates = {}
    for name in ("throttle_rate", "server_error_rate"):
        rates[name] = r.get(spec, name, p, float, default=0.0)
        if not 0 <= rates[name] <= 1:
            raise r.fail((*p, name), "expected a rate between 0 and 1")
    rules = []
    for i, item in enumerate(r.sequence(spec.get("rules"), (*p, "rules"))):
        q = (*p, "rules", i)
        item = r.mapping(item, q)
        r.known(item, q, {"action", "call", "calls", "error", "after_apply"})
        calls = r.get(item, "calls", q, list, default=None)
        if calls is None:
            one = r.get(item, "call", q, int)
            calls = [one] if one is not None else []
        for j, call in enumerate(calls):
            if isinstance(call, bool) or not isinstance(call, int) or call < 1:
                raise r.fail((*q, "calls" if "calls" in item else "call", *((j,) if "calls" in item else ())),
                             f"expected call numbers 1, 2, ..., got {shorten(call)}")
        error = r.mapping(item.get("error"), (*q, "error"))
        r.known(error, (*q, "error"), {"code", "status", "message", "retry_after_ms"})
        rules.append(FaultRule(
            action=r.get(item, "action", q, str, required=True), calls=[int(c) for c in calls],
            code=r.get(error, "code", (*q, "error"), str, required=True),
            status=int(r.bounded(r.get(error, "status", (*q, "error"), int, default=400), (*q, "error", "status"),
                                 400, 599)),
            message=r.get(error, "message", (*q, "error"), str, default="Injected by the sandbox scenario."),
            retry_after_ms=_delay(r, error, (*q, "error")),
            after_apply=r.get(item, "after_apply", q, bool, default=False)))
    return Faults(seed=r.get(spec, "seed", p, int, default=0), throttle_rate=rates["throttle_rate"],
                  server_error_rate=rates["server_error_rate"], latency_ms=(latency[0], latency[1]),
                  retry_after_ms=_delay(r, spec, p), rules=rules, quotas=_quotas(r, spec, p))


def _quotas(r: _Reader, spec: dict, path: tuple) -> dict[str, float]:
    """faults.quotas: API action (or "*") -> calls per second."""
    quotas = r.mapping(spec.get("quotas"), (*path, "quotas"))
    if not quotas:
        return {}
    from essctl.sandbox.server import SERVICES

    known = {action for _, module, _ in SERVICES.values() for action in module.ACTIONS}
    found = {}
    for action, rate in quotas.items():
        q = (*path, "quotas", action)
        if action != "*" and action not in known:
            raise r.fail(q, f"{shorten(action)} is no API the sandbox serves (or \"*\" for every other API)")
        found[str(action)] = r.bounded(r.get(quotas, action, (*path, "quotas"), float, required=True), q, 0.01, 1e6)
    return found


def _delay(r: _Reader, spec: dict, path: tuple) -> int | None:
    """A retry_after_ms: none, or milliseconds up to MAX_DELAY_MS."""
    value = r.get(spec, "retry_after_ms", path, int)
    return None if value is None else int(r.bounded(value, (*path, "retry_after_ms"), 0, MAX_DELAY_MS))
