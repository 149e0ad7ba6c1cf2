"""The cloud services essctl can build clients for: one place for package names and API versions."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceSpec:
    name: str          # essctl's short name, used in tapes and messages ("ess")
    package: str       # the SDK's import package
    distribution: str  # the pip distribution that provides it
    api_version: str   # the x-acs-version the SDK sends
    global_endpoint: str | None = None   # a service with one endpoint for every region (products.json)


SERVICES: dict[str, ServiceSpec] = {
    spec.name: spec
    for spec in (
        ServiceSpec("ess", "alibabacloud_ess20220222", "alibabacloud-ess20220222", "2022-02-22"),
        ServiceSpec("oos", "alibabacloud_oos20190601", "alibabacloud-oos20190601", "2019-06-01"),
        # RAM has only its global endpoint: the SDK's regional rule names hosts that do not exist in most regions
        # (shared/api-reference/openapi-meta/metadatas/products.json: Ram global_endpoint, no regional_endpoints).
        ServiceSpec("ram", "alibabacloud_ram20150501", "alibabacloud-ram20150501", "2015-05-01",
                    global_endpoint="ram.aliyuncs.com"),
        # Not installed by default; recipes that call these products add the distribution.
        ServiceSpec("ecs", "alibabacloud_ecs20140526", "alibabacloud-ecs20140526", "2014-05-26"),
        ServiceSpec("vpc", "alibabacloud_vpc20160428", "alibabacloud-vpc20160428", "2016-04-28"),
        ServiceSpec("r-kvstore", "alibabacloud_r_kvstore20150101", "alibabacloud-r-kvstore20150101", "2015-01-01"),
    )
}
