"""`--endpoint SERVICE=URL` sends one service elsewhere: RAM to the sandbox while ESS goes to a closed port."""
import socket

from essctl.sandbox.scenario import parse_scenario
from tests.support.shared_role import REGION, ROLE, SCENARIO


def _closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_ram_endpoint_alone_reaches_ram(cli, sandbox_factory):
    box = sandbox_factory(parse_scenario(SCENARIO))
    closed = _closed_port()
    role = cli("--endpoint", closed, "--endpoint", f"ram={box.endpoint}", "--region", REGION,
               "-o", "json", "role", "show", ROLE)
    assert role.code == 0, role.err
    assert ROLE in role.out
    groups = cli("--endpoint", closed, "--endpoint", f"ram={box.endpoint}", "--region", REGION, "group", "list")
    assert groups.code != 0 and closed.split("//")[1] in groups.err


def test_environment_takes_the_same_form(cli, sandbox_factory, monkeypatch):
    box = sandbox_factory(parse_scenario(SCENARIO))
    monkeypatch.setenv("ESSCTL_ENDPOINT", f"{_closed_port()},ram={box.endpoint}")
    assert cli("--region", REGION, "role", "show", ROLE).code == 0


def test_unknown_service_is_exit_2_and_sends_nothing(cli):
    result = cli("--endpoint", "vpcc=http://127.0.0.1:1", "--region", REGION, "role", "show", ROLE)
    assert result.code == 2 and "no service 'vpcc'" in result.err
