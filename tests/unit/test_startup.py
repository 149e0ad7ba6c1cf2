"""The root help lists every command group, though only the groups named on the command line are built."""


def test_root_help_lists_every_group_though_only_named_groups_are_built(cli):
    from essctl.cli.app import GROUPS, build_app

    result = cli("--help")
    assert result.code == 0
    for name, (help_text, _) in GROUPS.items():
        assert f" {name} " in result.out and help_text.split(":")[0].rstrip(".") in result.out
    app = build_app(["recipe", "list"])
    built = {info.name: info.typer_instance for info in app.registered_groups}
    assert built["recipe"].registered_commands and not built["group"].registered_commands
    assert "run" in cli("recipe", "--help").out and "watch" in cli("activity", "--help").out
