"""The conformance suite (issue 12) over the corpus of this session (tests/conformance/capture.py): every request
essctl sent anywhere in the suite against the API's metadata, every body and error the sandbox answered against the
pages, every code the sandbox's source can answer against the documented ones and known_exceptions.yaml.

These tests run after all others (tests/conformance/plugin.py). Run alone, or when part of the suite was deselected,
they first drive essctl against a sandbox so that every API its gateways call is in the corpus."""
import io
import re
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from tests.conformance import capture, known, report
from tests.conformance import reference as ref
from tests.support.fake_credentials import FAKE_KEY_ID, FAKE_KEY_SECRET, FAKE_STS_TOKEN

pytestmark = pytest.mark.skipif(not ref.available(), reason=f"{ref.REFERENCE} is absent (a user's clone): the "
                                                            "conformance suite needs ../shared/api-reference")

GATEWAYS = {"ess": "essctl/cloud/ess.py", "oos": "essctl/cloud/oos.py", "ram": "essctl/cloud/ram.py"}
GROUP, REGION = "asg-sandbox000000000001", "cn-hangzhou"


def gateway_actions() -> set[str]:
    """service:Action of every SDK call essctl's gateways make (self._client.describe_scaling_groups(...))."""
    found = set()
    for service, path in GATEWAYS.items():
        for method in re.findall(r"self\._client\.([a-z_0-9]+)\(", (capture.REPO / path).read_text(encoding="utf-8")):
            found.add(f"{service}:{''.join(part.capitalize() for part in method.split('_'))}")
    return found


def _sent(corpus: capture.Corpus) -> set[str]:
    return {f"{r.service}:{r.action}" for r in corpus.requests if r.origin == "essctl"}


def exercise(endpoint: str) -> None:
    """essctl against a sandbox: a recipe run, a changed run, the RAM calls only drift or repair make, teardown."""
    from essctl.cli.app import run
    from essctl.cloud.gateway import Cloud
    from essctl.cloud.resources import NewPolicyVersion, NewRole
    from essctl.cloud.session import CloudSession
    from essctl.cloud.settings import CloudSettings
    from essctl.errors import CloudAPIError
    from essctl.recipe.catalog import find_recipe
    from tests.support.recipe_examples import example_arguments

    cloud_args = ["--endpoint", endpoint, "--region", REGION]
    recipe = ["recipe", "run", "run-command", "--group", GROUP, "--yes", "-o", "json", "--poll-interval", "0.02",
              *cloud_args]
    example = example_arguments(find_recipe("run-command"))
    changed = [("commandContent=echo changed" if value.startswith("commandContent=") else value) for value in example]
    assert changed != example      # a -p key is given once: the second run changes the example's script
    with redirect_stdout(io.StringIO()):
        assert run([*recipe, *example]) == 0
        assert run([*recipe, "--no-trigger", *changed]) == 0
        cloud = Cloud(CloudSession(CloudSettings(region=REGION, endpoint=endpoint)))
        policy = "ESSHookPolicyForRunCommand"
        cloud.ram.create_policy_version(NewPolicyVersion(
            name=policy, document='{"Version":"1","Statement":[{"Effect":"Allow","Action":["ecs:RunCommand"],'
                                  '"Resource":"*"}]}', rotate_strategy="DeleteOldestNonDefaultVersionWhenLimitExceeded"))
        for version in cloud.ram.policy_versions(policy):
            if not version.is_default:
                cloud.ram.delete_policy_version(policy, version.version_id)
        cloud.ram.create_role(NewRole(name="EssctlConformanceRole", description="conformance", trust_policy=(
            '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":["oos.aliyuncs.com"]}}],'
            '"Version":"1"}')))
        cloud.oos.generate_execution_policy("ACS-ESS-LifeCycleRunCommand", role="OOSServiceRole")
        try:
            cloud.oos.list_templates(prefix="ACS-ESS-")
        except CloudAPIError:
            pass    # the sandbox does not serve ListTemplates: the request is what is checked
        assert run(["recipe", "teardown", "run-command", "--group", GROUP, "--policy", "--yes", "-o", "json",
                    *cloud_args]) == 0


