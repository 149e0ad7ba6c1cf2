"""--help reads as written: examples in every command's help, required options marked, no type artefacts
(`<bool>`, `<str>`, `{NAME}`, `[[NAME]]`), and a group with no subcommand shows its help, not an empty error."""
import re

import pytest

from essctl.cli.app import COMMANDS, GROUPS, build_app


def _commands() -> list[tuple[str, ...]]:
    import typer.main

    click_app = typer.main.get_command(build_app(list(GROUPS)))
    found = []
    for name, command in click_app.commands.items():
        subcommands = getattr(command, "commands", None)
        if subcommands and name not in COMMANDS:
            found += [(name, sub) for sub in subcommands]
        else:
            found.append((name,))
    return found


COMMAND_PATHS = _commands()


def test_every_command_is_covered():
    assert ("recipe", "run") in COMMAND_PATHS and ("diagnose",) in COMMAND_PATHS and len(COMMAND_PATHS) >= 23


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=" ".join)
def test_every_command_help_has_examples_and_no_type_artefacts(cli, monkeypatch, path):
    monkeypatch.setenv("COLUMNS", "200")
    result = cli(*path, "--help")
    assert result.code == 0, result.err
    examples = result.out.partition("Examples:")[2]
    assert re.search(rf"^\s*essctl .*{path[-1]}", examples, re.M) or "essctl --endpoint" in examples
    for artefact in ("<bool>", "<str>", "<int>", "[[", "{NAME", "{ID"):
        assert artefact not in result.out, f"{' '.join(path)} --help shows {artefact}"


@pytest.mark.parametrize("path", [("recipe", "plan"), ("recipe", "run"), ("recipe", "teardown"), ("hook", "list"),
                                  ("activity", "list")])
def test_the_group_option_is_marked_required(cli, monkeypatch, path):
    monkeypatch.setenv("COLUMNS", "200")
    line = next(line for line in cli(*path, "--help").out.splitlines() if "--group" in line)
    assert "[required]" in line


def test_the_examples_show_markup_characters_as_written(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert "--query \"[?LifecycleState=='Active'].ScalingGroupId\"" in cli("group", "list", "--help").out


@pytest.mark.parametrize("args", [(), ("recipe",), ("template",)])
def test_no_subcommand_shows_the_help_without_an_empty_error(cli, args):
    result = cli(*args)
    assert "Usage: essctl" in result.out and "Commands" in result.out
    assert result.err == "" and result.code == 2


def test_a_missing_group_is_one_line(cli):
    result = cli("recipe", "teardown", "run-command")
    assert result.code == 2 and result.err.count("\n") == 1 and "--group" in result.err
