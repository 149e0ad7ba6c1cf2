"""Rolling updates: the documented ACS-ESS-RollingUpdateBy* templates (their parameters, the loop task that works
on the instances, how each rolls back) and ESS instance refresh (its states). Sources: the templates in
../shared/oos-templates/PublicTemplates, openapi-meta ess/StartInstanceRefresh.json and the SDK's
DescribeInstanceRefreshes model, oos/StartExecution.json (LoopMode) and oos/NotifyExecution.json (NotifyType)."""
from __future__ import annotations

from dataclasses import dataclass

ENGINE_OOS = "oos"
ENGINE_REFRESH = "instance-refresh"
ENGINES = (ENGINE_OOS, ENGINE_REFRESH)


@dataclass(frozen=True)
class RolloutTemplate:
    """One documented rolling-update template: the loop task that changes the instances (and the one that rolls
    them back), what a rollback passes, and what the template does to each instance (for the estimate)."""

    name: str
    kind: str                    # image | script | package | download-file | download-oss-file | container
    invoke_task: str
    rollback_task: str
    rollback_parameters: tuple[str, ...]     # what a rollback execution passes besides sourceExecutionId
    seconds_per_instance: int    # a rough figure: a system disk replacement restarts the instance
    processes: bool = True       # the template suspends enterProcess and resumes exitProcess


TEMPLATES: dict[str, RolloutTemplate] = {t.name: t for t in (
    RolloutTemplate("ACS-ESS-RollingUpdateByReplaceSystemDiskInScalingGroup", "image", "invokeByReplaceImage",
                    "rollbackByReplaceImage", ("sourceImageId",), 300),
    RolloutTemplate("ACS-ESS-RollingUpdateByRunCommandInScalingGroup", "script", "invokeByRunCommand",
                    "rollbackByRunCommand", ("rollbackScript",), 60),
    RolloutTemplate("ACS-ESS-RollingUpdateByConfigureOOSPackage", "package", "invokeByConfigureOOSPackage",
                    "rollbackByConfigureOOSPackage", ("packageName", "packageVersion", "action"), 120),
    RolloutTemplate("ACS-ESS-RollingUpdateByDownloadFileAndRunCommand", "download-file",
                    "invokeByDownloadFileAndRunCommand", "rollbackByDownloadFileAndRunCommand",
                    ("rollbackSourcePath", "rollbackDestinationDir", "rollbackScript"), 90),
    RolloutTemplate("ACS-ESS-RollingUpdateByDownloadOSSFileAndRunCommand", "download-oss-file",
                    "invokeByDownloadOSSFileAndRunCommand", "rollbackByDownloadOSSFileAndRunCommand",
                    ("rollbackBucketName", "rollbackObjectName", "rollbackDestinationDir", "rollbackScript"), 90),
    RolloutTemplate("ACS-ESS-RollingUpdateByUpdateContainerGroup", "container", "invokeByUpdateContainerGroup",
                    "rollbackByUpdateContainerGroup", ("sourceContainerConfigure",), 120),
)}
BY_KIND = {t.kind: t for t in TEMPLATES.values()}
ROLLOUT_PREFIX = "ACS-ESS-RollingUpdateBy"

# The processes the guide suspends during a rolling update: the templates' enterProcess/exitProcess default.
DEFAULT_PROCESSES = ("ScaleIn", "ScaleOut", "HealthCheck", "AlarmNotification", "ScheduledAction")
PROCESSES = DEFAULT_PROCESSES
# --pause -> the templates' batchPauseOption (the Loop's BatchPauseOption).
PAUSE_OPTIONS = {"none": "Automatic", "first": "FirstBatchPause", "every": "EveryBatchPause"}
BATCHES_RANGE = (1, 100)          # batchNumber's MinValue/MaxValue
DEFAULT_BATCHES = 5
INVOKE, ROLLBACK = "invoke", "rollback"

# A batch paused by BatchPauseOption leaves the execution Waiting; NotifyExecution goes on with it.
WAITING = "Waiting"
NOTIFY_RESUME = "Approve"
# essctl tags every rollout execution it starts, so that `rollout list` and a rollback find the group's rollouts.
GROUP_TAG = "essctl:rollout-group"

# ESS instance refresh (DescribeInstanceRefreshes InstanceRefreshTasks[].Status).
REFRESH_RUNNING = frozenset({"Pending", "InProgress", "Cancelling", "RollbackInProgress", "Paused",
                             "CheckpointPause"})
REFRESH_SUCCESS = frozenset({"Successful", "RollbackSuccessful"})
REFRESH_FAILURE = frozenset({"Failed", "Cancelled", "RollbackFailed"})
REFRESH_PAUSED = frozenset({"Paused", "CheckpointPause"})   # CheckpointPause goes on by itself after its time
MIN_HEALTHY_DEFAULT = 100
MAX_HEALTHY_ASSUMED = 100    # when not given: the plan assumes no instance above the group's size


def batches_of(items: list, batch_number: int) -> list[list]:
    """The items in the batches OOS makes: Fn::CalculateBatch(batchNumber, items) gives the loop a concurrency of
    ceil(len / batchNumber), so the batches are that many items each (fewer batches than asked when items are few)."""
    if not items:
        return []
    size = -(-len(items) // max(1, batch_number))
    return [items[start:start + size] for start in range(0, len(items), size)]


def refresh_batch_size(count: int, min_healthy: int, max_healthy: int) -> int:
    """Instances an instance refresh replaces at once: those it may take out of service (below MinHealthyPercentage)
    plus those it may add above the group's size (up to MaxHealthyPercentage); at least one."""
    out_of_service = count - -(-count * min_healthy // 100)
    extra = count * max_healthy // 100 - count
    return max(1, out_of_service + extra)
