"""A command's cloud: the typed ESS, OOS and RAM gateways over one CloudSession. Core code takes a `Cloud`."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from essctl.cloud.converge import Check
    from essctl.cloud.ess import EssGateway
    from essctl.cloud.oos import OosGateway
    from essctl.cloud.ram import RamGateway
    from essctl.cloud.session import Call, CloudSession
    from essctl.cloud.tape import TapePlayer


@dataclass(frozen=True)
class Where:
    """Where a command's calls go: region, endpoint and the credentials used."""

    region: str
    endpoint: str
    credentials: str


class Cloud:
    def __init__(self, session: CloudSession):
        self.session = session
        self.region = session.region

    def sibling(self, region: str) -> Cloud:
        """Another cloud on a session of its own in `region`, sharing credentials and the rate limiter."""
        return Cloud(self.session.sibling(region))

    @cached_property
    def ess(self) -> EssGateway:
        from essctl.cloud.ess import EssGateway

        return EssGateway(self.session)

    @cached_property
    def oos(self) -> OosGateway:
        from essctl.cloud.oos import OosGateway

        return OosGateway(self.session)

    @cached_property
    def ram(self) -> RamGateway:
        from essctl.cloud.ram import RamGateway

        return RamGateway(self.session)

    @property
    def replaying(self) -> bool:
        """Answers come from a tape: nothing waits for real time."""
        return self.session.replaying

    @property
    def replay(self) -> TapePlayer | None:
        """The tape being replayed, with its virtual clock; None when calls are sent."""
        return self.session.player

    @property
    def calls(self) -> list[Call]:
        return self.session.calls

    def endpoints(self, services: tuple[str, ...] = ("ess", "oos", "ram")) -> dict[str, str]:
        """Service -> the base URL its calls go to in this region."""
        return {service: self.session.endpoint_of(service) for service in services}

    def where(self) -> Where:
        endpoint, credentials = self.session.where()
        return Where(self.region, endpoint, credentials)

    @property
    def checks(self) -> list[Check]:
        """The read-backs made after lost answers and "already exists" answers, in order."""
        return self.session.checks

    def request_ids(self) -> dict[str, str]:
        """API action -> the request id of its latest call, quoted as evidence."""
        return {call.action: call.request_id for call in self.session.calls if call.request_id}
