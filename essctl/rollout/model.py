"""What a rollout is asked to do: the engine, the template and its parameters (chosen from --image, --script,
--package or --template), batches, pause, processes, the role; and how it is chosen from those flags."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from essctl.errors import InputError, UsageError, shorten
from essctl.facts import rollout as facts
from essctl.facts.oos import DEFAULT_ROLE


@dataclass(frozen=True)
class Change:
    """What the user asks to change on every instance: one of the flags, as parameters of a template."""

    image: str | None = None
    script: str | None = None
    rollback_script: str | None = None
    package: str | None = None
    package_version: str | None = None
    package_action: str | None = None
    template: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RolloutSpec:
    group_id: str
    engine: str
    template: str | None                      # the OOS template (engine oos)
    parameters: Mapping[str, Any]             # what the template is given (scalingGroupId ... included)
    batches: int = facts.DEFAULT_BATCHES
    pause: str = "none"
    suspend: tuple[str, ...] = facts.DEFAULT_PROCESSES
    resume: tuple[str, ...] = facts.DEFAULT_PROCESSES
    role: str = DEFAULT_ROLE
    create_role: bool = False
    force: bool = False
    rollback_on_failure: bool = False
    image: str | None = None                  # engine instance-refresh: the desired image
    min_healthy: int | None = None
    max_healthy: int | None = None
    checkpoints: tuple[int, ...] = ()

    @property
    def refresh(self) -> bool:
        return self.engine == facts.ENGINE_REFRESH

    @property
    def known(self) -> facts.RolloutTemplate | None:
        return facts.TEMPLATES.get(self.template or "")


def choose(change: Change, *, engine: str = facts.ENGINE_OOS) -> tuple[str | None, dict[str, Any]]:
    """(template, its parameters) for the change asked: --image -> ReplaceSystemDisk, --script -> RunCommand,
    --package -> ConfigureOOSPackage, --template NAME with -p for the others. Exactly one must be given."""
    given = [flag for flag, value in (("--image", change.image), ("--script", change.script),
                                      ("--package", change.package), ("--template", change.template)) if value]
    if engine == facts.ENGINE_REFRESH:
        if given != ["--image"]:
            raise UsageError("--engine instance-refresh: give --image ID (the image the instances are refreshed to)")
        return None, {}
    if len(given) != 1:
        raise UsageError("give one of --image ID, --script TEXT|@FILE, --package NAME or --template NAME"
                         + (f" (got {', '.join(given)})" if given else ""))
    params: dict[str, Any] = dict(change.parameters)
    if change.image:
        template = facts.BY_KIND["image"].name
        params["imageId"] = change.image
    elif change.script:
        template = facts.BY_KIND["script"].name
        params["invokeScript"] = change.script
        if change.rollback_script:
            params["rollbackScript"] = change.rollback_script
    elif change.package:
        template = facts.BY_KIND["package"].name
        params["packageName"] = change.package
        if change.package_version:
            params["packageVersion"] = change.package_version
        params["action"] = change.package_action or "install"
    else:
        template = str(change.template)
        if not template.startswith(facts.ROLLOUT_PREFIX):
            raise InputError("template", f"{shorten(template)} is not a rolling-update template (the documented "
                                         f"ones start with {facts.ROLLOUT_PREFIX}; see essctl template list "
                                         f"--prefix {facts.ROLLOUT_PREFIX})")
    if change.rollback_script and not change.script:
        params.setdefault("rollbackScript", change.rollback_script)
    return template, params


def template_parameters(spec_group: str, params: Mapping[str, Any], *, batches: int, pause: str,
                        suspend: tuple[str, ...], resume: tuple[str, ...], role: str) -> dict[str, Any]:
    """The parameters of an invoke execution: the user's, and what the flags set (batches, pause, processes)."""
    return {**params, "invokeType": facts.INVOKE, "scalingGroupId": spec_group, "batchNumber": batches,
            "batchPauseOption": facts.PAUSE_OPTIONS[pause], "enterProcess": list(suspend),
            "exitProcess": list(resume), "OOSAssumeRole": role}
