"""What every recipe step is: it reads the current state and plans one change, applies it, plans its own removal,
and describes itself. A plan is a fixed list of Changes (Terraform's plans.Change); apply never writes to it."""
from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping

from essctl.errors import CloudAPIError
from essctl.facts.ess import owner_tag
from essctl.impact.model import HookRef

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud
    from essctl.cloud.resources import AttachedPolicy, LifecycleHook, Role, ScalingGroup
    from essctl.events import Emit
    from essctl.impact import ImpactAnalysis, PolicyChange
    from essctl.recipe.model import PolicySpec, Recipe
    from essctl.template.model import Template
    from essctl.template.source import TemplateResolver
    from essctl.watch.watcher import Pacing

# Values one step makes known to the steps after it (at plan time when the resource exists, else at apply time).
ACCOUNT_ID = "account_id"     # from the role's Arn: the hooks' NotificationArn needs it
RULE_ARI = "rule_ari"         # from the scaling rule: the trigger executes it


class Action(enum.Enum):
    """What a change does, with the symbol a plan shows it by."""

    NOOP = "="
    CREATE = "+"
    UPDATE = "~"
    DELETE = "-"

    @property
    def symbol(self) -> str:
        return self.value


@dataclass(frozen=True)
class Detail:
    """A field a change sets: its API name, what it is now (None: not there yet) and what it becomes."""

    name: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Change:
    """One planned change: `before` is the resource as read (None when absent), `after` what apply sends."""

    step: Step
    action: Action
    reason: str
    before: Any = None
    after: Any = None
    warnings: tuple[str, ...] = ()
    known: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()         # what a person reads under the change (what depends on a shared role)

    @property
    def changes_something(self) -> bool:
        return self.action is not Action.NOOP

    @property
    def kind(self) -> str:
        return self.step.kind

    @property
    def target(self) -> str:
        return self.step.target(self)

    @property
    def verb(self) -> str:
        return self.step.verb(self)

    def request(self) -> dict[str, Any]:
        """What apply sends, with the API's field names."""
        return self.step.request(self)

    def details(self) -> list[Detail]:
        """The fields a person checks before confirming, with their value before and after."""
        return self.step.details(self)

    def to_dict(self) -> dict[str, Any]:
        return {"Kind": self.kind, "Action": self.verb, "Target": self.target, "Reason": self.reason,
                "Request": self.request(), **({"Notes": list(self.notes)} if self.notes else {})}


@dataclass(frozen=True)
class Outcome:
    """What applying a change did: a word for people, the ids it made, and values now known to later steps."""

    text: str
    ids: Mapping[str, Any] = field(default_factory=dict)
    known: Mapping[str, Any] = field(default_factory=dict)


def removal(remove: Callable[[], None], gone_codes: frozenset[str], done: str = "deleted") -> Outcome:
    """Remove something; finding it already gone (someone else removed it since the plan) is done too."""
    try:
        remove()
    except CloudAPIError as exc:
        if exc.code not in gone_codes:
            raise
        return Outcome("already gone")
    return Outcome(done)


@dataclass(frozen=True)
class Outline:
    """One line of `recipe show`'s steps: the service, the API action, and what it does."""

    service: str
    action: str
    detail: str


@dataclass(frozen=True)
class RunSpec:
    """What a recipe run is asked to do: its recipe, where, with which inputs and policy."""

    recipe: Recipe
    group_id: str
    inputs: Mapping[str, Any]
    policy: PolicySpec
    create_role: bool = False
    trigger: bool = True          # execute the rule after the setup (recipe run); False: set up only
    force: bool = False           # make a policy change that takes actions from other hooks (after saying so)
    fleet: tuple[str, ...] = ()   # every group of a fleet run (the recipe's hooks in all of them are its own)

    @property
    def own_hooks(self) -> tuple[HookRef, ...]:
        """The recipe's hooks in its group (its groups, in a fleet): a change to a shared policy is judged by what it
        does to the others."""
        return tuple(HookRef(group, stage.hook.name) for group in self.fleet or (self.group_id,)
                     for stage in self.recipe.stages)


