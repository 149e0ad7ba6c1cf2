"""Credentials found the way the aliyun CLI and the SDK default chain find them.

Resolved once, before the first call, so that a missing credential is one clear line instead of an SDK error
halfway through a run. Only the provider's name and a masked AccessKey id ever leave this module.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from essctl.cloud.redact import mask_key_id
from essctl.errors import UsageError, clip

_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")   # printable ASCII: what a header value may hold
_PROVIDER_FILES = {"cli_profile": "~/.aliyun/config.json", "profile": "~/.alibabacloud/credentials.ini"}   # by provider

# The default chain in its order, short enough for the one error line that names them (README, Credentials, says
# which variables each reads).
DEFAULT_CHAIN_SOURCES = (
    "environment",
    "OIDC",
    "~/.aliyun/config.json",
    "~/.alibabacloud/credentials.ini",
    "ECS RAM role",
)

HOW_TO_CONFIGURE = (
    "set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or run 'aliyun configure' "
    "(--profile NAME selects a profile)"
)


@dataclass
class ResolvedCredential:
    client: Any          # alibabacloud_credentials.client.Client, ready for Config(credential=...)
    source: str          # e.g. "default/env", "cli_profile/static_sts"
    key_id_masked: str   # e.g. "****d3f1"


def resolve_credential(profile: str | None) -> ResolvedCredential:
    """--profile NAME reads only that profile (config.json, then credentials.ini); else the SDK default chain."""
    from alibabacloud_credentials import provider as providers
    from alibabacloud_credentials.client import Client as CredentialClient

    # The providers attach their own stderr handler at import and log each failed source with a traceback (three
    # of them for an unreachable instance metadata service); the one line below says it better.
    logging.getLogger("credentials").disabled = True

    from essctl.cloud.settings import profile_problem

    problem = profile_problem(profile, explicit=True) if profile else None
    if problem:
        raise UsageError(problem)
    if profile:
        candidates = [
            providers.CLIProfileCredentialsProvider(profile_name=profile),
            providers.ProfileCredentialsProvider(profile_name=profile),
        ]
        tried = (f"profile '{clip(profile)}' in ~/.aliyun/config.json",
                 f"section [{clip(profile)}] of ~/.alibabacloud/credentials.ini")
    else:
        candidates = [providers.DefaultCredentialsProvider()]
        tried = DEFAULT_CHAIN_SOURCES

    for candidate in candidates:
        try:
            found = candidate.get_credentials()
        except Exception:  # each provider raises its own kind; the message below names every source tried
            continue
        if found is not None and found.get_access_key_id():
            _check_header_safe(found)
            return ResolvedCredential(
                client=CredentialClient(provider=candidate),
                source=found.get_provider_name(),
                key_id_masked=mask_key_id(found.get_access_key_id()),
            )
    import os

    problem = None if profile else profile_problem(os.environ.get("ALIBABA_CLOUD_PROFILE"), explicit=False)
    raise UsageError(problem or f"no Alibaba Cloud credentials found (tried: {'; '.join(tried)}): {HOW_TO_CONFIGURE}")


def _check_header_safe(found: Any) -> None:
    """Refuse credentials a request cannot carry (they go into its Authorization and STS-token headers): a line
    break or a control character would fail the request after it was built, or inject a header. The value itself
    is never shown."""
    provider = found.get_provider_name().removeprefix("default/").split("/")[0]
    source = _PROVIDER_FILES.get(provider, provider)
    for what, value, variable in (("AccessKey id", found.get_access_key_id(), "ALIBABA_CLOUD_ACCESS_KEY_ID"),
                                  ("AccessKey secret", found.get_access_key_secret(),
                                   "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
                                  ("STS token", found.get_security_token(), "ALIBABA_CLOUD_SECURITY_TOKEN")):
        if value and not _HEADER_SAFE.fullmatch(value):
            where = variable if provider == "env" else f"the {what} in {source}"
            raise UsageError(f"{where}: holds a space, a line break, a control or a non-ASCII character, which no "
                             "AccessKey or token has (nothing was sent)")
