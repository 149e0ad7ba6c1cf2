"""The API calls an OOS task makes that the sandbox answers itself, with the body OOS hands to the task's Outputs
(ValueSelector): ESS and OOS calls through the sandbox's own handlers (ess/responses.py, oos/responses.py), and the
few ECS calls a rolling update needs (ReplaceSystemDisk, RunCommand and its results, DescribeInstances) over the
sandbox's instances. Any other call succeeds without effect and answers nothing (None).

OOS calls APIs in the RPC JSON format of their 2014 versions, where a list of objects is wrapped in an object named
after its item (ESS DescribeScalingInstances: ScalingInstances.ScalingInstance[]; ECS DescribeInstances:
Instances.Instance[]), which the templates' ValueSelectors read; OOS's own answers are flat (Executions[])."""
from __future__ import annotations

import base64
import json
from typing import Any

from essctl.sandbox.params import Params

ESS_ANSWERED = frozenset({"DESCRIBESCALINGINSTANCES", "DESCRIBESCALINGGROUPS", "DESCRIBESCALINGCONFIGURATIONS",
                          "SUSPENDPROCESSES", "RESUMEPROCESSES", "MODIFYSCALINGCONFIGURATION"})
OOS_ANSWERED = frozenset({"LISTEXECUTIONS"})
ECS_ANSWERED = frozenset({"REPLACESYSTEMDISK", "RUNCOMMAND", "DESCRIBEINVOCATIONRESULTS", "DESCRIBEINVOCATIONS",
                          "DESCRIBEINSTANCES"})


def answered(service: str, api: str) -> bool:
    service, api = service.upper(), api.upper()
    return ((service == "ESS" and api in ESS_ANSWERED) or (service == "OOS" and api in OOS_ANSWERED)
            or (service == "ECS" and api in ECS_ANSWERED))


def answer(world: Any, service: str, api: str, parameters: dict[str, Any]) -> dict | None:
    """The body the call answers (raises ApiError as the API would), or None for a call without effect."""
    service_u, api_u = service.upper(), api.upper()
    if service_u in ("ESS", "OOS") and isinstance(parameters.get("RegionId"), str):
        world = world.in_region(parameters["RegionId"])     # a regional API of the region the task names
    if service_u == "ESS" and api_u in ESS_ANSWERED:
        from essctl.sandbox.ess import responses

        handler = next(h for name, h in responses.ACTIONS.items() if name.upper() == api_u)
        return _wrapped(handler(world, Params(_wire({"RegionId": world.region, **parameters}))))
    if service_u == "OOS" and api_u in OOS_ANSWERED:
        from essctl.sandbox.oos import responses

        handler = next(h for name, h in responses.ACTIONS.items() if name.upper() == api_u)
        return handler(world, Params(_wire(parameters)))
    if service_u == "ECS" and api_u in ECS_ANSWERED:
        return _ecs(world, api_u, parameters)
    return None


def select_targets(world: Any, properties: dict[str, Any]) -> dict:
    """ACS::SelectTargets over ALIYUN::ECS::Instance with ResourceIds filters: the instances that exist."""
    wanted: list[str] = []
    for item in properties.get("Filters") or []:
        if isinstance(item, dict) and item.get("Type") == "ResourceIds":
            ids = item.get("ResourceIds")
            wanted += [str(i) for i in ids] if isinstance(ids, list) else []
    return _instances_body(world, wanted)


def _wire(parameters: dict[str, Any]) -> dict[str, str]:
    """Template parameters as the SDKs put them on the wire: lists as Name.N (objects as Name.N.Key), JSON for
    other mappings, text for scalars."""
    flat: dict[str, str] = {}
    for name, value in parameters.items():
        if value is None:
            continue
        if isinstance(value, list):
            for index, item in enumerate(value, 1):
                if isinstance(item, dict):
                    for key, sub in item.items():
                        flat[f"{name}.{index}.{key}"] = _text(sub)
                else:
                    flat[f"{name}.{index}"] = _text(item)
        else:
            flat[name] = _text(value)
    return flat


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("sses"):
        return name[:-2]
    return name[:-1] if name.endswith("s") else name + "Item"


def _wrapped(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: {_singular(key): [_wrapped(i) for i in item]} if isinstance(item, list) else _wrapped(item)
                for key, item in value.items()}
    return value


def _instances_body(world: Any, ids: list[str]) -> dict:
    known = world.ess.instances
    found = [{"InstanceId": i, "Status": "Running", "OSType": "linux", "ImageId": world.ess.image_of(known[i]),
              "RegionId": world.region} for i in ids if i in known]
    return {"Instances": {"Instance": found}, "TotalCount": len(found)}


def _ids(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str) and value.startswith("["):
        try:
            return [str(v) for v in json.loads(value)]
        except ValueError:
            return []
    return [value] if isinstance(value, str) and value else []


def _ecs(world: Any, api: str, p: dict[str, Any]) -> dict:
    from essctl.sandbox.errors import ApiError

    invocations = world.oos.state.setdefault("invocations", {})
    if api == "DESCRIBEINSTANCES":
        return _instances_body(world, _ids(p.get("InstanceIds")) or _ids(p.get("InstanceId")))
    if api == "REPLACESYSTEMDISK":
        instance = world.ess.instances.get(str(p.get("InstanceId")))
        if instance is None:
            raise ApiError("InvalidInstanceId.NotFound", f"The specified instance does not exist: "
                                                         f"{p.get('InstanceId')}.", 404)
        if p.get("ImageId"):
            instance["image"] = str(p["ImageId"])
        world.changed = True
        return {"DiskId": world.new_id("d", 22)}
    if api == "RUNCOMMAND":
        invoke_id = world.new_id("t", 22)
        invocations[invoke_id] = {"instances": _ids(p.get("InstanceId")) or _ids(p.get("InstanceIds")),
                                  "content": str(p.get("CommandContent") or "")}
        return {"InvokeId": invoke_id, "CommandId": world.new_id("c", 22)}
    invocation = invocations.get(str(p.get("InvokeId")), {"instances": [], "content": ""})
    if api == "DESCRIBEINVOCATIONS":
        return {"Invocations": {"Invocation": [{"InvokeId": p.get("InvokeId"), "InvocationStatus": "Success",
                                                "InvokeStatus": "Finished"}]}}
    wanted = _ids(p.get("InstanceId"))
    output = base64.b64encode(command_output(invocation["content"]).encode()).decode()
    results = [{"InstanceId": i, "InvokeId": p.get("InvokeId"), "Output": output, "ExitCode": 0,
                "InvocationStatus": "Success", "InvokeRecordStatus": "Finished"}
               for i in invocation["instances"] if not wanted or i in wanted]
    return {"Invocation": {"InvocationResults": {"InvocationResult": results}}}


def command_output(script: Any) -> str:
    """What a script of plain `echo` lines prints (the sandbox runs nothing else; redirected echoes print nothing)."""
    printed = []
    for line in str(script or "").splitlines():
        words = line.strip()
        if words.startswith("echo ") and ">" not in words:
            text = words[5:].strip()
            if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
                text = text[1:-1]
            printed.append(text + "\n")
    return "".join(printed)
