"""Why a rollout failed: which batch, which instances, which task, the error code matched to the knowledge base
(essctl/data/knowledge.yaml) with its documented fix."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from essctl.casing import pascal_keys
from essctl.diagnose.findings import error_codes_in
from essctl.diagnose.knowledge import lookup

if TYPE_CHECKING:
    from essctl.rollout.watch import RolloutWatch


@dataclass(frozen=True)
class RolloutDiagnosis:
    rollout_id: str
    status: str | None
    batch: int | None
    of: int
    instances: tuple[str, ...]
    task: str | None
    message: str | None
    code: str | None
    title: str | None
    cause: str | None
    fix: str | None
    source: str | None

    def to_data(self) -> dict[str, Any]:
        return pascal_keys({"rollout_id": self.rollout_id, "status": self.status, "batch": self.batch,
                            "of": self.of, "instances": list(self.instances), "task": self.task,
                            "message": self.message, "code": self.code, "title": self.title, "cause": self.cause,
                            "fix": self.fix, "source": self.source})


def diagnose_rollout(watch: RolloutWatch) -> RolloutDiagnosis:
    batch = watch.failed_batch()
    failed_tasks = [t for t in watch.tasks if t.status == "Failed"]
    # the deepest failure says most: an iteration (or a child execution's task) before the loop that holds it
    task = next((t for t in failed_tasks if t.parent_id), failed_tasks[0] if failed_tasks else None)
    message = task.status_message if task else (watch.execution.status_message if watch.execution else
                                                watch.refresh.detail if watch.refresh else None)
    codes = error_codes_in(message)
    entry = next((found[0] for code in codes if (found := lookup(code, message or "", "oos_task"))), None)
    if entry is None and message:
        found = lookup("", message, "oos_task")
        entry = found[0] if found else None
    return RolloutDiagnosis(
        rollout_id=watch.rollout_id, status=watch.status, batch=batch.number if batch else None,
        of=len(watch.batches), instances=tuple(batch.failed) if batch else (), task=task.name if task else None,
        message=message, code=entry.code if entry else (codes[0] if codes else None),
        title=entry.title if entry else None, cause=entry.cause if entry else None,
        fix=entry.fix if entry else None, source=entry.source if entry else None)