class PlanContext:
    """What the steps of one plan share: where the recipe runs, its templates, and reads made once."""

    def __init__(self, cloud: Cloud, group: ScalingGroup, *, templates: Mapping[str, Template] | None = None,
                 resolve: TemplateResolver | None = None, other_regions: tuple[Cloud, ...] = ()):
        self.cloud = cloud
        self.other_regions = other_regions     # a fleet's other regions: their hooks depend on the same roles
        self.region = cloud.region
        self.group = group
        self.templates = dict(templates or {})
        self.resolve = resolve
        self._roles: dict[str, Role | None] = {}
        self._attached: dict[str, set[tuple[str, str]]] = {}

    @property
    def group_id(self) -> str:
        return self.group.id

    @cached_property
    def hooks(self) -> list[LifecycleHook]:
        """The group's lifecycle hooks."""
        return self.cloud.ess.list_lifecycle_hooks(self.group_id)

    @cached_property
    def impact(self) -> ImpactAnalysis:
        """What depends on the roles a policy change reaches (read only when a plan has such a change)."""
        from essctl.impact import ImpactAnalysis

        return ImpactAnalysis(self.cloud, other_regions=self.other_regions)

    @cached_property
    def group_tags(self) -> dict[str, str]:
        """The group's tags: among them, which recipe made which hook and rule."""
        return self.cloud.ess.group_tags(self.group_id)

    def made_by(self, resource_id: str) -> str | None:
        """The recipe that made this hook or rule in the group, as the group's tags record it."""
        return self.group_tags.get(owner_tag(resource_id))

    def role(self, name: str) -> Role | None:
        if name not in self._roles:
            self._roles[name] = self.cloud.ram.get_role(name)
        return self._roles[name]

    def attached(self, role: str) -> set[tuple[str, str]]:
        """(name, type) of the policies attached to the role; none when the role does not exist yet."""
        if role not in self._attached:
            policies: list[AttachedPolicy] = self.cloud.ram.policies_of_role(role) if self.role(role) else []
            self._attached[role] = {policy.key for policy in policies}
        return self._attached[role]


@dataclass
class ApplyContext:
    """What applying one plan carries from step to step: the values known so far, and where events go."""

    known: dict[str, Any]
    emit: Emit
    pacing: Pacing | None = None
    deadline: float | None = None     # the time on pacing.clock() after which a retried step gives up


def guard(context: PlanContext, roles: list[str], changes: list[PolicyChange], own: tuple[HookRef, ...],
          force: bool) -> tuple[tuple[str, ...], str | None]:
    """(the plan notes, the refusal) of a change to a policy the roles hold: what it would take from the hooks that
    run as them, other than `own`. With `force` the refusal is only a note."""
    impacts = [context.impact.check(role, changes, own=own) for role in roles]
    notes = tuple(impact.summary() for impact in impacts)
    refusal = "; ".join(text for impact in impacts if (text := impact.refusal()))
    if refusal and force:
        return (*notes, f"! --force: {refusal}"), None
    return notes, refusal or None


class Step(ABC):
    """One kind of change a recipe makes. A subclass reads, plans, applies and removes one resource."""

    kind: ClassVar[str]
    phase: ClassVar[str] = "setup"    # "trigger": after the setup, by `recipe run` only; "teardown": teardown only
    scope: ClassVar[str] = "group"    # "account": RAM's, the same in every group and region (a fleet plans it once)

    @classmethod
    @abstractmethod
    def for_recipe(cls, spec: RunSpec) -> list[Step]:
        """The steps of this kind a recipe run takes (none when it takes none)."""

    @abstractmethod
    def plan(self, context: PlanContext, known: Mapping[str, Any]) -> Change:
        """Read the resource and plan the change that makes it what the recipe wants (NOOP when it is)."""

    @abstractmethod
    def apply(self, cloud: Cloud, change: Change, context: ApplyContext) -> Outcome:
        """Make a planned CREATE, UPDATE or DELETE."""

    def plan_teardown(self, context: PlanContext) -> Change | None:
        """The change that removes what this step made; None when teardown leaves this kind alone."""
        return None

    @classmethod
    def validate(cls, changes: list[Change], context: PlanContext) -> None:
        """Checks across the planned changes of this kind (raise PreconditionFailed)."""

    @abstractmethod
    def outline(self) -> list[Outline]:
        """What this step does, for `recipe show`."""

    @abstractmethod
    def target(self, change: Change | None = None) -> str:
        """The resource, as plans and summaries name it."""

    def verb(self, change: Change) -> str:
        """The action in words: create, update, delete, none (a kind may say more: attach, new-version)."""
        return {Action.NOOP: "none", Action.CREATE: "create", Action.UPDATE: "update",
                Action.DELETE: "delete"}[change.action]

    def request(self, change: Change) -> dict[str, Any]:
        after = change.after
        return after.to_api() if after is not None and hasattr(after, "to_api") else {}

    def details(self, change: Change) -> list[Detail]:
        return []
