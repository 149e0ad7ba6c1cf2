"""recipe run --dry-run: the whole run against the recipe's shipped tape, with no credentials and no network."""
import json
import re

import pytest

from essctl.recipe.catalog import builtin_recipe_paths, find_recipe
from tests.support.cli import clean_env, run_essctl
from tests.support.recipe_examples import example_arguments
from tests.support.sandbox_steps import GROUP

RECIPES = sorted(builtin_recipe_paths())


@pytest.mark.parametrize("name", RECIPES)
def test_dry_run_needs_no_credentials_and_gives_one_json_document(name, tmp_path):
    result = run_essctl("recipe", "run", name, "--dry-run", "--output", "json", env=clean_env(tmp_path))
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report["DryRun"] is True and report["Outcome"] == "succeeded"
    assert report["Calls"] and all(call["Replayed"] for call in report["Calls"])
    actions = [call["Action"] for call in report["Calls"] if call["Mutating"]]
    assert actions[-1] == "ExecuteScalingRule"
    assert actions.count("CreateLifecycleHook") == len(find_recipe(name).stages)
    assert not list(tmp_path.rglob("*.json")), "a dry-run wrote a credentials or config file"


def test_dry_run_table_reads_as_the_run_a_person_sees(cli):
    """Steps, then the watch's events stamped with the replay's (virtual) time since the watch began, then the
    summary; no call lines (those are -v's)."""
    result = cli("recipe", "run", "run-command", "--dry-run", "-o", "table")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert not [line for line in lines if "replayed " in line]
    assert "• hook ESSHookForRunCommand: created" in "\n".join(lines)
    stamps = [float(match.group(1)) for line in lines if (match := re.match(r"^\[ *(\d+\.\d)s\] • ", line))]
    assert len(stamps) >= 8 and stamps == sorted(stamps)
    assert stamps[0] == 0.0 and stamps[-1] > 10            # the back-off: 2 + 3 + 4.5 + 6.75 s of polling
    assert "Recipe run-command: SUCCEEDED  (dry-run: recorded answers)" in lines


def test_dry_run_table_with_verbose_prints_every_call(cli):
    result = cli("recipe", "run", "run-command", "--dry-run", "-o", "table", "-v")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("Dry-run: every answer comes from ") and "nothing is sent" in lines[0]
    assert any(line.startswith("    replayed ess:CreateLifecycleHook ") for line in lines)
    assert any(line.startswith("    replayed ess:ExecuteScalingRule ClientToken=essctl-") for line in lines)
    assert "Recipe run-command: SUCCEEDED  (dry-run: recorded answers)" in lines


def test_dry_run_shows_the_users_own_group_and_inputs(cli):
    result = cli("recipe", "run", "run-command", "--dry-run", "-o", "json", "--group", "asg-mine",
                 "-p", "commandContent=echo mine")
    assert result.code == 0, result.err
    create = next(c for c in json.loads(result.out)["Calls"] if c["Action"] == "CreateLifecycleHook")
    assert create["Parameters"]["ScalingGroupId"] == "asg-mine"
    assert json.loads(create["Parameters"]["NotificationMetadata"])["commandContent"] == "echo mine"


@pytest.mark.parametrize("name", RECIPES)
def test_shipped_tape_matches_the_recipe_call_for_call(cli, name):
    """Strict replay (every parameter must match) of the tape with the inputs it was recorded with: a recipe
    changed since its tape was recorded fails here; `make tapes` re-records."""
    result = cli("recipe", "run", name, "--tape", f"recipe-{name}", "--group", GROUP, "--yes", "-o", "json",
                 *example_arguments(find_recipe(name)))
    assert result.code == 0, result.err
    assert json.loads(result.out)["Outcome"] == "succeeded"


def test_failing_rehearsal_ends_failed_with_its_diagnosis(tmp_path):
    result = run_essctl("recipe", "run", "run-command", "--dry-run", "--tape", "run-command-slow-script",
                        "-o", "json", env=clean_env(tmp_path))
    assert result.code == 1, result.err
    report = json.loads(result.out)
    assert report["Outcome"] == "failed"
    first = report["Diagnosis"]["Findings"][0]
    assert first["Code"] == "LifecycleHookIdAndLifecycleActionToken.Invalid"
    # The recipe made the hook: the fix that lasts is the recipe's next run with the override, not a hook update.
    assert first["FixCommand"] == (f"essctl recipe run run-command --group {GROUP} --hook-timeout 1500 "
                                    "--no-trigger")


@pytest.mark.parametrize("scenario,code", [
    ("forbidden-ram", "Forbidden.RAM"),
    ("hook-timeout", "LifecycleHookIdAndLifecycleActionToken.Invalid"),
    ("activity-in-progress", "ScalingActivityInProgress"),
])
def test_diagnose_replays_offline(cli, scenario, code):
    result = cli("diagnose", "--tape", f"diagnose-{scenario}", "--group", GROUP, "-o", "json")
    assert result.code == 1, result.err
    assert json.loads(result.out)["Findings"][0]["Code"] == code
