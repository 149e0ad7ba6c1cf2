"""ACS3-HMAC-SHA256 verification, written from the signing rules (not with the SDK's code), so the sandbox
checks the SDK's signing rather than agreeing with it by construction."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import quote

from essctl.sandbox.errors import ApiError

ALGORITHM = "ACS3-HMAC-SHA256"


@dataclass(frozen=True)
class AccessKey:
    key_id: str
    secret: str
    security_token: str | None = None   # set: requests must carry this STS token


def canonical_query(query: dict[str, str]) -> str:
    return "&".join(f"{key}={quote(query[key], safe='~')}" for key in sorted(query))


def canonical_request(method: str, path: str, query: dict[str, str], headers: dict[str, str],
                      signed_headers: list[str], payload_hash: str) -> str:
    lines = "".join(f"{name}:{headers.get(name, '').strip()}\n" for name in signed_headers)
    return "\n".join([method, path or "/", canonical_query(query), lines, ";".join(signed_headers), payload_hash])


def sign(secret: str, canonical: str) -> str:
    string_to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical.encode('utf-8')).hexdigest()}"
    return hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def _parse_authorization(value: str) -> dict[str, str]:
    algorithm, _, rest = value.partition(" ")
    if algorithm != ALGORITHM:
        raise ApiError("IncompleteSignature", f"The request signature does not conform to Aliyun standards "
                                              f"(algorithm {algorithm or 'missing'}; expected {ALGORITHM}).")
    fields = dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)
    for name in ("Credential", "SignedHeaders", "Signature"):
        if not fields.get(name):
            raise ApiError("IncompleteSignature", f"The Authorization header has no {name}.")
    return fields


def verify(method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes,
           keys: dict[str, AccessKey]) -> AccessKey:
    """The AccessKey that signed this request; raises ApiError as Alibaba Cloud answers (headers lower-cased)."""
    authorization = headers.get("authorization")
    if not authorization:
        raise ApiError("IncompleteSignature", "The request signature does not conform to Aliyun standards (no "
                                              "Authorization header; ACS3-HMAC-SHA256 expected).")
    fields = _parse_authorization(authorization)
    key = keys.get(fields["Credential"])
    if key is None:
        raise ApiError("InvalidAccessKeyId.NotFound", "Specified access key is not found.", 400)
    if key.security_token is not None and headers.get("x-acs-security-token") != key.security_token:
        raise ApiError("InvalidSecurityToken.MismatchWithAccessKey",
                       "The security token does not match the AccessKey.", 400)
    payload_hash = headers.get("x-acs-content-sha256", "")
    if payload_hash != hashlib.sha256(body).hexdigest():
        raise ApiError("SignatureDoesNotMatch", "The x-acs-content-sha256 header is not the SHA-256 of the body.", 403)
    signed = fields["SignedHeaders"].split(";")
    if "host" not in signed or "x-acs-action" not in signed or "x-acs-date" not in signed:
        raise ApiError("IncompleteSignature", "host, x-acs-action and x-acs-date must be signed.")
    expected = sign(key.secret, canonical_request(method, path, query, headers, signed, payload_hash))
    if not hmac.compare_digest(expected, fields["Signature"]):
        raise ApiError("SignatureDoesNotMatch",
                       "Specified signature does not match our calculation.", 403)
    return key
