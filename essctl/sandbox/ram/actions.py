"""The RAM action(s) each API call needs, from the sandbox's own table (api_actions.yaml, each entry with its
source in shared/api-reference); used when an OOS task makes a call and by GenerateExecutionPolicy."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class CallNeeds:
    """What one call of `service`:`api` needs: `actions` are checked when the call is made; `signer_needs` are
    not checked then but the role must hold them for the call's result to work (a signed URL's download)."""

    service: str
    api: str
    actions: tuple[str, ...]
    signer_needs: tuple[str, ...] = ()
    basis: str = "documented"       # documented | convention | assumed (code) | unknown-service
    source: str = ""


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    import yaml

    return yaml.safe_load((resources.files("essctl.sandbox.ram") / "api_actions.yaml").read_text(encoding="utf-8"))


def _sources(value: Any) -> str:
    names = [value] if isinstance(value, str) else list(value or [])
    paths = table()["sources"]
    return "; ".join(paths.get(name, name) for name in names)


@lru_cache(maxsize=512)
def call_needs(service: str, api: str) -> CallNeeds:
    """The table's entry for a call (service and API compared case-insensitively), else the service's RAM code
    with the API name (a convention), else, for a service the table does not know, the lower-cased service name."""
    services = {name.upper(): entry for name, entry in table()["services"].items()}
    apis = {name.upper(): entries for name, entries in table()["apis"].items()}
    for name, entry in apis.get(service.upper(), {}).items():
        if name.lower() == api.lower():
            return CallNeeds(service, api, tuple(entry["actions"]), tuple(entry.get("signer_needs", ())),
                             entry["basis"], _sources(entry["source"]))
    known = services.get(service.upper())
    if known is not None:
        return CallNeeds(service, api, (f"{known['code']}:{api}",),
                         basis="convention" if known["basis"] == "documented" else "assumed",
                         source=f"the RAM code of {service}: {_sources(known['source'])}")
    return CallNeeds(service, api, (f"{service.lower()}:{api}",), basis="unknown-service",
                     source="not in the shared reference: the lower-cased OOS service name is assumed")
