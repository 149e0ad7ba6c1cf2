"""`essctl doctor`: a read-only probe of what essctl assumes about the account and the services, compared with what
they answer: credentials, endpoints, the built-in recipes' roles and templates (nested actions included), OOS's own
view of each template's policy against essctl's, and ESS. Nothing is changed."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from essctl.errors import EssctlError
from essctl.facts.oos import OOS_SERVICE
from essctl.template.permissions import derive_required_actions
from essctl.template.report import cross_check
from essctl.template.source import NestedUnavailable, load_template_from_oos, oos_resolver

if TYPE_CHECKING:
    from essctl.cloud.gateway import Cloud, Where
    from essctl.recipe.model import Recipe
    from essctl.template.model import Template

PASS, WARN, FAIL = "pass", "warn", "fail"   # warn: a state worth knowing; fail: an assumption the answer contradicts
GROUPS_SHOWN = 50                           # one page of DescribeScalingGroups is enough to know ESS answers


@dataclass(frozen=True)
class Probe:
    check: str
    target: str
    status: str
    detail: str

    def to_data(self) -> dict[str, str]:
        return {"Check": self.check, "Target": self.target, "Status": self.status, "Detail": self.detail}


@dataclass
class DoctorReport:
    where: Where
    endpoints: dict[str, str]
    probes: list[Probe] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(1 for probe in self.probes if probe.status == FAIL)

    def to_data(self) -> dict[str, Any]:
        counts = {status: sum(1 for p in self.probes if p.status == status) for status in (PASS, WARN, FAIL)}
        return {"Region": self.where.region, "Endpoints": self.endpoints, "Credentials": self.where.credentials,
                "Checks": [probe.to_data() for probe in self.probes], "Summary": counts}


def run_doctor(cloud: Cloud, recipes: list[Recipe]) -> DoctorReport:
    """Every probe, each independent of the others' outcome (one refusal never hides the rest)."""
    report = DoctorReport(where=cloud.where(), endpoints=cloud.endpoints())
    add = report.probes.append
    _probe(add, "ESS DescribeScalingGroups", cloud.region, lambda: _groups(cloud))
    report.where = cloud.where()   # the credentials are known once the first call was made
    report.probes.insert(0, Probe("credentials", "", PASS, report.where.credentials))
    for service, url in report.endpoints.items():
        add(_endpoint(cloud, service, url))
    for role in sorted({recipe.role for recipe in recipes}):
        _probe(add, "RAM GetRole", role, lambda role=role: _role(cloud, role))
    for name in sorted({template for recipe in recipes for template in recipe.templates}):
        _template_probes(add, cloud, name)
    return report


def _probe(add: Callable[[Probe], None], check: str, target: str, run: Callable[[], tuple[str, str]]) -> None:
    try:
        status, detail = run()
    except EssctlError as exc:
        status, detail = FAIL, str(exc)
    add(Probe(check, target, status, detail))


def _endpoint(cloud: Cloud, service: str, url: str) -> Probe:
    """RAM has one endpoint for every region; the regional services follow the SDK's rule unless the user named
    an endpoint."""
    named = cloud.session.settings.endpoint_for(service)
    if named:
        return Probe("endpoint", service, PASS, f"{url} (given with --endpoint)")
    if service == "ram" and not url.endswith("://ram.aliyuncs.com"):
        return Probe("endpoint", service, FAIL, f"{url}: RAM answers only at ram.aliyuncs.com")
    return Probe("endpoint", service, PASS, url)


def _groups(cloud: Cloud) -> tuple[str, str]:
    groups = cloud.ess.list_scaling_groups(max_items=GROUPS_SHOWN)
    count = f"{len(groups)}{'+' if len(groups) == GROUPS_SHOWN else ''}"
    return PASS, f"{count} scaling group{'' if len(groups) == 1 else 's'} in {cloud.region}"


def _role(cloud: Cloud, name: str) -> tuple[str, str]:
    role = cloud.ram.get_role(name)
    if role is None:
        return WARN, "does not exist yet: `essctl recipe run` creates it"
    if OOS_SERVICE not in role.trusted_services:
        return WARN, f"exists but does not trust {OOS_SERVICE}: OOS cannot assume it"
    return PASS, f"exists and trusts {OOS_SERVICE} ({role.arn})"


def _template_probes(add: Callable[[Probe], None], cloud: Cloud, name: str) -> None:
    """GetTemplate on the template and each nested action it reaches, then OOS's policy against essctl's."""
    try:
        template = load_template_from_oos(cloud, name)
    except EssctlError as exc:
        add(Probe("OOS GetTemplate", name, FAIL, str(exc)))
        return
    add(Probe("OOS GetTemplate", name, PASS, f"version {template.version}, {len(template.tasks)} tasks"))
    resolve, outcomes = _recording_resolver(cloud)
    derivation = derive_required_actions(template, resolve)
    for nested, (status, detail) in outcomes.items():
        add(Probe("OOS GetTemplate (nested action)", f"{name} > {nested}", status, detail))
    check = cross_check(cloud, template, set(derivation.actions))
    if check.skipped:
        add(Probe("OOS GenerateExecutionPolicy", name, FAIL, check.skipped))
    elif check.agrees:
        add(Probe("OOS GenerateExecutionPolicy", name, PASS,
                  f"the same {len(derivation.actions)} actions essctl derives"))
    else:
        differences = [f"OOS also lists {', '.join(check.only_generated)}"] if check.only_generated else []
        differences += [f"essctl also derives {', '.join(check.only_derived)}"] if check.only_derived else []
        add(Probe("OOS GenerateExecutionPolicy", name, FAIL, "; ".join(differences)))


def _recording_resolver(cloud: Cloud) -> tuple[Callable[[str], Template | None], dict[str, tuple[str, str]]]:
    """GetTemplate for nested actions, noting each outcome: a nested action OOS does not serve is a divergence
    from what essctl assumes (that OOS resolves action names the way it runs them)."""
    outcomes: dict[str, tuple[str, str]] = {}
    resolve_from_oos = oos_resolver(cloud)

    def resolve(action: str) -> Template | None:
        try:
            found = resolve_from_oos(action)
        except NestedUnavailable as exc:
            outcomes[action] = (FAIL, str(exc))
            raise
        outcomes[action] = (PASS, f"version {found.version}") if found else (FAIL, "GetTemplate: not found")
        return found

    return resolve, outcomes