@pytest.fixture(scope="module")
def summary(request):
    corpus = capture.CORPUS
    if not gateway_actions() <= _sent(corpus):
        from essctl.sandbox import AccessKey, Sandbox

        with Sandbox(credentials=[AccessKey(FAKE_KEY_ID, FAKE_KEY_SECRET, FAKE_STS_TOKEN)], speed=200) as box:
            exercise(box.endpoint)
    return report.evaluate(corpus)


def _problems(summary, prefix):
    return [p for p in summary.problems if p.startswith(prefix)]


def test_every_api_essctl_calls_is_in_the_corpus(summary):
    missing = gateway_actions() - _sent(capture.CORPUS)
    assert not missing, f"no request of {sorted(missing)} was captured"


def test_every_request_essctl_sent_conforms_to_the_metadata(summary):
    print(f"requests essctl sent: {summary.requests.checked} checked, {summary.requests.passed} passed "
          f"({summary.replayed} replayed from tapes)")
    for action, tally in sorted(summary.requests_by_action.items()):
        print(f"  {action}: {tally.checked} checked, {tally.passed} passed")
    assert summary.requests.checked > 0
    assert _problems(summary, "request ") == []


def test_the_sandbox_refuses_what_the_metadata_refuses(summary):
    print(f"invalid requests the sandbox received: {summary.refused.checked}, refused {summary.refused.passed}")
    assert _problems(summary, "the sandbox accepted") == []


def test_every_body_the_sandbox_served_conforms(summary):
    print(f"bodies: {summary.bodies.checked} checked, {summary.bodies.passed} passed")
    for action, tally in sorted(summary.bodies_by_action.items()):
        print(f"  {action}: {tally.checked} checked, {tally.passed} passed")
    assert summary.bodies.checked > 0
    assert _problems(summary, "body ") == []


def test_every_error_answer_carries_a_documented_code(summary):
    print(f"error answers: {summary.answers.checked} checked, {summary.answers.passed} passed")
    for code, where in sorted(summary.answer_codes.items()):
        print(f"  {code}: {where}")
    assert _problems(summary, "error ") == []


def test_every_code_the_sandbox_can_answer_is_documented_or_a_known_exception(summary):
    print(f"codes: {summary.codes.checked} (code, service) pairs, {len(summary.codes_documented)} documented, "
          f"{len(summary.codes_excepted)} known exceptions")
    for label in sorted(summary.codes_excepted):
        print(f"  known exception {label}")
    assert _problems(summary, "the sandbox can answer") == []


def test_every_known_exception_is_still_needed():
    """An error_code entry names a code the sandbox's source can still answer; the others name an API."""
    codes = report.sandbox_codes()
    entries = known.load().entries
    stale = [e.label for e in entries if e.kind == "error_code" and not set(e.services) <= codes.get(e.code, set())]
    assert stale == [], "the sandbox no longer answers these: remove them from known_exceptions.yaml"
    assert all(e.action and ref.api(e.services[0], e.action) for e in entries if e.kind != "error_code")
    assert len({(e.kind, e.code, e.action, e.match, e.services) for e in entries}) == len(entries)


def test_the_entries_that_name_an_api_in_the_corpus_were_used(summary):
    corpus = capture.CORPUS
    seen = {f"{r.service}:{r.action}" for r in corpus.requests} | {f"{b.service}:{b.action}" for b in corpus.bodies}
    unused = [e.label for e in summary.exceptions.entries if e.kind != "error_code" and e not in summary.exceptions.used
              and any(f"{s}:{e.action}" in seen for s in e.services)]
    assert unused == [], "these no longer match anything: remove them from known_exceptions.yaml"


def test_the_corpus_is_kept_for_the_report(tmp_path: Path):
    path = tmp_path / "corpus.json"
    capture.CORPUS.save(path)
    again = capture.Corpus.load(path)
    assert len(again.requests) == len(capture.CORPUS.requests) and len(again.bodies) == len(capture.CORPUS.bodies)
