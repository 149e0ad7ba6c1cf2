"""Where each service's calls go: RAM's one global endpoint, and `--endpoint` given per service."""
from __future__ import annotations

import json

import pytest

from essctl.cloud.factory import build_client
from essctl.cloud.services import SERVICES
from essctl.cloud.settings import CloudSettings, parse_endpoints
from essctl.errors import UsageError
from tests.support.ground_truth import PRODUCTS, needs_shared

# Regions where the RAM SDK's own endpoint map has no entry, so its regional rule names a host that does not exist.
UNMAPPED_REGIONS = ("cn-guangzhou", "cn-wulanchabu", "ap-northeast-2", "ap-south-1", "me-central-1", "na-south-1")


@pytest.mark.parametrize("region", UNMAPPED_REGIONS + ("cn-hangzhou", "eu-central-1"))
def test_ram_goes_to_its_global_endpoint_in_every_region(region):
    client = build_client(SERVICES["ram"], region=region)
    assert client._endpoint == "ram.aliyuncs.com"


@needs_shared
def test_ram_endpoint_is_the_one_products_json_names_for_every_ess_region():
    products = {p["code"]: p for p in json.loads(PRODUCTS.read_text())["products"]}
    ram, ess = products["Ram"], products["Ess"]
    assert ram["regional_endpoints"] == {}
    for region in ess["regional_vpc_endpoints"]:
        assert build_client(SERVICES["ram"], region=region)._endpoint == ram["global_endpoint"], region


def test_regional_services_keep_the_sdk_rule():
    assert build_client(SERVICES["ess"], region="cn-guangzhou")._endpoint == "ess.cn-guangzhou.aliyuncs.com"


def test_endpoint_per_service_and_for_every_service():
    default, per_service = parse_endpoints(["http://127.0.0.1:8780", "ram=https://ram.example.test"], tuple(SERVICES))
    settings = CloudSettings(endpoint=default, service_endpoints=per_service)
    assert settings.endpoint_for("ram") == "https://ram.example.test"
    assert settings.endpoint_for("ess") == "http://127.0.0.1:8780"
    client = build_client(SERVICES["ram"], region="cn-guangzhou", endpoint=settings.endpoint_for("ram"))
    assert (client._endpoint, client._protocol) == ("ram.example.test", "https")


@pytest.mark.parametrize("value, message", [
    ("rma=http://127.0.0.1:1", "no service 'rma'"),
    ("ram=ftp://x", "--endpoint"),
])
def test_bad_endpoint_is_a_usage_error(value, message):
    with pytest.raises(UsageError, match=message):
        parse_endpoints([value], tuple(SERVICES))
