"""Where and as whom essctl talks to the cloud: profile, region, endpoint, and tape mode."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from essctl.errors import UsageError


@dataclass
class CloudSettings:
    profile: str | None = None
    region: str | None = None
    endpoint: str | None = None        # one base URL for every service, e.g. http://127.0.0.1:8780
    tape: Path | None = None           # replay every call from this tape; nothing is sent
    record: Path | None = None         # record every call to this tape
    redact_account: bool = False       # replace the account id with a placeholder in the recording
    service_endpoints: dict[str, str] = field(default_factory=dict)   # service -> base URL, over `endpoint`

    def endpoint_for(self, service: str) -> str | None:
        """The base URL a service's calls go to when the user names one (else the SDK's own rule)."""
        return self.service_endpoints.get(service) or self.endpoint


def parse_endpoints(values: list[str], services: tuple[str, ...]) -> tuple[str | None, dict[str, str]]:
    """`--endpoint URL` (every service) and `--endpoint SERVICE=URL` (one service), each checked."""
    default, per_service = None, {}
    for value in values:
        name, sep, url = value.partition("=")
        if sep and "://" not in name:
            if name not in services:
                raise UsageError(f"--endpoint {value}: no service {name!r} (services: {', '.join(services)})")
            split_endpoint(url)
            per_service[name] = url
        else:
            split_endpoint(value)
            default = value
    return default, per_service


def aliyun_config_path() -> Path:
    return Path(os.path.expanduser("~")) / ".aliyun" / "config.json"


def selected_profile_name(settings: CloudSettings) -> str | None:
    """--profile, else ALIBABA_CLOUD_PROFILE, else None (the aliyun CLI's "current")."""
    return settings.profile or os.environ.get("ALIBABA_CLOUD_PROFILE") or None


def _aliyun_profile(name: str | None) -> dict | None:
    path = aliyun_config_path()
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read the aliyun CLI configuration: {exc}") from exc
    wanted = name or config.get("current") or "default"
    for profile in config.get("profiles") or []:
        if profile.get("name") == wanted:
            return profile
    return None


def resolve_region(settings: CloudSettings) -> str:
    """--region, else ALIBABA_CLOUD_REGION_ID, else the aliyun CLI profile's region_id."""
    region = settings.region or os.environ.get("ALIBABA_CLOUD_REGION_ID")
    if not region:
        profile = _aliyun_profile(selected_profile_name(settings))
        region = (profile or {}).get("region_id")
    if not region:
        raise UsageError(
            "no region: pass --region (e.g. --region cn-hangzhou), set ALIBABA_CLOUD_REGION_ID, "
            f"or set region_id in the profile of {aliyun_config_path()}"
        )
    return region


def split_endpoint(url: str) -> tuple[str, str]:
    """'http://127.0.0.1:8780' -> ('http', '127.0.0.1:8780'); a bare host means https."""
    try:
        parts = urlsplit(url if "://" in url else f"https://{url}")
    except ValueError:       # an unbalanced '[' (urlsplit reads it as an IPv6 address)
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise UsageError(f"--endpoint: expected a base URL such as http://127.0.0.1:8780, got {url!r}")
    return parts.scheme, parts.netloc
