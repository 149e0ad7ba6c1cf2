"""What never leaves essctl: credentials in parameters, and (on request) the account id."""
from __future__ import annotations

import re
from typing import Any

# Parameters that carry credentials or signatures (the legacy V2 signature puts some in the query).
SECRET_PARAMETERS = frozenset({
    "AccessKeyId", "AccessKeySecret", "SecurityToken", "Signature", "SignatureNonce",
    "BearerToken", "Password", "NewPassword", "OldPassword",
})
VOLATILE_PARAMETERS = frozenset({"ClientToken", "Timestamp"})

ACCOUNT_PLACEHOLDER = "<account-id>"
_ARN_ACCOUNT = re.compile(r"(acs:[a-z0-9-]*:[a-z0-9-]*:)(\d{16})(?=:)")
_ACCOUNT_KEYS = frozenset({"AccountId", "OwnerId", "ResourceOwnerId", "AliUid", "CallerUid"})
_SIXTEEN_DIGITS = re.compile(r"^\d{16}$")


def mask_key_id(key_id: str) -> str:
    return "****" + key_id[-4:] if len(key_id) > 8 else "****"


def public_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    """The parameters with credential-bearing ones removed (for logs and tapes)."""
    return {key: value for key, value in parameters.items() if key not in SECRET_PARAMETERS}


def account_ids_in(value: Any) -> set[str]:
    """Account ids seen in ARNs or in account-id fields anywhere inside `value`."""
    found: set[str] = set()

    def walk(item: Any, key: str | None = None) -> None:
        if isinstance(item, dict):
            for k, v in item.items():
                walk(v, k)
        elif isinstance(item, list):
            for v in item:
                walk(v)
        elif isinstance(item, (str, int)) and not isinstance(item, bool):
            text = str(item)
            found.update(match.group(2) for match in _ARN_ACCOUNT.finditer(text))
            if key in _ACCOUNT_KEYS and _SIXTEEN_DIGITS.match(text):
                found.add(text)

    walk(value)
    return found


def replace_account_ids(value: Any, account_ids: set[str]) -> Any:
    """A copy of `value` with every occurrence of the given account ids replaced by the placeholder."""
    if not account_ids:
        return value
    if isinstance(value, dict):
        return {k: replace_account_ids(v, account_ids) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_account_ids(v, account_ids) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and str(value) in account_ids:
        return ACCOUNT_PLACEHOLDER
    if isinstance(value, str):
        for account_id in account_ids:
            value = value.replace(account_id, ACCOUNT_PLACEHOLDER)
    return value


def redact_accounts(value: Any) -> Any:
    return replace_account_ids(value, account_ids_in(value))
