"""tools/template_coverage (issue 14's count of runnable ACS-ESS templates) keeps counting what it says: one template
of each way it runs them, through the real SDK against the sandbox."""
import pytest

from tests.support.ground_truth import needs_shared

WAYS = {"ACS-ESS-LifeCycleRunCommandNew": "recipe init + run",
        "ACS-ESS-RollingUpdateByRunCommandInScalingGroup": "rollout start --template",
        "ACS-ESS-EnableInstanceHealthCheck": "execution start"}


@needs_shared
@pytest.mark.parametrize("name", WAYS)
def test_each_way_of_running_a_public_template_runs_it(name, tmp_path, monkeypatch):
    from tools import template_coverage

    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", template_coverage.KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", template_coverage.SECRET)
    how, code, line = template_coverage.attempt(name, tmp_path)
    assert (how, code) == (WAYS[name], 0), line
