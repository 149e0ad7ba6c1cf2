"""Fixtures of the unit tests: the in-memory gateways with one scaling group, OOSServiceRole and a template."""
import pytest

from tests.support import recipe_fixtures as fx
from tests.support.fake_cloud import FakeCloud


@pytest.fixture
def cloud():
    cloud = FakeCloud()
    cloud.add_group()
    cloud.ram.add_role("OOSServiceRole")
    cloud.oos.templates[fx.TEMPLATE_NAME] = fx.TEMPLATE
    return cloud
