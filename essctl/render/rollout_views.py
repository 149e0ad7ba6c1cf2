"""Rollouts for people: the plan (group, batches, processes, role and policy, failing preconditions, estimate), the
end of a start or watch (batches, outcome, diagnosis, the command that goes on), a status, and what pause, resume,
cancel and rollback did."""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Iterable

from essctl.render.progress import applied_lines, change_lines, stop_line

if TYPE_CHECKING:
    from essctl.rollout.control import ControlResult
    from essctl.rollout.diagnosis import RolloutDiagnosis
    from essctl.rollout.plan import RolloutPlan
    from essctl.rollout.run import RolloutReport
    from essctl.rollout.watch import RolloutWatch


def _short(value: object, limit: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def plan_lines(plan: RolloutPlan) -> Iterable[str]:
    spec = plan.spec
    what = "ESS instance refresh" if spec.refresh else f"OOS template {spec.template}"
    yield f"Rollout plan: {what} in {plan.group_id} ({plan.group.name or ''})"
    where = plan.where
    yield f"  region {where.region}, endpoint {where.endpoint}, credentials {where.credentials}"
    yield f"  instances: {len(plan.instances)} to update in {len(plan.batches)} batch(es)" + (
        f"; {len(plan.skipped)} left alone ({', '.join(f'{i.id} {i.lifecycle_state}' for i in plan.skipped[:3])})"
        if plan.skipped else "")
    for number, batch in enumerate(plan.batches, 1):
        yield f"    batch {number} of {len(plan.batches)}: {', '.join(batch)}"
    if spec.refresh:
        request = plan.start.request()
        yield f"  image: {spec.image}; MinHealthyPercentage {request.get('MinHealthyPercentage')}" + (
            f", MaxHealthyPercentage {spec.max_healthy}" if spec.max_healthy is not None else "") + (
            f", checkpoints at {', '.join(f'{p}%' for p in spec.checkpoints)}" if spec.checkpoints else "")
        yield "  processes: ESS keeps scaling during an instance refresh (none suspended)"
    else:
        yield f"  processes suspended at the start: {', '.join(spec.suspend) or 'none'}"
        yield f"  processes resumed at the end:     {', '.join(spec.resume) or 'none'}"
        yield f"  pause: {spec.pause} (batchPauseOption {plan.parameters.get('batchPauseOption')})"
    yield from change_lines(plan.changes)
    for warning in plan.warnings:
        yield f"  ! {warning}"
    for failing in plan.failing:
        yield f"  x precondition: {failing}"
    yield f"  estimate: {plan.estimate_text}"
    yield ("Cannot start: a precondition fails." if plan.failing else
           f"{len(plan.pending)} to change (the last one starts the rollout: billable).")


def watch_lines(watch: RolloutWatch) -> Iterable[str]:
    if watch.refresh is not None:
        task = watch.refresh
        yield f"  instance refresh {task.id}: {task.status}, {task.finished or 0} of {task.total or 0} instances" + (
            f" - {task.detail}" if task.detail else "")
    if watch.execution is not None:
        execution = watch.execution
        yield f"  execution {execution.id} ({execution.template_name}): {execution.status}" + (
            f" - {execution.status_message}" if execution.status not in ("Success", None) and
            execution.status_message else "")
        if execution.outputs:     # not an empty {}
            yield f"    outputs: {_short(execution.outputs_text, 300)}"
    for batch in watch.batches:
        failed = f", failed: {', '.join(batch.failed)}" if batch.failed else ""
        yield f"    batch {batch.number} of {len(watch.batches)}: {batch.done}/{len(batch.instances)} done{failed}" \
              f" ({', '.join(batch.instances)})"
    for task in watch.tasks:
        if task.status == "Failed" and not task.parent_id:
            yield f"    failed task {task.name}: {task.status_message}"


def diagnosis_lines(diagnosis: RolloutDiagnosis) -> Iterable[str]:
    where = f"batch {diagnosis.batch} of {diagnosis.of}" if diagnosis.batch else "before any batch"
    yield f"Diagnosis: failed in {where}" + (f", instances {', '.join(diagnosis.instances)}"
                                             if diagnosis.instances else "") + (
        f", task {diagnosis.task}" if diagnosis.task else "")
    if diagnosis.message:
        yield f"  error: {_short(diagnosis.message, 240)}"
    if diagnosis.code:
        yield f"  code: {diagnosis.code}" + (f" - {diagnosis.title}" if diagnosis.title else "")
    if diagnosis.cause:
        yield f"  cause: {diagnosis.cause}"
    if diagnosis.fix:
        yield f"  fix: {diagnosis.fix}"


def report_lines(report: RolloutReport) -> Iterable[str]:
    yield ""
    yield f"Rollout {report.rollout_id or '(not started)'}: {report.outcome.upper()}" + (
        "  (dry-run: recorded answers)" if report.dry_run else "")
    yield from applied_lines(report.applied)
    if report.stopped is not None:
        yield f"  stopped during the {report.stopped.phase}: {report.stopped.reason}"
    if report.watch is not None:
        yield from watch_lines(report.watch)
    if report.diagnosis is not None:
        yield from diagnosis_lines(report.diagnosis)
    if report.rollback_watch is not None:
        yield f"  rollback {report.rollback_id}:"
        yield from watch_lines(report.rollback_watch)
    for number, command in enumerate(report.resume()):
        yield f"  {'resume' if number == 0 else '':<10} {command}"
    mutating = sum(1 for call in report.calls if call.mutating)
    yield f"  time: {report.seconds.get('total', 0.0):.1f} s; {len(report.calls)} API calls, {mutating} mutating"


def status_lines(watch: RolloutWatch) -> Iterable[str]:
    yield f"Rollout {watch.rollout_id}: {watch.status}"
    yield from watch_lines(watch)


def control_lines(result: ControlResult) -> Iterable[str]:
    yield f"{result.verb} {result.rollout_id}: " + ("; ".join(result.calls) or "nothing sent") + (
        f" ({result.note})" if result.note else "")
    if result.new_id:
        yield f"  rollback started: {result.new_id}"
    yield from status_lines(result.status)


def stopped_line(report: RolloutReport) -> str:
    """The one line on stderr for a rollout stopped after it changed something: what goes on and how to resume."""
    goes_on = f"; rollout {report.rollout_id} goes on" if report.rollout_id and not report.dry_run else ""
    return stop_line(report.stopped, report.outcome, goes_on, report.resume())
