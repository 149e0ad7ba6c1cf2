"""Dynamic shell completion: recipe names, profiles, `-p` keys (from the recipe or template file on the command line)
and scaling group ids. A completion never calls the cloud (a tab press must not wait on the network or need
credentials): group ids come from a short-lived cache that `essctl group list` writes,
$XDG_CACHE_HOME/essctl/groups/REGION.json (REGION@ENDPOINT-HASH.json for an --endpoint such as a sandbox), and are
offered for GROUP_CACHE_TTL_S after that. Every completer answers nothing rather than fail."""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

GROUP_CACHE_TTL_S = 3600.0
_MAX_CACHED_GROUPS = 1000


def complete_recipe(incomplete: str) -> list[tuple[str, str]]:
    """The built-in recipe names (a file path is the shell's own completion)."""
    from essctl.recipe.catalog import builtin_recipe_paths

    return [(name, "built-in recipe") for name in builtin_recipe_paths() if name.startswith(incomplete)]


def complete_profile(incomplete: str) -> list[str]:
    from essctl.cloud.settings import profile_names

    try:
        return [name for name in profile_names() if name.startswith(incomplete)]
    except Exception:   # a broken configuration file is reported when a command runs, not at a tab press
        return []


def complete_recipe_param(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """`KEY=` for each input of the recipe named on the command line that is not given yet."""
    from essctl.errors import EssctlError
    from essctl.recipe.catalog import find_recipe

    words = _Words(ctx)
    name = (ctx.params or {}).get("recipe_name") or words.positional()
    if not name or "=" in incomplete:
        return []
    try:
        inputs = [(item.name, item.help or item.type) for item in find_recipe(name).inputs]
    except (EssctlError, OSError, ValueError):
        return []
    return _keys(inputs, words.values("-p", "--param"), incomplete)


def complete_template_param(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """`KEY=` for each parameter of the --file template that the hook sets (not those ESS fills)."""
    from essctl.errors import EssctlError
    from essctl.template.model import load_template_file

    words = _Words(ctx)
    file = (ctx.params or {}).get("file") or next(iter(words.values("-f", "--file")), None)
    if not file or "=" in incomplete:
        return []
    try:
        parameters = load_template_file(Path(file)).parameters
    except (EssctlError, OSError, ValueError):
        return []
    return _keys([(p.name, p.description or p.type) for p in parameters.values() if not p.placeholder],
                 words.values("-p", "--parameter"), incomplete)


def _keys(known: list[tuple[str, str]], given_values: list[str], incomplete: str) -> list[tuple[str, str]]:
    given = {value.split("=", 1)[0] for value in given_values if "=" in value}
    return [(f"{name}=", str(help_text or "")[:60]) for name, help_text in known
            if name.startswith(incomplete) and name not in given]


class _Words:
    """The command line being completed, as the shell passed it: click parses no further than an option still
    waiting for its value (`-p <TAB>`), so ctx.params lacks what follows it, the recipe name included, and Typer
    passes a completer no arguments."""

    def __init__(self, ctx: Any):
        import shlex

        line = os.environ.get("COMP_WORDS") or os.environ.get("_TYPER_COMPLETE_ARGS") or ""
        try:
            words = shlex.split(line)
        except ValueError:
            words = line.split()
        cword = os.environ.get("COMP_CWORD", "")
        if cword.isdigit():                  # bash: the words before the one being completed
            words = words[:int(cword)]
        command = getattr(ctx, "command", None)
        self.takes_value = {opt for param in (getattr(command, "params", None) or [])
                            if getattr(param, "param_type_name", "") == "option"
                            and not getattr(param, "is_flag", True) for opt in param.opts}
        name = getattr(ctx, "info_name", None)
        self.after = words[words.index(name) + 1:] if name in words else []

    def positional(self) -> str | None:
        """The first argument that is neither an option nor an option's value."""
        skip = False
        for word in self.after:
            if skip:
                skip = False
            elif word.startswith("-"):
                skip = word in self.takes_value
            else:
                return word
        return None

    def values(self, *options: str) -> list[str]:
        return [value for option, value in zip(self.after, self.after[1:]) if option in options]


def complete_group(ctx: Any, incomplete: str) -> list[tuple[str, str]]:
    """Scaling group ids of the region (and endpoint) the command line names, from the cache."""
    root = ctx.find_root().params if ctx is not None else {}
    own = ctx.params if ctx is not None else {}
    regions = own.get("global_region") or root.get("region") or [os.environ.get("ALIBABA_CLOUD_REGION_ID") or ""]
    endpoint = (own.get("global_endpoint") or root.get("endpoint") or [os.environ.get("ESSCTL_ENDPOINT") or ""])[0]
    paths = ([group_cache_path(region, endpoint or None) for region in regions] if regions[0]
             else _cache_dir().glob("*.json"))
    found: dict[str, str] = {}
    for path in paths:
        for group_id, name in _read_groups(path).items():
            found.setdefault(group_id, name)
    return [(group_id, name) for group_id, name in found.items() if group_id.startswith(incomplete)]


def _cache_dir() -> Path:
    configured = os.environ.get("XDG_CACHE_HOME") or ""
    base = Path(configured) if os.path.isabs(configured) else Path(os.path.expanduser("~")) / ".cache"
    return base / "essctl" / "groups"


def group_cache_path(region: str | None, endpoint: str | None) -> Path:
    """REGION.json, or REGION@HASH.json for calls sent to an --endpoint (a sandbox's ids never mix with a
    region's)."""
    from essctl.facts.regions import REGION_ID

    region = region if isinstance(region, str) and REGION_ID.fullmatch(region) else "unknown"
    suffix = f"@{hashlib.sha256(endpoint.encode()).hexdigest()[:12]}" if endpoint else ""
    return _cache_dir() / f"{region}{suffix}.json"


def _read_groups(path: Path) -> dict[str, str]:
    from essctl.cli.options import RESOURCE_ID

    try:
        if time.time() - path.stat().st_mtime > GROUP_CACHE_TTL_S:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(g["id"]): str(g.get("name") or "") for g in data["groups"][:_MAX_CACHED_GROUPS]
                if RESOURCE_ID.fullmatch(str(g["id"]))}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def remember_groups(region: str, endpoint: str | None, groups: list[Any]) -> None:
    """Keep the ids and names of the groups just listed, for completion (written whole, then renamed; a cache that
    cannot be written is no cache)."""
    from essctl.files import write_atomically

    path = group_cache_path(region, endpoint)
    text = json.dumps({"groups": [{"id": g.id, "name": g.name} for g in groups[:_MAX_CACHED_GROUPS]]})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, text)
    except (OSError, ValueError):
        pass
