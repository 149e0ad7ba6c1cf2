"""Where and as whom essctl talks to the cloud: profile, region, endpoint, and tape mode."""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from essctl.errors import UsageError, clip, shorten
from essctl.limits import control_character
from essctl.yamldoc import kind_of


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


# Every Alibaba Cloud region id: cn-hangzhou, ap-southeast-1, cn-shanghai-finance-1. It becomes part of an endpoint's
# host name (ess.<region>.aliyuncs.com), so nothing else may pass.
REGION_ID = re.compile(r"[a-z]{2,4}(-[a-z0-9]{1,20}){1,5}")
_HOST = re.compile(r"[A-Za-z0-9._-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]")


def parse_endpoints(values: list[str], services: tuple[str, ...],
                    source: str = "--endpoint") -> tuple[str | None, dict[str, str]]:
    """`--endpoint URL` (every service) and `--endpoint SERVICE=URL` (one service), each checked; `source` is what
    a message names (--endpoint, or ESSCTL_ENDPOINT)."""
    default, per_service = None, {}
    for value in values:
        name, sep, url = value.partition("=")
        if sep and "://" not in name:
            if name not in services:
                raise UsageError(f"{source} {shorten(value)}: no service {shorten(name)} "
                                 f"(services: {', '.join(services)})")
            split_endpoint(url, source)
            per_service[name] = url
        else:
            split_endpoint(value, source)
            default = value
    return default, per_service


def checked_region(region: str, source: str) -> str:
    """A region id as it is, or a usage error naming where it came from."""
    if not REGION_ID.fullmatch(region):
        raise UsageError(f"{source}: must be a region id such as cn-hangzhou, got {shorten(region)}")
    return region


def aliyun_config_path() -> Path:
    return Path(os.path.expanduser("~")) / ".aliyun" / "config.json"


def checked_profile(name: str, source: str) -> str:
    """A profile name as it is, or a usage error naming where it came from."""
    if len(name) > 128 or control_character(name):
        raise UsageError(f"{source}: must be a profile name of 1-128 characters, got {shorten(name)}")
    return name


def selected_profile_name(settings: CloudSettings) -> str | None:
    """--profile, else ALIBABA_CLOUD_PROFILE, else None (the aliyun CLI's "current")."""
    if settings.profile:
        return checked_profile(settings.profile, "--profile")
    variable = os.environ.get("ALIBABA_CLOUD_PROFILE")
    return checked_profile(variable, "ALIBABA_CLOUD_PROFILE") if variable else None


def _aliyun_profile(name: str | None) -> tuple[str, dict] | None:
    """(where, profile) of the aliyun CLI profile `name` (else its `current`), `where` naming it in messages; None
    when there is no such file or profile. A file that is not the CLI's JSON is one line naming the field."""
    path = aliyun_config_path()
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the aliyun CLI configuration: {exc.strerror}") from exc
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text (the aliyun CLI writes JSON)") from None
    try:
        config = json.loads(text, parse_constant=_not_json)
    except RecursionError:
        raise UsageError(f"{path}: nested too deep for the aliyun CLI configuration") from None
    except ValueError as exc:
        where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise UsageError(f"{path}: not JSON{where} (the aliyun CLI configuration)") from None
    if not isinstance(config, dict):
        raise UsageError(f"{path}: expected a JSON object with profiles, got {kind_of(config)}")
    current = config.get("current")
    if current is not None and not isinstance(current, str):
        raise UsageError(f"{path}: current: must be a profile name, got {kind_of(current)}")
    profiles = config.get("profiles") or []
    if not isinstance(profiles, list):
        raise UsageError(f"{path}: profiles: must be a list, got {kind_of(profiles)}")
    wanted = name or current or "default"
    for index, profile in enumerate(profiles):
        if not isinstance(profile, dict):
            raise UsageError(f"{path}: profiles[{index}]: must be a mapping, got {kind_of(profile)}")
        if not isinstance(profile.get("name"), (str, type(None))):
            raise UsageError(f"{path}: profiles[{index}].name: must be a string, got {kind_of(profile['name'])}")
        if profile.get("name") == wanted:
            return f"{path}: profiles[{index}]", profile
    return None


# The aliyun CLI profile modes essctl signs with: the others need a browser sign-in or a process essctl does not run
# (CloudSSO, OAuth, External) and are refused by name rather than failing as "no credentials".
SUPPORTED_PROFILE_MODES = ("AK", "StsToken", "RamRoleArn", "EcsRamRole", "OIDC", "ChainableRamRoleArn")


