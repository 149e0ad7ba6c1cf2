"""The built-in stand-ins match the public templates of the same name: parameters (names, types, defaults,
allowed values), Outputs names, and the RAM actions with CloudProductActions resolved (as essctl derives them, and
as the sandbox's own table reads them)."""
import pytest
import yaml

from essctl.sandbox.oos.needs import template_needs
from essctl.sandbox.oos.reader import read_template
from essctl.sandbox.oos.templates import TemplateStore, standin_templates
from essctl.template.model import load_template_file, parse_template
from essctl.template.permissions import derive_required_actions
from essctl.template.source import action_dir_resolver
from tests.support.cli import REPO
from tests.support.ground_truth import OOS_TEMPLATES as SHARED
from tests.support.ground_truth import needs_shared

NAMES = ["ACS-ESS-LifeCycleRunCommand", "ACS-ESS-LifeCycleModifyRedisIPWhitelist",
         "ACS-ESS-LifeCycleCreateNetworkInterfaceAndEipAndAttachToInstance",
         "ACS-ESS-LifeCycleDetachNetworkInterfaceAndDeleteEip", "ACS-ESS-LifeCycleModifyPolarDBIPWhitelist",
         "ACS-ESS-LifeCycleModifyMongoDBIPWhitelist", "ACS-ESS-LifeCycleModifyAnalyticDBIPWhitelist"]
ROLLING = ["ACS-ESS-RollingUpdateByReplaceSystemDiskInScalingGroup", "ACS-ESS-RollingUpdateByRunCommandInScalingGroup",
           "ACS-ESS-RollingUpdateByConfigureOOSPackage", "ACS-ESS-RollingUpdateByDownloadFileAndRunCommand",
           "ACS-ESS-RollingUpdateByDownloadOSSFileAndRunCommand"]
ACTIONS = ["ACS::ESS::ReplaceSystemDisk", "ACS::ESS::RunCommand", "ACS::ESS::ConfigureOOSPackage",
           "ACS::ESS::DownloadFileAndRunCommand", "ACS::ECS::DownloadOSSFileAndRunCommand"]


def _standin_resolver(name):
    return _standin(name) if name in standin_templates() else None


def _standin(name):
    return parse_template(standin_templates()[name], name=name, source="stand-in")


def test_the_stand_ins_are_flat_and_complete_the_lifecycle_action():
    assert sorted(standin_templates()) == sorted(NAMES + ROLLING + ACTIONS)
    for name in NAMES:
        template = _standin(name)
        assert all(task.action == "ACS::ExecuteApi" for task in template.tasks), name
        derivation = derive_required_actions(template)
        assert derivation.nested == [] and derivation.unresolved == []
        assert "ess:CompleteLifecycleAction" in derivation.actions
        assert template.ram_role == "{{ OOSAssumeRole }}"


def _same_interface(standin, public):
    """The stand-in takes the public template's parameters (types, defaults, allowed values) and gives its outputs."""
    assert list(standin.parameters) == list(public.parameters)
    for pname, expected in public.parameters.items():
        got = standin.parameters[pname]
        assert (got.type, got.has_default, got.default, got.allowed_values) == \
            (expected.type, expected.has_default, expected.default, expected.allowed_values), pname
    assert list(standin.outputs) == list(public.outputs)


@needs_shared
@pytest.mark.parametrize("name", NAMES)
def test_a_stand_in_matches_the_public_template(name):
    public = load_template_file(SHARED / "PublicTemplates" / f"{name}.yml")
    standin = _standin(name)
    _same_interface(standin, public)
    resolved = derive_required_actions(public, action_dir_resolver(SHARED / "CloudProductActions"))
    assert resolved.unresolved == []
    assert sorted(derive_required_actions(standin).actions) == sorted(resolved.actions)


def test_the_stand_ins_file_names_no_public_template_file():
    text = (REPO / "essctl" / "sandbox" / "standins.yaml").read_text()
    assert yaml.safe_load(text) and not list((REPO / "essctl").rglob("ACS-ESS-*.yml"))


@needs_shared
@pytest.mark.parametrize("name", NAMES)
def test_a_stand_in_needs_what_the_public_template_needs_by_the_sandboxs_own_table(name):
    public = TemplateStore({}, [SHARED])
    standin = read_template(standin_templates()[name], name)
    assert template_needs(standin, lambda _: None).all == template_needs(public.template(name), public.template).all


def test_the_rolling_update_stand_ins_nest_only_stand_ins_and_suspend_and_resume_processes():
    for name in ROLLING:
        derivation = derive_required_actions(_standin(name), _standin_resolver)
        assert derivation.unresolved == [], name
        assert {"ess:SuspendProcesses", "ess:ResumeProcesses", "oos:ListExecutions"} <= set(derivation.actions)


@needs_shared
@pytest.mark.parametrize("name", ROLLING + ACTIONS)
def test_a_rolling_update_stand_in_matches_the_public_template(name):
    folder = "CloudProductActions" if "::" in name else "PublicTemplates"
    public = load_template_file(SHARED / folder / f"{name}.yml")
    standin = _standin(name)
    _same_interface(standin, public)
    resolved = derive_required_actions(public, action_dir_resolver(SHARED / "CloudProductActions"))
    assert sorted(derive_required_actions(standin, _standin_resolver).actions) == sorted(resolved.actions)
