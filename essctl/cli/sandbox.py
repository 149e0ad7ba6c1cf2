"""sandbox serve: a local Auto Scaling / OOS / RAM emulator for rehearsals and tests."""
import time
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from essctl.cli.options import command, existing, finite

app = typer.Typer(no_args_is_help=True)


@command(app, "serve", global_options=False, examples=(
    'essctl sandbox serve --port 8780',
    'essctl --endpoint http://127.0.0.1:8780 --region cn-hangzhou group list',
    'essctl sandbox serve --groups 30 --regions cn-hangzhou,cn-shanghai,cn-beijing',
))
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (keep it on loopback).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0: any free port).")] = 8780,
    speed: Annotated[float, typer.Option("--speed", min=0.001, max=1e6, callback=finite, metavar="N",
                                         help="Sandbox seconds per real second (60: a 300 s timeout passes in 5 s).")] = 1.0,
    scenario: Annotated[Optional[Path], typer.Option(
        "--scenario", metavar="FILE", help="Scenario YAML (groups, roles, policies, templates, faults). "
                                           "Default: one group and OOSServiceRole.")] = None,
    state: Annotated[Optional[Path], typer.Option(
        "--state", metavar="FILE", help="Keep the world here (a snapshot and FILE.journal: every acknowledged change is written before its answer) and resume from it.")] = None,
    templates: Annotated[Optional[List[Path]], typer.Option(
        "--templates", metavar="DIR", help="Folder of OOS templates (e.g. ../shared/oos-templates); repeatable.")] = None,
    groups: Annotated[Optional[int], typer.Option(
        "--groups", min=1, max=1000, metavar="N", help="Instead of a scenario: a fleet of N groups in each region "
                                                       "(Active, 1 instance, max 5) and OOSServiceRole.")] = None,
    regions: Annotated[Optional[str], typer.Option(
        "--regions", metavar="R1,R2", help="Also serve these regions (ESS and OOS per region, RAM shared); with "
                                           "--groups the first is the default one.")] = None,
    write_profile: Annotated[bool, typer.Option(
        "--write-profile", help="Add or update the 'sandbox' AK profile in ~/.aliyun/config.json.")] = False,
) -> None:
    """Serve ESS, OOS and RAM on HOST:PORT until Ctrl-C; the real SDKs (and essctl --endpoint) talk to it."""
    from essctl.errors import UsageError
    from essctl.render.safe import printable
    from essctl.sandbox import Sandbox
    from essctl.sandbox.profile import write_sandbox_profile
    from essctl.sandbox.scenario import fleet_scenario, load_scenario, parse_scenario, region_ids

    def say(line: str) -> None:
        print(printable(line), flush=True)

    for folder in templates or ():
        existing(folder, "--templates", folder=True)
    names = region_ids(regions or "", "--regions")
    if groups is not None and scenario is not None:
        raise UsageError("--groups builds its own scenario: give --scenario or --groups, not both")
    world = (parse_scenario(fleet_scenario(groups, names or ["cn-hangzhou"]), source="--groups")
             if groups is not None else load_scenario(scenario))
    world.regions = list(dict.fromkeys([*world.served_regions(), *names]))
    box = Sandbox(world, host=host, port=port, speed=speed, state_file=state, template_dirs=templates or ())
    try:
        box.start()
    except OSError as exc:
        raise UsageError(f"--port {port}: cannot listen on {host}:{port}: {exc.strerror}") from exc
    try:
        key = box.credentials[0]
        profile = write_sandbox_profile(key, box.scenario.region) if write_profile else None
        regions = list(box.world.regions)
        served = f"region {regions[0]}" if len(regions) == 1 else f"regions {regions[0]} (default), " \
                                                                    f"{', '.join(regions[1:])}"
        say(f"essctl sandbox: serving ESS, OOS and RAM on {box.endpoint} ({served}, account "
            f"{box.scenario.account_id}, speed x{speed:g})")
        say(f"  sandbox-only AccessKey id {key.key_id}, secret {key.secret}")
        if profile is not None:
            say(f"  wrote profile 'sandbox' to {profile}")
        say("  use it from another shell:")
        say(f"    export ESSCTL_ENDPOINT={box.endpoint}")
        say(f"    essctl --profile sandbox group list{'' if write_profile else '   (after --write-profile)'}")
        say("  Ctrl-C stops the sandbox" + (f"; the world is saved in {state}" if state else ""))
        while True:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        box.stop()
    throttled = ", ".join(f"{action} {count}" for action, count in sorted(box.faults.throttled.items()))
    say("essctl sandbox: stopped" + (f" (throttled by quotas: {throttled})" if throttled else ""))
