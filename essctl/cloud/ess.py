"""The Auto Scaling gateway: ESS calls in, typed objects out (the only ESS code that sees the SDK). Hook and rule
changes have no ClientToken: each is sent once and, after a lost answer or a duplicate name, read back
(cloud/converge.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from essctl.cloud import paging
from essctl.cloud.converge import Found, in_place, in_the_way, not_made, send_checked
from essctl.cloud.resources import (
    HookFields,
    InstanceRefresh,
    LifecycleAction,
    LifecycleHook,
    NewInstanceRefresh,
    NewRule,
    ScalingActivity,
    ScalingGroup,
    ScalingInstance,
    ScalingRule,
)
from essctl.errors import CloudAPIError
from essctl.facts import ess as facts

if TYPE_CHECKING:
    from essctl.cloud.session import CloudSession


def _models() -> Any:
    from alibabacloud_ess20220222 import models

    return models


def _page_size(limit: int, max_items: int | None) -> int:
    return min(limit, max_items) if max_items else limit


class EssGateway:
    def __init__(self, session: CloudSession):
        self._session = session
        self.region = session.region

    @property
    def _client(self) -> Any:
        return self._session.client("ess")

    # --- scaling groups ----------------------------------------------------------------------------------------

    def list_scaling_groups(self, *, max_items: int | None = None) -> list[ScalingGroup]:
        m = _models()

        def fetch(page: int, size: int) -> Any:
            return self._client.describe_scaling_groups(m.DescribeScalingGroupsRequest(
                region_id=self.region, page_number=page, page_size=size)).body

        groups = paging.by_page_number(fetch, lambda body: body.scaling_groups,
                                       page_size=_page_size(facts.ESS_PAGE_SIZE, max_items), max_items=max_items)
        return [ScalingGroup.from_api(group.to_map()) for group in groups]

    def get_scaling_group(self, group_id: str) -> ScalingGroup | None:
        try:
            body = self._client.describe_scaling_groups(_models().DescribeScalingGroupsRequest(
                region_id=self.region, scaling_group_ids=[group_id])).body
        except CloudAPIError as exc:
            if exc.code == facts.GROUP_NOT_FOUND:
                return None
            raise
        groups = body.scaling_groups or []   # filtered by id on the server
        return ScalingGroup.from_api(groups[0].to_map()) if groups else None

    def get_scaling_groups(self, group_ids: list[str]) -> list[ScalingGroup]:
        """The groups of these ids that exist in the region, GROUP_IDS_PER_CALL ids a call (an id the region does
        not have is left out, as the API leaves it out)."""
        def fetch(chunk: list[str]) -> list[Any]:
            return self._client.describe_scaling_groups(_models().DescribeScalingGroupsRequest(
                region_id=self.region, scaling_group_ids=chunk, page_size=facts.ESS_PAGE_SIZE)).body.scaling_groups or []

        return [ScalingGroup.from_api(group.to_map())
                for group in paging.by_ids(group_ids, facts.GROUP_IDS_PER_CALL, fetch)]

    # --- lifecycle hooks ---------------------------------------------------------------------------------------

    def list_lifecycle_hooks(self, group_id: str, *, max_items: int | None = None) -> list[LifecycleHook]:
        m = _models()

        def fetch(page: int, size: int) -> Any:
            return self._client.describe_lifecycle_hooks(m.DescribeLifecycleHooksRequest(
                region_id=self.region, scaling_group_id=group_id, page_number=page, page_size=size)).body

        hooks = paging.by_page_number(fetch, lambda body: body.lifecycle_hooks,
                                      page_size=_page_size(facts.ESS_PAGE_SIZE, max_items), max_items=max_items)
        return [LifecycleHook.from_api(hook.to_map()) for hook in hooks]

    def get_lifecycle_hook(self, hook_id: str) -> LifecycleHook | None:
        body = self._client.describe_lifecycle_hooks(_models().DescribeLifecycleHooksRequest(
            region_id=self.region, lifecycle_hook_ids=[hook_id])).body
        return next((LifecycleHook.from_api(h.to_map()) for h in body.lifecycle_hooks or []
                     if h.lifecycle_hook_id == hook_id), None)

    def create_lifecycle_hook(self, group_id: str, fields: HookFields) -> str:
        """The new hook's id; a hook of that name with the same fields already in the group is success (its id)."""
        def send() -> str:
            request = _models().CreateLifecycleHookRequest().from_map({"ScalingGroupId": group_id,
                                                                       **fields.to_api()})
            return self._client.create_lifecycle_hook(request).body.lifecycle_hook_id

        def read_back() -> Found[str]:
            if not fields.name:
                return in_the_way("a hook without a name cannot be found again: check the group's hooks")
            hook = next((h for h in self.list_lifecycle_hooks(group_id) if h.name == fields.name), None)
            if hook is None:
                return not_made(f"no hook {fields.name} in {group_id}")
            unmet = fields.unmet_by(hook)
            if not unmet.given():
                return in_place(f"hook {fields.name} ({hook.id}) exists with the same fields", hook.id)
            return in_the_way(f"a hook {fields.name} ({hook.id}) exists in {group_id} with another "
                              f"{', '.join(sorted(unmet.to_api()))}")

        return send_checked(self._session, "ess", "CreateLifecycleHook", f"hook {fields.name} in {group_id}", send,
                            read_back, taken=frozenset({facts.HOOK_NAME_TAKEN}))

    def modify_lifecycle_hook(self, hook_id: str, fields: HookFields, *, group_id: str | None = None) -> None:
        def send() -> None:
            mapped = {"RegionId": self.region, "LifecycleHookId": hook_id, **fields.to_api()}
            if group_id:
                mapped["ScalingGroupId"] = group_id
            self._client.modify_lifecycle_hook(_models().ModifyLifecycleHookRequest().from_map(mapped))

        def read_back() -> Found[None]:
            hook = self.get_lifecycle_hook(hook_id)
            if hook is None:
                return in_the_way(f"hook {hook_id} no longer exists")
            unmet = fields.unmet_by(hook)
            if not unmet.given():
                return in_place("the hook has the fields")
            return not_made(f"the hook still differs in {', '.join(sorted(unmet.to_api()))}")

        send_checked(self._session, "ess", "ModifyLifecycleHook", f"hook {hook_id}", send, read_back)

    def delete_lifecycle_hook(self, hook_id: str) -> None:
        def send() -> None:
            self._client.delete_lifecycle_hook(_models().DeleteLifecycleHookRequest(
                region_id=self.region, lifecycle_hook_id=hook_id))

        def read_back() -> Found[None]:
            if self.get_lifecycle_hook(hook_id) is None:
                return in_place(f"hook {hook_id} is gone")
            return not_made(f"hook {hook_id} is still there")

        send_checked(self._session, "ess", "DeleteLifecycleHook", f"hook {hook_id}", send, read_back)

    # --- the group's tags: what essctl made in it --------------------------------------------------------------

    def group_tags(self, group_id: str) -> dict[str, str]:
        m = _models()

        def fetch(token: str | None) -> Any:
            return self._client.list_tag_resources(m.ListTagResourcesRequest(
                region_id=self.region, resource_type=facts.GROUP_RESOURCE_TYPE, resource_ids=[group_id],
                next_token=token)).body

        tags = paging.by_token(fetch, lambda body: body.tag_resources)
        return {tag.tag_key: tag.tag_value for tag in tags if tag.resource_id == group_id}

    def tag_group(self, group_id: str, tags: dict[str, str]) -> None:
        m = _models()
        self._client.tag_resources(m.TagResourcesRequest(
            region_id=self.region, resource_type=facts.GROUP_RESOURCE_TYPE, resource_ids=[group_id],
            tags=[m.TagResourcesRequestTags(key=key, value=value) for key, value in tags.items()]))

    def untag_group(self, group_id: str, keys: list[str]) -> None:
        self._client.untag_resources(_models().UntagResourcesRequest(
            region_id=self.region, resource_type=facts.GROUP_RESOURCE_TYPE, resource_ids=[group_id], tag_keys=keys))

    # --- scaling rules -----------------------------------------------------------------------------------------

    def find_scaling_rule(self, group_id: str, name: str) -> ScalingRule | None:
        body = self._client.describe_scaling_rules(_models().DescribeScalingRulesRequest(
            region_id=self.region, scaling_group_id=group_id, scaling_rule_names=[name])).body
        rules = [ScalingRule.from_api(rule.to_map()) for rule in body.scaling_rules or []]
        return next((rule for rule in rules if rule.name == name), None)

    def create_scaling_rule(self, request: NewRule) -> ScalingRule:
        """The new rule, with its id and ARI; a rule of that name with the same adjustment already in the group is
        success (that rule)."""
        def send() -> ScalingRule:
            body = self._client.create_scaling_rule(_models().CreateScalingRuleRequest().from_map(
                {"RegionId": self.region, **request.to_api()})).body
            return ScalingRule(id=body.scaling_rule_id, name=request.name, group_id=request.group_id,
                               ari=body.scaling_rule_ari, rule_type=request.rule_type,
                               adjustment_type=request.adjustment_type, adjustment_value=request.adjustment_value)

        def read_back() -> Found[ScalingRule]:
            rule = self.find_scaling_rule(request.group_id, request.name)
            if rule is None:
                return not_made(f"no rule {request.name} in {request.group_id}")
            wanted = (request.rule_type, request.adjustment_type, request.adjustment_value)
            if (rule.rule_type, rule.adjustment_type, rule.adjustment_value) == wanted:
                return in_place(f"rule {request.name} ({rule.id}) exists with the same adjustment", rule)
            return in_the_way(f"a rule {request.name} ({rule.id}) exists in {request.group_id} as "
                              f"{rule.adjustment_type} {rule.adjustment_value}, not {request.adjustment_type} "
                              f"{request.adjustment_value}")

        return send_checked(self._session, "ess", "CreateScalingRule", f"rule {request.name} in {request.group_id}",
                            send, read_back, taken=frozenset({facts.RULE_NAME_TAKEN}))

    def delete_scaling_rule(self, rule_id: str) -> None:
        def send() -> None:
            self._client.delete_scaling_rule(_models().DeleteScalingRuleRequest(
                region_id=self.region, scaling_rule_id=rule_id))

        def read_back() -> Found[None]:
            body = self._client.describe_scaling_rules(_models().DescribeScalingRulesRequest(
                region_id=self.region, scaling_rule_ids=[rule_id])).body
            if any(rule.scaling_rule_id == rule_id for rule in body.scaling_rules or []):
                return not_made(f"rule {rule_id} is still there")
            return in_place(f"rule {rule_id} is gone")

        send_checked(self._session, "ess", "DeleteScalingRule", f"rule {rule_id}", send, read_back)

    def execute_scaling_rule(self, ari: str, client_token: str) -> str:
        """The scaling activity the rule started."""
        return self._client.execute_scaling_rule(_models().ExecuteScalingRuleRequest(
            region_id=self.region, scaling_rule_ari=ari, client_token=client_token)).body.scaling_activity_id

    # --- activities, instances, lifecycle actions --------------------------------------------------------------

    def list_scaling_activities(self, group_id: str, *, status: str | None = None,
                                max_items: int | None = None) -> list[ScalingActivity]:
        """Newest first, as ESS returns them."""
        m = _models()

        def fetch(page: int, size: int) -> Any:
            return self._client.describe_scaling_activities(m.DescribeScalingActivitiesRequest(
                region_id=self.region, scaling_group_id=group_id, status_code=status,
                page_number=page, page_size=size)).body

        activities = paging.by_page_number(fetch, lambda body: body.scaling_activities,
                                           page_size=_page_size(facts.ESS_PAGE_SIZE, max_items), max_items=max_items)
        return [ScalingActivity.from_api(activity.to_map()) for activity in activities]

    def get_scaling_activity(self, activity_id: str) -> ScalingActivity | None:
        body = self._client.describe_scaling_activities(_models().DescribeScalingActivitiesRequest(
            region_id=self.region, scaling_activity_ids=[activity_id])).body
        found = body.scaling_activities or []   # filtered by id on the server
        return ScalingActivity.from_api(found[0].to_map()) if found else None

    def get_scaling_activities(self, activity_ids: list[str]) -> list[ScalingActivity]:
        """The activities of these ids, ACTIVITY_IDS_PER_CALL a call, in any group of the region (a fleet follows
        many at once); an id the region does not know (yet) is left out."""
        def fetch(chunk: list[str]) -> list[Any]:
            return self._client.describe_scaling_activities(_models().DescribeScalingActivitiesRequest(
                region_id=self.region, scaling_activity_ids=chunk,
                page_size=facts.ESS_PAGE_SIZE)).body.scaling_activities or []

        return [ScalingActivity.from_api(item.to_map())
                for item in paging.by_ids(activity_ids, facts.ACTIVITY_IDS_PER_CALL, fetch)]

    def activity_instances(self, group_id: str, activity_id: str) -> list[ScalingInstance]:
        """The instances an activity is adding or removing (a released one is no longer listed)."""
        body = self._client.describe_scaling_instances(_models().DescribeScalingInstancesRequest(
            region_id=self.region, scaling_group_id=group_id, scaling_activity_id=activity_id,
            page_size=facts.INSTANCES_PAGE_SIZE)).body
        return [ScalingInstance.from_api(instance.to_map()) for instance in body.scaling_instances or []]

    def lifecycle_actions(self, activity_id: str, *, status: str | None = None) -> list[LifecycleAction]:
        body = self._client.describe_lifecycle_actions(_models().DescribeLifecycleActionsRequest(
            region_id=self.region, scaling_activity_id=activity_id, lifecycle_action_status=status,
            max_results=facts.LIFECYCLE_ACTIONS_PAGE_SIZE)).body
        return [LifecycleAction.from_api(action.to_map()) for action in body.lifecycle_actions or []]

    def get_scaling_instance(self, instance_id: str) -> ScalingInstance | None:
        """The instance as its scaling group sees it (its group, state and the activity that added it)."""
        body = self._client.describe_scaling_instances(_models().DescribeScalingInstancesRequest(
            region_id=self.region, instance_ids=[instance_id])).body
        found = [i for i in body.scaling_instances or [] if i.instance_id == instance_id]
        return ScalingInstance.from_api(found[0].to_map()) if found else None

    def complete_lifecycle_action(self, hook_id: str, token: str, result: str, client_token: str) -> None:
        """End the wait of a lifecycle action with `result` (CONTINUE, ABANDON or ROLLBACK). The ClientToken lets
        the SDK retry it: ESS answers a repeat with the first result."""
        self._client.complete_lifecycle_action(_models().CompleteLifecycleActionRequest(
            region_id=self.region, lifecycle_hook_id=hook_id, lifecycle_action_token=token,
            lifecycle_action_result=result, client_token=client_token))

    def record_lifecycle_action_heartbeat(self, hook_id: str, token: str, timeout: int | None) -> None:
        """Extend the wait of a lifecycle action to `timeout` seconds from now (the hook's timeout when None)."""
        self._client.record_lifecycle_action_heartbeat(_models().RecordLifecycleActionHeartbeatRequest(
            region_id=self.region, lifecycle_hook_id=hook_id, lifecycle_action_token=token,
            heartbeat_timeout=timeout))

    def group_instances(self, group_id: str, *, states: tuple[str, ...] = ()) -> list[ScalingInstance]:
        """The group's instances (in `states` when given), as DescribeScalingInstances lists them."""
        m = _models()

        def fetch(page: int, size: int) -> Any:
            return self._client.describe_scaling_instances(m.DescribeScalingInstancesRequest(
                region_id=self.region, scaling_group_id=group_id, lifecycle_states=list(states) or None,
                page_number=page, page_size=size)).body

        found = paging.by_page_number(fetch, lambda body: body.scaling_instances,
                                      page_size=facts.INSTANCES_PAGE_SIZE, max_items=None)
        return [ScalingInstance.from_api(instance.to_map()) for instance in found]

    # --- processes and instance refresh (rolling updates) ------------------------------------------------------

    def resume_processes(self, group_id: str, processes: list[str], client_token: str) -> None:
        self._client.resume_processes(_models().ResumeProcessesRequest(
            region_id=self.region, scaling_group_id=group_id, processes=processes, client_token=client_token))

    def start_instance_refresh(self, request: NewInstanceRefresh, client_token: str) -> str:
        """The new instance refresh task's id."""
        mapped = {"RegionId": self.region, "ClientToken": client_token, **request.to_api()}
        return self._client.start_instance_refresh(
            _models().StartInstanceRefreshRequest().from_map(mapped)).body.instance_refresh_task_id

    def instance_refreshes(self, group_id: str, *, task_id: str | None = None,
                           max_items: int | None = None) -> list[InstanceRefresh]:
        """The group's instance refresh tasks, newest first as ESS lists them (or the one `task_id`)."""
        m = _models()

        def fetch(token: str | None) -> Any:
            return self._client.describe_instance_refreshes(m.DescribeInstanceRefreshesRequest(
                region_id=self.region, scaling_group_id=group_id, next_token=token,
                instance_refresh_task_ids=[task_id] if task_id else None, max_results=facts.ESS_PAGE_SIZE)).body

        tasks = paging.by_token(fetch, lambda body: body.instance_refresh_tasks, max_items=max_items)
        return [InstanceRefresh.from_api(task.to_map()) for task in tasks]

    def change_instance_refresh(self, verb: str, group_id: str, task_id: str) -> None:
        """Suspend, Resume, Rollback or Cancel an instance refresh task. None has a ClientToken: each is sent once
        (facts/idempotence.py) and the caller reads the task back."""
        m, fields = _models(), {"region_id": self.region, "scaling_group_id": group_id,
                                "instance_refresh_task_id": task_id}
        if verb == "Suspend":
            self._client.suspend_instance_refresh(m.SuspendInstanceRefreshRequest(**fields))
        elif verb == "Resume":
            self._client.resume_instance_refresh(m.ResumeInstanceRefreshRequest(**fields))
        elif verb == "Rollback":
            self._client.rollback_instance_refresh(m.RollbackInstanceRefreshRequest(**fields))
        elif verb == "Cancel":
            self._client.cancel_instance_refresh(m.CancelInstanceRefreshRequest(**fields))
        else:
            raise ValueError(verb)

    def configuration_image(self, configuration_id: str) -> str | None:
        """The image a scaling configuration launches instances from (None when it is not found)."""
        body = self._client.describe_scaling_configurations(_models().DescribeScalingConfigurationsRequest(
            region_id=self.region, scaling_configuration_ids=[configuration_id])).body
        found = [c for c in body.scaling_configurations or [] if c.scaling_configuration_id == configuration_id]
        return found[0].image_id if found else None
