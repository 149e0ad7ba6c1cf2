"""Which RAM actions an OOS `Service` + `API` call needs: essctl/data/ram_actions.yaml, with a source per entry."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Grant:
    """The actions one call needs. `assumed` when no public table names them (the `<code>:<API>` convention);
    `note` says what is granted where the truth is partly unknown."""

    actions: tuple[str, ...]
    source: str
    assumed: bool = False
    note: str | None = None


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, dict], dict[str, dict]]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    table = yaml.load((resources.files("essctl") / "data" / "ram_actions.yaml").read_text(encoding="utf-8"),
                      Loader=loader)
    return ({key.upper(): entry for key, entry in table["apis"].items()},
            {key.upper(): entry for key, entry in table["services"].items()})


def ram_codes() -> dict[str, str]:
    """OOS service name (upper case) -> RAM code."""
    return {service: entry["code"] for service, entry in _table()[1].items()}


def grant_for(service: str, api: str) -> Grant | None:
    """What `Service: <service>, API: <api>` needs; None for a service with no known RAM code. OOS service names
    are case-insensitive in templates (`r-kvstore`, `R-KVSTORE`), and so are the API names (`ExitStandBy`)."""
    apis, services = _table()
    entry = apis.get(f"{service}:{api}".upper())
    if entry is not None:
        return Grant(tuple(entry["actions"]), entry["source"], note=entry.get("note"))
    code = services.get(service.upper())
    if code is None:
        return None
    return Grant((f"{code['code']}:{api}",), f"{code['source']}; action named after the API", assumed=True)
