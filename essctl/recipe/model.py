"""A recipe as essctl holds it once loaded (the format: recipes/README.md)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from essctl.errors import UsageError, shorten

if TYPE_CHECKING:
    from essctl.yamldoc import Document, FieldPath


class RecipeError(UsageError):
    """A recipe that cannot be used: "FILE:LINE:COL: field.path: problem" (exit code 2, nothing sent)."""


@dataclass(frozen=True)
class RecipeInput:
    name: str
    type: str                     # String | Number | Boolean | List | Json
    required: bool
    default: Any
    allowed: tuple | None
    help: str
    example: Any                  # shown by `recipe show`, used by dry-run


@dataclass(frozen=True)
class HookSpec:
    name: str
    transition: str               # SCALE_OUT | SCALE_IN
    timeout: int
    default_result: str           # CONTINUE | ABANDON | ROLLBACK


@dataclass(frozen=True)
class Stage:
    template: str
    hook: HookSpec
    parameters: dict[str, Any]    # as written: values may hold ${input} references


@dataclass(frozen=True)
class PolicySpec:
    name: str | None
    derive: bool
    document: dict | None
    system: tuple[str, ...]
    description: str

    @property
    def kind(self) -> str:
        return "derived" if self.derive else "system" if self.system else "statements"


@dataclass(frozen=True)
class Trigger:
    rule: str
    adjustment: int
    named: bool = False           # the recipe (or --rule) names the rule; else it is named after the recipe


def rule_name(recipe: str, adjustment: int) -> str:
    """The rule a recipe's trigger makes when no name is given: it carries the recipe, so two recipes in one group
    never share a rule by accident (run-command-add1, redis-whitelist-remove1)."""
    suffix = f"-{'add' if adjustment > 0 else 'remove'}{abs(adjustment)}"
    return recipe[:64 - len(suffix)] + suffix


@dataclass(frozen=True)
class Recipe:
    name: str
    title: str
    description: str
    role: str
    inputs: tuple[RecipeInput, ...]
    stages: tuple[Stage, ...]     # the main stage, then the optional scale-in counterpart
    policy: PolicySpec
    policy_variants: dict[str, PolicySpec]
    trigger: Trigger | None
    path: Path | None
    reference: str
    document: Document | None = field(default=None, repr=False, compare=False)

    def input(self, name: str) -> RecipeInput | None:
        return next((item for item in self.inputs if item.name == name), None)

    @property
    def templates(self) -> list[str]:
        """The templates of its stages, each once."""
        return list(dict.fromkeys(stage.template for stage in self.stages))

    def fail(self, path: FieldPath, problem: str) -> NoReturn:
        """A RecipeError at a field (or its nearest parent written in the file)."""
        if self.document is not None:
            self.document.fail(path, problem)
        from essctl.yamldoc import dotted

        raise RecipeError(f"{self.path or '<recipe>'}:1:1: {dotted(path)}: {problem}")

    def stage_field(self, stage: Stage, *name: Any) -> FieldPath:
        """Where a stage's field is written: `parameters.X` or `scale_in.parameters.X`."""
        if len(self.stages) > 1 and stage is self.stages[1]:
            scale_in = ("scale_in", *name)
            written = self.document is not None and self.document.has(scale_in)
            if name[0] != "parameters" or len(name) == 1 or written:
                return scale_in
        return tuple(name)

    def policy_spec(self, variant: str | None) -> PolicySpec:
        """The policy, or one of its named variants."""
        if variant is None:
            return self.policy
        if variant not in self.policy_variants:
            from essctl.errors import InputError

            known = ", ".join(sorted(self.policy_variants)) or "none"
            raise InputError("policy_variant", f"recipe {self.name} has no variant {shorten(variant)} "
                                               f"(variants: {known})")
        return self.policy_variants[variant]
