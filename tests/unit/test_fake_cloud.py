"""The in-memory gateways the unit tests use keep the real gateways' methods and signatures."""
import inspect

import pytest

from essctl.cloud.ess import EssGateway
from essctl.cloud.oos import OosGateway
from essctl.cloud.ram import RamGateway
from tests.support.fake_cloud import FakeEss, FakeOos, FakeRam


@pytest.mark.parametrize("real, fake", [(EssGateway, FakeEss), (OosGateway, FakeOos), (RamGateway, FakeRam)])
def test_fake_cloud_matches_the_gateways(real, fake):
    def public(cls):
        return {name: inspect.signature(member) for name, member in vars(cls).items()
                if callable(member) and not name.startswith("_")}

    real_methods, fake_methods = public(real), public(fake)
    assert set(real_methods) <= set(fake_methods)
    for name, signature in real_methods.items():
        assert list(signature.parameters) == list(fake_methods[name].parameters), name
