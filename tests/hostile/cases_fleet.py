"""Bad fleet input: group lists (--groups-from), --where, --trigger, --parallel, --rate, several regions."""
from tests.hostile.corpus import Case

RUN = ("recipe", "run", "run-command", "-p", "commandContent=true", "--yes")
TWO = ("--group", "asg-hostile0001", "--group", "asg-hostile0002")


def group_list(name: str, content: str | bytes, expect: str, *extra: str) -> Case:
    return Case(f"fleet-list-{name}", (*RUN, "--groups-from", "{dir}/groups.txt", *extra), expect,
                files={"groups.txt": content})


def fleet(name: str, expect: str, *argv: str) -> Case:
    return Case(f"fleet-{name}", argv, expect)


CASES = [
    group_list("bad-id", "asg-ok0001\n$(rm -rf /)\n", "groups.txt:2:1: group id"),
    group_list("indented-bad-id", "asg-ok0001\n   asg-\u202eevil\n", "groups.txt:2:4: group id"),
    group_list("control-in-id", "asg-\x1b[2Jclear\n", "groups.txt:1:1: group id"),
    group_list("json-trailing-comma", '[\n  {"ScalingGroupId": "asg-a0001",}\n]', "groups.txt:2:"),
    group_list("json-object", '{"ScalingGroups": [{"ScalingGroupId": "asg-a0001"}]}', "expected a JSON list"),
    group_list("json-id-number", '[{"ScalingGroupId": 12}]', "item 0: ScalingGroupId"),
    group_list("json-region-traversal", '[{"ScalingGroupId": "asg-a0001", "RegionId": "../.."}]', "RegionId"),
    group_list("json-region-elsewhere", '[{"ScalingGroupId": "asg-a0001", "RegionId": "cn-shanghai"}]',
               "no --region names", "--region", "cn-hangzhou"),
    group_list("json-two-regions", '[{"ScalingGroupId": "asg-a0001", "RegionId": "cn-hangzhou"}, '
               '{"ScalingGroupId": "asg-a0001", "RegionId": "cn-shanghai"}]', "given in two regions"),
    group_list("json-deep", "[" * 100_000, "nested too deep"),
    group_list("json-huge-number", '[{"ScalingGroupId": "asg-a0001", "Size": 1e999}]', "groups.txt"),
    group_list("not-utf8", b"asg-a0001\n\xff\xfe\n", "not UTF-8"),
    group_list("empty", "# nothing here\n\n", "names no scaling group"),
    group_list("huge", "asg-a0001\n" * 500_000, "larger than 4 MiB"),
    group_list("too-many", "".join(f"asg-many{n:07d}\n" for n in range(5_001)), "at most 5000"),
    fleet("list-missing", "cannot read", *RUN, "--groups-from", "{dir}/nowhere.txt"),
    fleet("list-folder", "cannot read", *RUN, "--groups-from", "{dir}"),
    fleet("where-syntax", "--where", *RUN, "--all-groups", "--where", "starts_with("),
    fleet("where-without-all-groups", "--where", *RUN, *TWO, "--where", "MinSize > `0`"),
    fleet("all-groups-and-ids", "--all-groups", *RUN, *TWO, "--all-groups"),
    fleet("trigger-unknown", "--trigger", *RUN, *TWO, "--trigger", "some"),
    fleet("trigger-and-no-trigger", "--no-trigger", *RUN, *TWO, "--trigger", "all", "--no-trigger"),
    fleet("parallel-zero", "--parallel", *RUN, *TWO, "--parallel", "0"),
    fleet("parallel-huge", "--parallel", *RUN, *TWO, "--parallel", "100000"),
    fleet("rate-nan", "--rate", *RUN, *TWO, "--rate", "nan"),
    fleet("rate-inf", "--rate", *RUN, *TWO, "--rate", "inf"),
    fleet("rate-zero", "--rate", *RUN, *TWO, "--rate", "0"),
    fleet("dry-run", "--dry-run", *RUN, *TWO, "--dry-run"),
    fleet("record", "--record", "--record", "{dir}/tape.yaml", *RUN, *TWO),
    fleet("tape", "--tape", "--tape", "demo", *RUN, *TWO),
    fleet("regions-elsewhere", "--region", "--region", "cn-hangzhou", "--region", "cn-shanghai", "group", "list"),
    fleet("region-bad-second", "--region", *RUN, *TWO, "--region", "cn-hangzhou", "--region", "../.."),
    fleet("group-bad-second", "--group", *RUN, "--group", "asg-ok0001", "--group", "asg-$(x)"),
    fleet("teardown-where-syntax", "--where", "recipe", "teardown", "run-command", "--all-groups", "--where", "a[",
          "--yes"),
]
