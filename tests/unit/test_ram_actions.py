"""The RAM actions essctl grants per OOS call, checked against what Alibaba publishes
(../shared/api-reference/ram-actions/SUMMARY.md): its per-API table and the tutorials' least-privilege policies."""
from __future__ import annotations

import csv
import re

import pytest

from essctl.facts.ram_actions import grant_for
from essctl.template.model import load_template_file
from essctl.template.permissions import derive_required_actions
from essctl.template.source import action_dir_resolver
from tests.support.ground_truth import API_REFERENCE, OOS_TEMPLATES, needs_shared

SUMMARY = API_REFERENCE / "ram-actions" / "SUMMARY.md"
ACTION = re.compile(r"`([a-z][a-z-]*:[A-Za-z]+)`")   # in the mapping table, actions are in backquotes
LISTED = re.compile(r"\b[a-z][a-z-]*:[A-Za-z]+\b")     # in the policies table, a comma-separated list


def _table(heading: str) -> list[list[str]]:
    """The rows of the first Markdown table under `heading` in SUMMARY.md, as stripped cells."""
    lines = SUMMARY.read_text(encoding="utf-8").split(heading, 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = [line for line in lines[start:] if line.strip()]
    rows = rows[:next((i for i, line in enumerate(rows) if not line.startswith("|")), len(rows))]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def _published_calls() -> list[tuple[str, str, str]]:
    """(service, API, RAM action) for every high-confidence row about a service the templates call."""
    if not SUMMARY.exists():
        return []
    calls = []
    for service, apis, actions, _resource, _source, confidence in _table("## 1. The mapping"):
        name = service.split()[0]
        names, granted = [a.strip() for a in apis.split(",")], ACTION.findall(actions)
        if name == "RAM" or not confidence.startswith("high") or len(names) != len(granted):
            continue
        calls += [(name, api, action) for api, action in zip(names, granted)]
    return calls


@needs_shared
def test_summary_tables_are_read():
    calls = _published_calls()
    assert len(calls) >= 19 and ("ECS", "AllocateEipAddress", "vpc:AllocateEipAddress") in calls
    assert len(_published_policies()) >= 5 and len(_reachable_pairs()) >= 60


@needs_shared
@pytest.mark.parametrize("service, api, action", _published_calls(), ids=lambda v: str(v))
def test_each_published_call_is_granted_its_published_action(service, api, action):
    grant = grant_for(service, api)
    assert grant is not None and grant.actions == (action,) and not grant.assumed


@needs_shared
def test_oss_generate_url_grants_the_download_not_a_made_up_action():
    grant = grant_for("OSS", "GenerateUrl")
    assert grant.actions == ("oss:GetObject",) and "oss:GetObject" in grant.note
    [row] = [row for row in _table("## 1. The mapping") if row[1] == "GenerateUrl"]
    assert "`oss:GetObject`" in row[2]


def _reachable_pairs() -> list[tuple[str, str]]:
    path = API_REFERENCE / "TEMPLATE-API-PAIRS.tsv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [(row["service_in_template"], row["api"]) for row in csv.DictReader(handle, delimiter="\t")
                if row["reachable_from_ACS-ESS"] == "yes"]


@needs_shared
@pytest.mark.parametrize("service, api", _reachable_pairs(), ids=lambda v: str(v))
def test_every_call_the_ess_templates_make_has_a_grant(service, api):
    assert grant_for(service, api) is not None


def _published_policies() -> list[tuple[str, list[str]]]:
    if not SUMMARY.exists():
        return []
    rows = _table("3. **Least-privilege policies published for specific templates**")
    return [(row[0], LISTED.findall(row[1])) for row in rows
            if (OOS_TEMPLATES / "PublicTemplates" / f"{row[0]}.yml").exists() and LISTED.findall(row[1])]


@needs_shared
@pytest.mark.parametrize("template, published", _published_policies(), ids=lambda v: v if isinstance(v, str) else "")
def test_derived_policy_is_the_tutorials_policy(template, published):
    derivation = derive_required_actions(load_template_file(OOS_TEMPLATES / "PublicTemplates" / f"{template}.yml"),
                                         action_dir_resolver(OOS_TEMPLATES / "CloudProductActions"))
    extra = set(derivation.actions) - set(published)
    assert set(published) <= set(derivation.actions)
    # SUMMARY.md §2.3: the PolarDB template now also reads the whitelist, which the 2020 policy predates.
    assert extra == ({"polardb:DescribeDBClusterAccessWhitelist"} if "PolarDB" in template else set())
    assert extra <= derivation.assumed
