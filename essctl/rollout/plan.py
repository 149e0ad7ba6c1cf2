"""Plan a rollout, read-only: the group and the instances that will change batch by batch, the processes
suspended and resumed, the role and policy the template needs (the recipe steps, with the role impact check), the
preconditions that fail, and how long it should take."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from essctl.casing import pascal_keys
from essctl.errors import CloudAPIError, PreconditionFailed
from essctl.facts import rollout as facts
from essctl.facts.ram import CUSTOM
from essctl.recipe.model import PolicySpec
from essctl.recipe.plan import read_group
from essctl.recipe.steps import AttachmentStep, Change, PlanContext, PolicyStep, RoleStep
from essctl.rollout.model import RolloutSpec, template_parameters
from essctl.rollout.steps import StartRolloutStep
from essctl.template.parameters import typed_values

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud, Where
    from essctl.cloud.resources import ScalingGroup, ScalingInstance
    from essctl.template.model import Template

IN_SERVICE = "InService"


@dataclass(frozen=True)
class RolloutPlan:
    spec: RolloutSpec
    group: ScalingGroup
    instances: tuple[ScalingInstance, ...]         # those the rollout changes, in the order the template lists them
    skipped: tuple[ScalingInstance, ...]           # in the group but in another state: not changed
    batches: tuple[tuple[str, ...], ...]
    changes: tuple[Change, ...]                    # role, policy, attachment; then the start
    failing: tuple[str, ...]                       # preconditions that fail: start refuses
    estimate_s: int
    estimate_text: str
    where: Where
    parameters: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def group_id(self) -> str:
        return self.group.id

    @property
    def setup(self) -> tuple[Change, ...]:
        return tuple(change for change in self.changes if change.step.phase == "setup")

    @property
    def start(self) -> Change:
        return next(change for change in self.changes if change.step.phase == "trigger")

    @property
    def pending(self) -> list[Change]:
        return [change for change in self.changes if change.changes_something]

    def to_data(self) -> dict[str, Any]:
        return pascal_keys({
            "engine": self.spec.engine, "template": self.spec.template, "region": self.where.region,
            "scaling_group_id": self.group_id, "instances": [i.id for i in self.instances],
            "skipped": [{"InstanceId": i.id, "LifecycleState": i.lifecycle_state} for i in self.skipped],
            "batches": [list(batch) for batch in self.batches],
            "suspend": list(self.spec.suspend) if not self.spec.refresh else [],
            "resume": list(self.spec.resume) if not self.spec.refresh else [],
            "changes": [change.to_dict() for change in self.changes], "failing": list(self.failing),
            "estimate_seconds": self.estimate_s, "estimate": self.estimate_text, "warnings": list(self.warnings)})


def make_rollout_plan(cloud: Cloud, spec: RolloutSpec) -> RolloutPlan:
    """Read what exists and plan the rollout; raises PreconditionFailed for a group that does not exist."""
    from essctl.template.source import load_template_from_oos, oos_resolver

    group = read_group(cloud, spec.group_id)
    failing: list[str] = []
    warnings: list[str] = []
    template = None
    parameters: dict[str, Any] = {}
    if not spec.refresh:
        template = load_template_from_oos(cloud, str(spec.template))
        given = dict(spec.parameters)
        if spec.known and spec.known.kind == "image" and "sourceImageId" not in given and group.scaling_configuration_id:
            # the template ignores it on invoke; passing the image the group has now lets a rollback find it
            try:
                source = cloud.ess.configuration_image(group.scaling_configuration_id)
            except CloudAPIError as exc:
                source = None
                warnings.append(f"the group's image is unknown ({exc.code}): a rollback will need "
                                "-p sourceImageId=<the image before>")
            if source:
                given["sourceImageId"] = source
        parameters = typed_values(template, template_parameters(
            spec.group_id, given, batches=spec.batches, pause=spec.pause, suspend=spec.suspend,
            resume=spec.resume, role=spec.role))
    states = _states(parameters)
    everyone = cloud.ess.group_instances(spec.group_id)
    instances = [i for i in everyone if i.lifecycle_state in states]
    skipped = [i for i in everyone if i.lifecycle_state not in states]
    if spec.refresh:
        size = facts.refresh_batch_size(len(instances), facts.MIN_HEALTHY_DEFAULT if spec.min_healthy is None
                                        else spec.min_healthy, spec.max_healthy or facts.MAX_HEALTHY_ASSUMED)
        chunks = [instances[n:n + size] for n in range(0, len(instances), size)]
    else:
        chunks = facts.batches_of(instances, spec.batches)
    batches = tuple(tuple(i.id for i in batch) for batch in chunks)
    failing.extend(_preconditions(cloud, spec, group, instances))
    context = PlanContext(cloud, group, templates={template.name: template} if template else {},
                          resolve=oos_resolver(cloud))
    changes = access_changes(context, template, spec.role, label=f"rollout-{spec.known.kind if spec.known else 'template'}",
                             create_role=spec.create_role, force=spec.force) if template else []
    changes.append(StartRolloutStep(spec, parameters).plan(context, {}))
    warnings.extend(warning for change in changes for warning in change.warnings)
    seconds, text = estimate(spec, len(batches), context.hooks)
    return RolloutPlan(spec=spec, group=group, instances=tuple(instances), skipped=tuple(skipped), batches=batches,
                       changes=tuple(changes), failing=tuple(failing), estimate_s=seconds, estimate_text=text,
                       where=cloud.where(), parameters=parameters, warnings=tuple(warnings))


def access_changes(context: PlanContext, template: Template, role: str, *, label: str, create_role: bool = False,
                   force: bool = False) -> list[Change]:
    """The role OOS assumes for `template`, the least-privilege policy derived from it (one per template, tagged
    with `label`) and its attachment: the recipe steps, with the role impact check on a new policy version."""
    short = (f"EssctlRollout-{template.name.removeprefix(facts.ROLLOUT_PREFIX)}"
             if template.name.startswith(facts.ROLLOUT_PREFIX) else f"Essctl-{template.name.removeprefix('ACS-ESS-')}")
    policy = PolicySpec(name=short[:128], derive=True,
                        document=None, system=(), description=f"Policy for {template.name} (essctl)")
    steps = [RoleStep(role, create=create_role),
             PolicyStep(policy, recipe=label, role=role, templates=[template.name], force=force),
             AttachmentStep(str(policy.name), CUSTOM, role, recipe=label, force=force)]
    known: dict[str, Any] = {}
    changes = []
    for step in steps:
        change = step.plan(context, known)
        known.update({k: v for k, v in change.known.items() if v is not None})
        changes.append(change)
    return changes


def _states(parameters: Mapping[str, Any]) -> tuple[str, ...]:
    state = parameters.get("lifecycleState", IN_SERVICE)
    return tuple(state) if isinstance(state, list) else (str(state),)


def _preconditions(cloud: Cloud, spec: RolloutSpec, group: ScalingGroup,
                   instances: list[ScalingInstance]) -> list[str]:
    failing = []
    if group.lifecycle_state not in (None, "Active"):
        failing.append(f"scaling group {group.id} is {group.lifecycle_state}, not Active")
    running = cloud.ess.list_scaling_activities(group.id, status="InProgress", max_items=1)
    if running:
        failing.append(f"scaling activity {running[0].id} is in progress in {group.id}: wait for it to end")
    if not instances:
        failing.append(f"no instance of {group.id} is in a state the rollout changes: nothing to update")
    kind = "image" if spec.refresh else spec.known.kind if spec.known else None
    if kind == "image":
        unconfigured = [i.id for i in instances if not i.scaling_configuration_id]
        if unconfigured:
            failing.append(f"{len(unconfigured)} instance(s) ({', '.join(unconfigured[:3])}) were not created from "
                           "a scaling configuration: an image update needs one")
    if spec.refresh and spec.min_healthy is not None and spec.max_healthy is not None \
            and spec.min_healthy > spec.max_healthy:
        failing.append(f"MinHealthyPercentage {spec.min_healthy} is above MaxHealthyPercentage {spec.max_healthy}")
    return failing


def estimate(spec: RolloutSpec, batches: int, hooks: list) -> tuple[int, str]:
    """Batches x what each batch does: the template's work on an instance, plus, where instances are replaced or
    restarted (an image), the group's lifecycle hooks' timeouts (each may wait that long)."""
    per_instance = spec.known.seconds_per_instance if spec.known else 300
    hook_s = 0
    if spec.refresh or (spec.known and spec.known.kind == "image"):
        hook_s = sum(hook.heartbeat_timeout or 0 for hook in hooks if hook.active)
    per_batch = per_instance + hook_s
    total = batches * per_batch
    hooks_text = f" + {hook_s} s of lifecycle hook timeouts" if hook_s else ""
    return total, f"{batches} batch(es) x ({per_instance} s per instance{hooks_text}) = about {total // 60} min " \
                  f"{total % 60} s, plus the pauses between batches"


def refuse_failing(plan: RolloutPlan) -> None:
    if plan.failing:
        raise PreconditionFailed("; ".join(plan.failing) + "; nothing was started")
