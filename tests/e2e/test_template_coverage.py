"""tools/template_coverage (issue 14's count of runnable ACS-ESS templates) keeps counting what it says: one template
of each way it runs them, through the real SDK against the sandbox."""
import pytest

from tests.support.fake_credentials import FAKE_KEY_ID, FAKE_KEY_SECRET, FAKE_STS_TOKEN
from tests.support.ground_truth import needs_shared

WAYS = {"ACS-ESS-LifeCycleRunCommandNew": "recipe init + run",
        "ACS-ESS-RollingUpdateByRunCommandInScalingGroup": "rollout start --template",
        "ACS-ESS-EnableInstanceHealthCheck": "execution start"}


@needs_shared
@pytest.mark.parametrize("name", WAYS)
def test_each_way_of_running_a_public_template_runs_it(name, tmp_path):
    from essctl.sandbox import AccessKey
    from tools import template_coverage

    # the suite's own key: the SDK reads the environment's credentials once per process
    keys = [AccessKey(FAKE_KEY_ID, FAKE_KEY_SECRET, FAKE_STS_TOKEN)]
    how, code, line = template_coverage.attempt(name, tmp_path, keys)
    assert (how, code) == (WAYS[name], 0), line
