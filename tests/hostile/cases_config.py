"""Hostile configuration files: the aliyun CLI's ~/.aliyun/config.json (null, a list, profiles that are not
mappings, region ids that are not region ids, JSON nested without end) and ~/.alibabacloud/credentials.ini. The
region comes from the profile (ALIBABA_CLOUD_REGION_ID is empty), or the profile is named with --profile; run in a
process, since the SDK reads its environment at import."""
from __future__ import annotations

import json

from tests.hostile.corpus import Case

CONFIG = "{home}/.aliyun/config.json"
INI = "{home}/.alibabacloud/credentials.ini"
NO_REGION = {"ALIBABA_CLOUD_REGION_ID": ""}


def profile(**fields: object) -> str:
    """A config.json with one AK profile `p` (current), its fields replaced by `fields`."""
    entry = {"name": "p", "mode": "AK", "access_key_id": "id-from-profile", "access_key_secret": "secret-from-profile",
             "region_id": "cn-hangzhou", **fields}
    return json.dumps({"current": "p", "profiles": [entry]})


def config(name: str, content: str | bytes, expect: str, *argv: str, env: dict[str, str] | None = None) -> Case:
    return Case(f"config-{name}", argv or ("group", "list"), expect, files={CONFIG: content},
                env=NO_REGION if env is None else env, process=True)


def ini(name: str, content: str | bytes, expect: str) -> Case:
    return Case(f"credentials-ini-{name}", ("--profile", "p", "group", "list"), expect, files={INI: content},
                process=True)


CASES = [
    config("null", "null", "config.json"),
    config("list", "[]", "config.json"),
    config("string", '"profiles"', "config.json"),
    config("number", "12", "config.json"),
    config("profiles-not-a-list", '{"current": "p", "profiles": {"p": {}}}', "profiles"),
    config("profiles-of-strings", '{"current": "p", "profiles": ["p"]}', "profiles[0]"),
    config("profiles-of-null", '{"current": "p", "profiles": [null]}', "profiles[0]"),
    config("current-not-a-string", '{"current": ["p"], "profiles": []}', "current"),
    config("name-not-a-string", '{"current": "p", "profiles": [{"name": {"p": 1}}]}', "profiles[0].name"),
    config("region-number", profile(region_id=123), "region_id"),
    config("region-traversal", profile(region_id="../.."), "region_id"),
    config("region-query-injection", profile(region_id="cn-hangzhou&RegionId=evil"), "region_id"),
    config("region-list", profile(region_id=["cn-hangzhou"]), "region_id"),
    config("region-long", profile(region_id="cn-" + "h" * 100_000), "region_id"),
    config("region-control", profile(region_id="cn-hangzhou\r\nX: y"), "region_id"),
    config("region-empty", profile(region_id=""), "no region"),
    config("not-json", "{current: p", "config.json"),
    config("not-utf8", b'{"current": "\xff\xfe"}', "config.json"),
    config("deep-json", "[" * 100_000 + "]" * 100_000, "config.json"),
    config("nan-region", '{"current": "p", "profiles": [{"name": "p", "region_id": NaN}]}', "config.json"),
    Case("config-directory", ("group", "list"), "config.json", files={f"{CONFIG}/file": ""}, env=NO_REGION,
         process=True),
    config("profile-flag-null", "null", "config.json", "--profile", "p", "group", "list"),
    config("profile-flag-region", profile(region_id="../.."), "region_id", "--profile", "p", "group", "list"),
    config("env-profile-region", json.dumps({"current": "q", "profiles": [
        {"name": "p", "mode": "AK", "region_id": "cn-hangzhou/../x"}]}), "region_id",
        env={**NO_REGION, "ALIBABA_CLOUD_PROFILE": "p"}),
    ini("no-section-header", "access_key_id = x\naccess_key_secret = y\n", "credentials.ini"),
    ini("duplicate-section", "[p]\ntype = access_key\n[p]\ntype = access_key\n", "credentials.ini"),
    ini("duplicate-option", "[p]\ntype = access_key\ntype = ecs_ram_role\n", "credentials.ini"),
    ini("not-utf8", b"[p]\ntype = access_key\naccess_key_id = \xff\xfe\n", "credentials.ini"),
    ini("interpolation", "[p]\ntype = access_key\naccess_key_id = %(nowhere)s\naccess_key_secret = s\n",
        "credentials.ini"),
    ini("binary", bytes(range(256)), "credentials.ini"),
    ini("continued-key-id", "[p]\ntype = access_key\naccess_key_id = a\n  X-Injected: 1\naccess_key_secret = b\n",
        "AccessKey id in ~/.alibabacloud/credentials.ini"),
    ini("non-ascii-secret", "[p]\ntype = access_key\naccess_key_id = a\naccess_key_secret = cl\u00e9\n",
        "AccessKey secret in ~/.alibabacloud/credentials.ini"),
    config("profile-key-with-newline", json.dumps({"current": "p", "profiles": [
        {"name": "p", "mode": "AK", "access_key_id": "id\r\nX: y", "access_key_secret": "s",
         "region_id": "cn-hangzhou"}]}), "AccessKey id in ~/.aliyun/config.json", "--profile", "p", "group", "list"),
]