def credentials_ini_path() -> Path:
    configured = os.environ.get("ALIBABA_CLOUD_CREDENTIALS_FILE")
    return Path(configured) if configured else Path(os.path.expanduser("~")) / ".alibabacloud" / "credentials.ini"


def _ini_sections() -> list[str]:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(credentials_ini_path(), encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return []
    return parser.sections()


def profile_names() -> list[str]:
    """The profiles a --profile can name: the aliyun CLI's, then credentials.ini's sections (an unreadable file
    gives none)."""
    names: list[str] = []
    try:
        config = json.loads(aliyun_config_path().read_bytes().decode("utf-8"))
        names += [p["name"] for p in config.get("profiles") or [] if isinstance(p, dict) and isinstance(p.get("name"), str)]
    except (OSError, ValueError, AttributeError, TypeError, RecursionError):
        pass
    return list(dict.fromkeys(names + _ini_sections()))


def profile_problem(name: str | None, *, explicit: bool) -> str | None:
    """Why the profile `name` (None: the aliyun CLI's current one) cannot give credentials, before the SDK tries:
    a mode essctl does not support, or (when the user named it) no such profile at all."""
    found = _aliyun_profile(name)
    if found is not None:
        where, profile = found
        mode = profile.get("mode")
        if isinstance(mode, str) and mode not in SUPPORTED_PROFILE_MODES:
            return (f"{where}: profile '{clip(str(profile.get('name')), 40)}' uses mode {clip(mode, 40)}, which "
                    f"essctl does not support yet (it supports {', '.join(SUPPORTED_PROFILE_MODES)})")
        return None
    if explicit and name not in _ini_sections():
        known = profile_names()
        ini = ("the credentials file ALIBABA_CLOUD_CREDENTIALS_FILE names"
               if os.environ.get("ALIBABA_CLOUD_CREDENTIALS_FILE") else "~/.alibabacloud/credentials.ini")
        return (f"--profile {clip(str(name), 40)}: no such profile in ~/.aliyun/config.json or {ini}"
                + (f" (there: {clip(', '.join(known), 80)})" if known else ""))
    return None


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def resolve_region(settings: CloudSettings) -> str:
    """--region, else ALIBABA_CLOUD_REGION_ID, else the aliyun CLI profile's region_id; each checked."""
    if settings.region:
        return checked_region(settings.region, "--region")
    region = os.environ.get("ALIBABA_CLOUD_REGION_ID")
    if region:
        return checked_region(region, "ALIBABA_CLOUD_REGION_ID")
    found = _aliyun_profile(selected_profile_name(settings))
    if found is not None and found[1].get("region_id") not in (None, ""):
        where, profile = found
        if not isinstance(profile["region_id"], str):
            raise UsageError(f"{where}.region_id: must be a region id such as cn-hangzhou, got "
                             f"{kind_of(profile['region_id'])}")
        return checked_region(profile["region_id"], f"{where}.region_id")
    problem = profile_problem(selected_profile_name(settings), explicit=bool(settings.profile))
    if problem:
        raise UsageError(problem)
    raise UsageError(
        "no region: pass --region (e.g. --region cn-hangzhou), set ALIBABA_CLOUD_REGION_ID, "
        f"or set region_id in the profile of {aliyun_config_path()}"
    )


def split_endpoint(url: str, source: str = "--endpoint") -> tuple[str, str]:
    """'http://127.0.0.1:8780' -> ('http', '127.0.0.1:8780'); a bare host means https. Only a scheme, a host name
    (or address) and a port 1-65535: the host goes into every request's signed Host header."""
    problem = f"{source}: expected a base URL such as http://127.0.0.1:8780, got {shorten(url)}"
    if any(character.isspace() for character in url) or control_character(url):
        raise UsageError(problem)     # urlsplit would drop a line break silently
    try:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        port = parts.port
    except ValueError:                # an unclosed [IPv6 address, a port that is no number or beyond 65535
        raise UsageError(problem) from None
    host = parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc
    if (parts.scheme not in ("http", "https") or parts.path not in ("", "/") or parts.query or parts.fragment
            or "@" in parts.netloc or not _HOST.fullmatch(host) or port == 0):
        raise UsageError(problem)
    return parts.scheme, parts.netloc
