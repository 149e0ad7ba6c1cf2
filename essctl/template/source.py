"""Where templates come from: OOS GetTemplate (a given version cached on disk), or local files; and how nested
actions are found while walking a template."""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from essctl.errors import CloudAPIError
from essctl.facts.oos import ACTION_NAME, TEMPLATE_NAME, TEMPLATE_NOT_FOUND_PREFIX, TEMPLATE_VERSION
from essctl.facts.regions import REGION_ID
from essctl.files import write_atomically
from essctl.template.model import Template, TemplateError, load_template_file, parse_template
from essctl.yamldoc import read_text

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud

TemplateResolver = Callable[[str], "Template | None"]


class NestedUnavailable(Exception):
    """A nested action that exists, or may, but could not be read: the walk records why and goes on."""


def template_cache_path(region: str, name: str, version: str) -> Path | None:
    """Where GetTemplate content is kept: $XDG_CACHE_HOME/essctl/templates/REGION/NAME@VERSION.yaml (a relative
    XDG_CACHE_HOME is ignored, as the XDG base directory specification says); None (no cache) unless the region is
    a region id, the name a template or action name and the version one OOS gives (v1, v2, ...): a value from a
    server or a tape never names a file elsewhere."""
    if not (isinstance(region, str) and isinstance(name, str) and isinstance(version, str)
            and REGION_ID.fullmatch(region) and TEMPLATE_VERSION.fullmatch(version)
            and (TEMPLATE_NAME.fullmatch(name) or ACTION_NAME.fullmatch(name))):
        return None
    configured = os.environ.get("XDG_CACHE_HOME") or ""
    base = Path(configured) if os.path.isabs(configured) else Path(os.path.expanduser("~")) / ".cache"
    return base / "essctl" / "templates" / region / f"{name}@{version}.yaml"


def load_template_from_oos(cloud: Cloud, name: str, version: str | None = None) -> Template:
    """GetTemplate (live, or from a tape). A given version is served from the cache when present (a version's
    content never changes); the latest version is always asked for."""
    if version:
        cached = template_cache_path(cloud.region, name, version)
        if cached is not None and _is_file(cached):
            try:
                return parse_template(read_text(cached, "cached template", TemplateError), name=name,
                                      source=f"oos:{name}@{version}", version=version)
            except TemplateError:
                pass   # an unreadable or damaged cache entry is fetched again
    found = cloud.oos.get_template(name, version)
    template = parse_template(found.content, name=name, source=f"oos:{name}@{found.version}", version=found.version)
    cache = template_cache_path(cloud.region, name, found.version) if found.version and not cloud.replaying else None
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(cache, found.content)
        except OSError:
            pass   # a cache that cannot be written only costs a call next time
    return template


def action_dir_resolver(directory: Path) -> TemplateResolver:
    """Nested actions as files named after the action (ACS::ECS::RunCommand.yml), as in CloudProductActions/."""
    def resolve(action: str) -> Template | None:
        for suffix in (".yml", ".yaml", ".json"):
            path = directory / f"{action}{suffix}"
            if path.exists():
                return load_template_file(path)
        return None

    return resolve


def oos_resolver(cloud: Cloud) -> TemplateResolver:
    """Nested actions fetched with GetTemplate; a name OOS does not know resolves to None. Any other refusal (no
    public GetTemplate for action names, a deny on oos:GetTemplate, ...) is not documented either way, so it is
    reported for that action instead of ending the walk."""
    def resolve(action: str) -> Template | None:
        try:
            return load_template_from_oos(cloud, action)
        except CloudAPIError as exc:
            if exc.code.startswith(TEMPLATE_NOT_FOUND_PREFIX):
                return None
            raise NestedUnavailable(f"GetTemplate answered {exc.code}") from exc

    return resolve


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):   # a cache folder whose name the file system refuses is no cache
        return False
