"""An in-memory stand-in for essctl's cloud gateways (essctl/cloud/ess.py, oos.py, ram.py), for unit tests of the
plan/apply engine that need no HTTP. It keeps just enough state for the steps, and records every call.

It models the gateways' contracts, not the services: the sandbox (tests/sandbox, tests/e2e) is where essctl meets
an emulator that speaks the wire. `test_fake_cloud_matches_the_gateways` keeps the method signatures the same.
As the gateways do, a create that finds the same resource already there (the same name and content) succeeds and
records the read-back in `checks`; another resource of that name is an error.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field, replace
from typing import Any

from essctl.cloud.converge import IN_PLACE, Check
from essctl.cloud.gateway import Where
from essctl.cloud.resources import (
    AttachedPolicy,
    Execution,
    GeneratedPolicy,
    HookFields,
    InstanceRefresh,
    LifecycleAction,
    LifecycleHook,
    NewInstanceRefresh,
    NewPolicy,
    NewPolicyVersion,
    NewRole,
    NewRule,
    Policy,
    PolicyAttachment,
    PolicyEntity,
    PolicyVersion,
    Role,
    ScalingActivity,
    ScalingGroup,
    ScalingInstance,
    ScalingRule,
    TaskExecution,
    TemplateContent,
    TemplateSummary,
)
from essctl.errors import CloudAPIError
from essctl.policies.documents import same_policy

REGION, ACCOUNT = "cn-hangzhou", "1234567890123456"
OOS_TRUST = json.dumps({"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                                       "Principal": {"Service": ["oos.aliyuncs.com"]}}], "Version": "1"})


def api_error(service: str, action: str, code: str, message: str = "from the fake cloud") -> CloudAPIError:
    return CloudAPIError(service=service, action=action, code=code, message=message, status=400)


class _Recorder:
    def __init__(self, cloud: "FakeCloud", service: str):
        self._cloud, self._service = cloud, service

    def _call(self, action: str, **arguments: Any) -> None:
        self._cloud.calls.append((self._service, action, arguments))
        failure = self._cloud.failures.get(action)
        if failure:
            raise failure.pop(0)

    def _found(self, action: str, target: str, cause: str, found: str) -> None:
        self._cloud.checks.append(Check(self._service, action, target, cause, False, found, IN_PLACE))


class FakeEss(_Recorder):
    def __init__(self, cloud: "FakeCloud"):
        super().__init__(cloud, "ess")
        self.groups: dict[str, ScalingGroup] = {}
        self.hooks: dict[str, LifecycleHook] = {}
        self.rules: dict[str, ScalingRule] = {}
        self.tags: dict[str, dict[str, str]] = {}      # group id -> tags
        self.executed: list[tuple[str, str]] = []      # (ari, client token)
        self.instances: dict[str, list[ScalingInstance]] = {}   # group id -> its instances
        self.suspended: dict[str, set[str]] = {}       # group id -> suspended processes
        self.images: dict[str, str] = {}               # scaling configuration id -> image
        self.refreshes: dict[str, list[InstanceRefresh]] = {}   # task id -> the answers polls get, in order
        self._ids = itertools.count(1)

    def _id(self, prefix: str) -> str:
        return f"{prefix}-fake{next(self._ids):06d}"

    def group_tags(self, group_id: str) -> dict[str, str]:
        self._call("group_tags", group_id=group_id)
        return dict(self.tags.get(group_id, {}))

    def tag_group(self, group_id: str, tags: dict[str, str]) -> None:
        self._call("tag_group", group_id=group_id, tags=tags)
        self.tags.setdefault(group_id, {}).update(tags)

    def untag_group(self, group_id: str, keys: list[str]) -> None:
        self._call("untag_group", group_id=group_id, keys=keys)
        for key in keys:
            self.tags.get(group_id, {}).pop(key, None)

    def list_scaling_groups(self, *, max_items: int | None = None) -> list[ScalingGroup]:
        self._call("list_scaling_groups")
        return list(self.groups.values())[:max_items or None]

    def get_scaling_group(self, group_id: str) -> ScalingGroup | None:
        self._call("get_scaling_group", group_id=group_id)
        group = self.groups.get(group_id)
        if group is not None and self.suspended.get(group_id):
            group = replace(group, suspended_processes=tuple(sorted(self.suspended[group_id])))
        return group

    def get_scaling_groups(self, group_ids: list[str]) -> list[ScalingGroup]:
        self._call("get_scaling_groups", group_ids=list(group_ids))
        return [group for group_id in group_ids if (group := self.get_scaling_group(group_id)) is not None]

    def group_instances(self, group_id: str, *, states: tuple[str, ...] = ()) -> list[ScalingInstance]:
        self._call("group_instances", group_id=group_id)
        return [i for i in self.instances.get(group_id, []) if not states or i.lifecycle_state in states]

    def resume_processes(self, group_id: str, processes: list[str], client_token: str) -> None:
        self._call("resume_processes", group_id=group_id, processes=processes)
        self.suspended.setdefault(group_id, set()).difference_update(processes)

    def start_instance_refresh(self, request: NewInstanceRefresh, client_token: str) -> str:
        self._call("start_instance_refresh", request=request)
        task_id = self._id("ir")
        self.refreshes[task_id] = [InstanceRefresh(id=task_id, group_id=request.group_id, status="Pending")]
        return task_id

    def instance_refreshes(self, group_id: str, *, task_id: str | None = None,
                           max_items: int | None = None) -> list[InstanceRefresh]:
        self._call("instance_refreshes", group_id=group_id, task_id=task_id)
        found = []
        for ident, answers in self.refreshes.items():
            if task_id in (None, ident):
                found.append(answers.pop(0) if len(answers) > 1 else answers[0])
        return found

    def change_instance_refresh(self, verb: str, group_id: str, task_id: str) -> None:
        self._call("change_instance_refresh", verb=verb, task_id=task_id)
        status = {"Suspend": "Paused", "Resume": "InProgress", "Rollback": "RollbackInProgress",
                  "Cancel": "Cancelled"}[verb]
        self.refreshes[task_id] = [replace(self.refreshes[task_id][-1], status=status)]

    def configuration_image(self, configuration_id: str) -> str | None:
        self._call("configuration_image", configuration_id=configuration_id)
        return self.images.get(configuration_id)

    def list_lifecycle_hooks(self, group_id: str, *, max_items: int | None = None) -> list[LifecycleHook]:
        self._call("list_lifecycle_hooks", group_id=group_id)
        return [hook for hook in self.hooks.values() if hook.group_id == group_id][:max_items or None]

    def get_lifecycle_hook(self, hook_id: str) -> LifecycleHook | None:
        self._call("get_lifecycle_hook", hook_id=hook_id)
        return self.hooks.get(hook_id)

    def create_lifecycle_hook(self, group_id: str, fields: HookFields) -> str:
        self._call("create_lifecycle_hook", group_id=group_id, fields=fields)
        same_name = next((h for h in self.hooks.values() if h.group_id == group_id and h.name == fields.name), None)
        if same_name is not None:
            if fields.unmet_by(same_name).given():
                raise api_error("ess", "CreateLifecycleHook", "InvalidLifecycleHookName.Duplicate")
            self._found("CreateLifecycleHook", f"hook {fields.name} in {group_id}",
                        "InvalidLifecycleHookName.Duplicate", "exists with the same fields")
            return same_name.id
        hook_id = self._id("ash")
        self.hooks[hook_id] = LifecycleHook(id=hook_id, group_id=group_id, status="Active", **fields.given())
        return hook_id

    def modify_lifecycle_hook(self, hook_id: str, fields: HookFields, *, group_id: str | None = None) -> None:
        self._call("modify_lifecycle_hook", hook_id=hook_id, fields=fields)
        self.hooks[hook_id] = replace(self.hooks[hook_id], **fields.given())

    def delete_lifecycle_hook(self, hook_id: str) -> None:
        self._call("delete_lifecycle_hook", hook_id=hook_id)
        if self.hooks.pop(hook_id, None) is None:
            raise api_error("ess", "DeleteLifecycleHook", "InvalidLifecycleHookId.NotExist")

    def find_scaling_rule(self, group_id: str, name: str) -> ScalingRule | None:
        self._call("find_scaling_rule", group_id=group_id, name=name)
        return next((r for r in self.rules.values() if r.group_id == group_id and r.name == name), None)

    def create_scaling_rule(self, request: NewRule) -> ScalingRule:
        self._call("create_scaling_rule", request=request)
        same_name = next((r for r in self.rules.values() if r.group_id == request.group_id
                          and r.name == request.name), None)
        if same_name is not None:
            if (same_name.adjustment_type, same_name.adjustment_value) != (request.adjustment_type,
                                                                             request.adjustment_value):
                raise api_error("ess", "CreateScalingRule", "InvalidScalingRuleName.Duplicate")
            self._found("CreateScalingRule", f"rule {request.name} in {request.group_id}",
                        "InvalidScalingRuleName.Duplicate", "exists with the same adjustment")
            return same_name
        rule_id = self._id("asr")
        rule = ScalingRule(id=rule_id, name=request.name, group_id=request.group_id,
                           ari=f"ari:acs:ess:{REGION}:{ACCOUNT}:scalingrule/{rule_id}", rule_type=request.rule_type,
                           adjustment_type=request.adjustment_type, adjustment_value=request.adjustment_value)
        self.rules[rule_id] = rule
        return rule

    def delete_scaling_rule(self, rule_id: str) -> None:
        self._call("delete_scaling_rule", rule_id=rule_id)
        if self.rules.pop(rule_id, None) is None:
            raise api_error("ess", "DeleteScalingRule", "InvalidScalingRuleId.NotFound")

    def execute_scaling_rule(self, ari: str, client_token: str) -> str:
        self._call("execute_scaling_rule", ari=ari, client_token=client_token)
        self.executed.append((ari, client_token))
        return self._id("asa")

    def list_scaling_activities(self, group_id: str, *, status: str | None = None,
                                max_items: int | None = None) -> list[ScalingActivity]:
        self._call("list_scaling_activities", group_id=group_id)
        return []

    def get_scaling_activity(self, activity_id: str) -> ScalingActivity | None:
        self._call("get_scaling_activity", activity_id=activity_id)
        return None

    def get_scaling_activities(self, activity_ids: list[str]) -> list[ScalingActivity]:
        self._call("get_scaling_activities", activity_ids=list(activity_ids))
        return [found for activity_id in activity_ids if (found := self.get_scaling_activity(activity_id))]

    def activity_instances(self, group_id: str, activity_id: str) -> list[ScalingInstance]:
        self._call("activity_instances", group_id=group_id, activity_id=activity_id)
        return []

    def lifecycle_actions(self, activity_id: str, *, status: str | None = None) -> list[LifecycleAction]:
        self._call("lifecycle_actions", activity_id=activity_id)
        return []

    def get_scaling_instance(self, instance_id: str) -> ScalingInstance | None:
        self._call("get_scaling_instance", instance_id=instance_id)
        return None

    def complete_lifecycle_action(self, hook_id: str, token: str, result: str, client_token: str) -> None:
        self._call("complete_lifecycle_action", hook_id=hook_id, token=token, result=result)

    def record_lifecycle_action_heartbeat(self, hook_id: str, token: str, timeout: int | None) -> None:
        self._call("record_lifecycle_action_heartbeat", hook_id=hook_id, token=token, timeout=timeout)


class FakeOos(_Recorder):
    def __init__(self, cloud: "FakeCloud"):
        super().__init__(cloud, "oos")
        self.templates: dict[str, str] = {}     # name -> content
        # execution id -> the answers polls get, in order (the last repeats): (the execution, its tasks)
        self.executions: dict[str, list[tuple[Execution, list[TaskExecution]]]] = {}
        self.started: list[tuple[str, dict, str, dict]] = []     # (template, parameters, client token, tags)
        self._ids = itertools.count(1)
        self._tasks: dict[str, list[TaskExecution]] = {}     # the tasks of the answer get_execution gave last

    def _now(self, execution_id: str) -> tuple[Execution, list[TaskExecution]] | None:
        answers = self.executions.get(execution_id)
        if not answers:
            return None
        return answers.pop(0) if len(answers) > 1 else answers[0]

    def start_execution(self, template: str, parameters: dict[str, Any], client_token: str, *,
                        tags: dict[str, str] | None = None, loop_mode: str | None = None) -> Execution:
        self._call("start_execution", template=template, parameters=parameters)
        self.started.append((template, dict(parameters), client_token, dict(tags or {})))
        execution = Execution(id=f"exec-fake{next(self._ids):06d}", template_name=template, status="Running",
                              parameters=dict(parameters), tags=dict(tags or {}))
        self.executions.setdefault(execution.id, [(execution, [])])
        return execution

    def executions_tagged(self, tags: dict[str, str], *, template: str | None = None,
                          max_items: int | None = None) -> list[Execution]:
        self._call("executions_tagged", tags=tags)
        found = [answers[-1][0] for answers in self.executions.values()
                 if all((answers[-1][0].tags or {}).get(k) == v for k, v in tags.items())]
        return list(reversed(found))[:max_items or None]

    def notify_execution(self, execution_id: str, notify_type: str, *, note: str | None = None) -> None:
        self._call("notify_execution", execution_id=execution_id, notify_type=notify_type)
        execution, tasks = self.executions[execution_id][-1]
        self.executions[execution_id] = [(replace(execution, status="Running"), tasks)]

    def cancel_execution(self, execution_id: str) -> None:
        self._call("cancel_execution", execution_id=execution_id)
        execution, tasks = self.executions[execution_id][-1]
        self.executions[execution_id] = [(replace(execution, status="Cancelled"), tasks)]

    def list_executions(self, *, template: str | None = None, status: str | None = None,
                        max_items: int | None = None) -> list[Execution]:
        self._call("list_executions", template=template)
        return []

    def get_execution(self, execution_id: str) -> Execution | None:
        self._call("get_execution", execution_id=execution_id)
        now = self._now(execution_id)
        if now is not None:
            self._tasks[execution_id] = now[1]
        return now[0] if now else None

    def executions_of_activity(self, activity_id: str) -> list[Execution]:
        self._call("executions_of_activity", activity_id=activity_id)
        return []

    def task_executions(self, execution_id: str) -> list[TaskExecution]:
        self._call("task_executions", execution_id=execution_id)
        return list(self._tasks.get(execution_id, []))

    def get_template(self, name: str, version: str | None = None) -> TemplateContent:
        self._call("get_template", name=name)
        if name not in self.templates:
            raise api_error("oos", "GetTemplate", "EntityNotExists.Template")
        return TemplateContent(name=name, version="v1", content=self.templates[name])

    def list_templates(self, *, prefix: str = "", max_items: int | None = None) -> list[TemplateSummary]:
        self._call("list_templates", prefix=prefix)
        return [TemplateSummary(name=name, version="v1") for name in sorted(self.templates) if name.startswith(prefix)]

    def generate_execution_policy(self, template: str, *, version: str | None = None,
                                  role: str | None = None) -> GeneratedPolicy:
        self._call("generate_execution_policy", template=template, role=role)
        return GeneratedPolicy(actions=None, missing=None)


@dataclass
class _Policy:
    versions: dict[str, str] = field(default_factory=dict)      # version id -> document text
    default: str = "v1"
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)


class FakeRam(_Recorder):
    def __init__(self, cloud: "FakeCloud"):
        super().__init__(cloud, "ram")
        self.roles: dict[str, Role] = {}
        self.policies: dict[str, _Policy] = {}
        self.attached: dict[str, list[tuple[str, str]]] = {}     # role -> [(policy, type)]
        self._versions = itertools.count(2)

    def add_role(self, name: str, trust: str = OOS_TRUST) -> Role:
        self.roles[name] = Role(name=name, arn=f"acs:ram::{ACCOUNT}:role/{name.lower()}", trust_policy=trust)
        self.attached.setdefault(name, [])
        return self.roles[name]

    def get_role(self, name: str) -> Role | None:
        self._call("get_role", name=name)
        return self.roles.get(name)

    def create_role(self, request: NewRole) -> Role:
        self._call("create_role", request=request)
        return self.add_role(request.name, request.trust_policy)

    def policies_of_role(self, role: str) -> list[AttachedPolicy]:
        self._call("policies_of_role", role=role)
        if role not in self.roles:
            raise api_error("ram", "ListPoliciesForRole", "EntityNotExist.Role")
        return [AttachedPolicy(name=name, policy_type=kind) for name, kind in self.attached[role]]

    def get_custom_policy(self, name: str) -> Policy | None:
        self._call("get_custom_policy", name=name)
        policy = self.policies.get(name)
        if policy is None:
            return None
        return Policy(name=name, policy_type="Custom", document=json.loads(policy.versions[policy.default]),
                      default_version=policy.default)

    def create_policy(self, request: NewPolicy) -> None:
        self._call("create_policy", request=request)
        if request.name in self.policies:
            policy = self.policies[request.name]
            if not same_policy(policy.versions[policy.default], request.document):
                raise api_error("ram", "CreatePolicy", "EntityAlreadyExists.Policy")
            self._found("CreatePolicy", f"policy {request.name}", "EntityAlreadyExists.Policy",
                        "exists with the same document")
            return
        self.policies[request.name] = _Policy({"v1": request.document}, "v1", request.description, dict(request.tags))

    def create_policy_version(self, request: NewPolicyVersion) -> str | None:
        self._call("create_policy_version", request=request)
        version = f"v{next(self._versions)}"
        policy = self.policies[request.name]
        policy.versions[version] = request.document
        if request.set_as_default:
            policy.default = version
        return version

    def policy_versions(self, name: str) -> list[PolicyVersion]:
        self._call("policy_versions", name=name)
        policy = self.policies[name]
        return [PolicyVersion(version_id=v, is_default=v == policy.default) for v in policy.versions]

    def delete_policy_version(self, name: str, version_id: str) -> None:
        self._call("delete_policy_version", name=name, version_id=version_id)
        del self.policies[name].versions[version_id]

    def delete_policy(self, name: str) -> None:
        self._call("delete_policy", name=name)
        if name not in self.policies:
            raise api_error("ram", "DeletePolicy", "EntityNotExist.Policy")
        if len(self.policies[name].versions) > 1:
            raise api_error("ram", "DeletePolicy", "DeleteConflict.Policy.Version")
        del self.policies[name]

    def policy_tags(self, name: str) -> dict[str, str]:
        self._call("policy_tags", name=name)
        policy = self.policies.get(name)
        return dict(policy.tags) if policy else {}

    def policy_entities(self, name: str) -> list[PolicyEntity]:
        self._call("policy_entities", name=name)
        return [PolicyEntity("Role", role) for role, attached in self.attached.items()
                if any(policy == name for policy, _ in attached)]

    def attach_policy_to_role(self, attachment: PolicyAttachment) -> bool:
        self._call("attach_policy_to_role", attachment=attachment)
        key = (attachment.policy_name, attachment.policy_type)
        if key in self.attached[attachment.role_name]:
            return False
        self.attached[attachment.role_name].append(key)
        return True

    def detach_policy_from_role(self, attachment: PolicyAttachment) -> None:
        self._call("detach_policy_from_role", attachment=attachment)
        key = (attachment.policy_name, attachment.policy_type)
        if key not in self.attached.get(attachment.role_name, []):
            raise api_error("ram", "DetachPolicyFromRole", "EntityNotExist.Role.Policy")
        self.attached[attachment.role_name].remove(key)


class FakeCloud:
    """The gateways' three services over in-memory state; `calls` lists (service, method, arguments) in order, and
    `failures[method]` queues errors the next calls of a method raise instead of answering."""

    def __init__(self) -> None:
        self.region = REGION
        self.replaying = False
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.checks: list[Check] = []
        self.failures: dict[str, list[Exception]] = {}
        self.ess, self.oos, self.ram = FakeEss(self), FakeOos(self), FakeRam(self)

    def request_ids(self) -> dict[str, str]:
        return {}

    def where(self) -> Where:
        return Where(self.region, "in memory", "none")

    def mutations(self) -> list[str]:
        """The methods called that change something, in order."""
        reads = ("get_", "list_", "find_", "policies_of_role", "policy_versions", "policy_entities", "group_tags",
                 "policy_tags",
                 "activity_instances", "lifecycle_actions", "executions_of_activity", "task_executions",
                 "generate_execution_policy")
        return [method for _, method, _ in self.calls if not method.startswith(reads)]

    def add_group(self, group_id: str = "asg-fake0001", *, max_size: int = 5, total: int = 1,
                  state: str = "Active") -> ScalingGroup:
        self.ess.groups[group_id] = ScalingGroup(id=group_id, name=group_id, lifecycle_state=state, min_size=0,
                                                 max_size=max_size, total_capacity=total, active_capacity=total)
        return self.ess.groups[group_id]
