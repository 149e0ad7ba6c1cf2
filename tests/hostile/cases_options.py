"""Bad options and environment variables."""
from tests.hostile.corpus import Case

PLAN = ("recipe", "plan", "run-command", "--group", "asg-hostile0001", "-p", "commandContent=true")
DRY_RUN = ("recipe", "run", "run-command", "--dry-run", "--yes")


def region(name: str, value: str, expect: str = "--region") -> Case:
    return Case(f"region-{name}", ("--region", value, "group", "list"), expect)


def region_env(name: str, value: str) -> Case:
    return Case(f"region-env-{name}", ("group", "list"), "ALIBABA_CLOUD_REGION_ID",
                env={"ALIBABA_CLOUD_REGION_ID": value})


def option(name: str, expect: str, *argv: str) -> Case:
    return Case(f"option-{name}", argv, expect)


CASES = [
    Case("output-format-unknown", ("--output", "xml", "group", "list"), "--output"),
    Case("endpoint-unknown-service", ("--endpoint", "rma=http://127.0.0.1:1", "group", "list"), "no service 'rma'"),
    region("digits", "123"),
    region("traversal", "../.."),
    region("query-injection", "cn-hangzhou&RegionId=evil"),
    region("empty", ""),
    region("upper-case", "CN-HANGZHOU"),
    region("host-injection", "cn-hangzhou.evil.example/x"),
    region("long", "cn-" + "a" * 100_000),
    region("control", "cn-hangzhou\x1b[2J"),
    region("after-command", "../..", "--region"),
    region_env("digits", "123"),
    region_env("traversal", "../.."),
    region_env("query-injection", "cn-hangzhou&RegionId=evil"),
    region_env("spaces", "cn hangzhou"),
    Case("region-env-in-process", ("group", "list"), "ALIBABA_CLOUD_REGION_ID",
         env={"ALIBABA_CLOUD_REGION_ID": "cn-hangzhou?x=1"}, process=True),
    option("adjustment-huge", "--adjustment", *PLAN, "--adjustment", "100000000000000000000"),
    option("adjustment-over-ess-limit", "--adjustment", *PLAN, "--adjustment", "1001"),
    option("adjustment-under-ess-limit", "--adjustment", *PLAN, "--adjustment", "-5000"),
    option("adjustment-dry-run", "--adjustment", *DRY_RUN, "--adjustment", "99999999999"),
    option("adjustment-teardown", "--adjustment", "recipe", "teardown", "run-command", "--group", "asg-hostile0001",
           "--adjustment", "1000000"),
    option("poll-interval-inf", "--poll-interval", *DRY_RUN, "--poll-interval", "inf"),
    option("poll-interval-nan", "--poll-interval", *DRY_RUN, "--poll-interval", "nan"),
    option("poll-interval-huge", "--poll-interval", *DRY_RUN, "--poll-interval", "1e300"),
    option("watch-poll-interval-inf", "--poll-interval", "activity", "watch", "asa-hostile", "--poll-interval",
           "inf"),
    option("watch-poll-interval-nan", "--poll-interval", "execution", "watch", "exec-hostile", "--poll-interval",
           "nan"),
    option("timeout-nan", "--timeout", *DRY_RUN, "--timeout", "nan"),
    option("timeout-inf", "--timeout", "activity", "watch", "asa-hostile", "--timeout", "inf"),
    option("timeout-overflow", "--timeout", "execution", "watch", "exec-hostile", "--timeout", "1e999"),
    option("hook-timeout-huge", "--hook-timeout", *PLAN, "--hook-timeout", "9" * 30),
    option("hook-update-timeout-huge", "--timeout", "hook", "update", "ash-hostile", "--timeout", "9" * 30),
    option("default-result-long", "--default-result", "hook", "update", "ash-hostile", "--default-result",
           "C" * 100_000),
    option("rule-long", "--rule", *PLAN, "--rule", "r" * 100_000),
    option("policy-variant-long", "--policy-variant", *PLAN, "--policy-variant", "v" * 100_000),
    option("endpoint-bad-ipv6", "--endpoint", "--endpoint", "http://[::1", "group", "list"),
    option("endpoint-bad-port", "--endpoint", "--endpoint", "http://127.0.0.1:99999", "group", "list"),
    option("endpoint-space-in-host", "--endpoint", "--endpoint", "http://127.0.0.1 :80", "group", "list"),
    option("endpoint-control", "--endpoint", "--endpoint", "http://127.0.0.1:1\r\nX-Evil: 1", "group", "list"),
    option("endpoint-long", "--endpoint", "--endpoint", "http://" + "h" * 100_000, "group", "list"),
    Case("endpoint-env-bad-ipv6", ("group", "list"), "ESSCTL_ENDPOINT", env={"ESSCTL_ENDPOINT": "http://[::1"}),
    Case("endpoint-env-bad-port", ("group", "list"), "ESSCTL_ENDPOINT",
         env={"ESSCTL_ENDPOINT": "http://127.0.0.1:0"}),
    Case("endpoint-env-garbage", ("group", "list"), "ESSCTL_ENDPOINT", env={"ESSCTL_ENDPOINT": "ftp://x,,y=z"}),
    Case("access-key-id-newline", ("group", "list"), "ALIBABA_CLOUD_ACCESS_KEY_ID",
         env={"ALIBABA_CLOUD_ACCESS_KEY_ID": "test-key-id\r\nX-Injected: 1"}, process=True),
    Case("access-key-secret-control", ("group", "list"), "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
         env={"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "secret\x1b[2J"}, process=True),
    Case("security-token-newline", ("group", "list"), "ALIBABA_CLOUD_SECURITY_TOKEN",
         env={"ALIBABA_CLOUD_SECURITY_TOKEN": "token\nX: y"}, process=True),
    Case("profile-env-long", ("group", "list"), "ALIBABA_CLOUD_PROFILE",
         env={"ALIBABA_CLOUD_PROFILE": "p" * 100_000, "ALIBABA_CLOUD_REGION_ID": ""}, process=True),
    Case("credentials-file-env-directory", ("--profile", "p", "group", "list"), "credentials",
         env={"ALIBABA_CLOUD_CREDENTIALS_FILE": "{dir}"}, process=True),
    Case("profile-env-control", ("group", "list"), "ALIBABA_CLOUD_PROFILE",
         env={"ALIBABA_CLOUD_PROFILE": "p\x1b]0;x\x07", "ALIBABA_CLOUD_REGION_ID": ""}, process=True),
    option("output-file-name-too-long", "--output-file", "recipe", "init", "--template-file", "{dir}/T.yml",
           "--output-file", "n" * 5000),
    option("template-dir-name-too-long", "--template-dir", "recipe", "validate", "run-command", "--template-dir",
           "n" * 5000),
    option("template-file-missing", "--template-file", "recipe", "validate", "run-command", "--template-file",
           "{dir}/nowhere.yml"),
    option("recipe-name-too-long", "not a built-in recipe", "recipe", "show", "n" * 5000),
    option("query-invalid-before-any-call", "--query", "group", "list", "--query", "[?"),
    option("query-unclosed-literal", "--query", "hook", "list", "--group", "asg-hostile0001", "--query", "`x"),
    option("query-nested-deep", "--query", "recipe", "list", "--query", "(" * 5000 + "a" + ")" * 5000),
    option("max-items-huge", "--max-items", "group", "list", "--max-items", "9" * 30),
    option("profile-long", "--profile", "--profile", "p" * 100_000, "group", "list"),
    option("profile-control", "--profile", "--profile", "p\x1b[2J", "group", "list"),
    option("group-control", "--group", "hook", "list", "--group", "asg-\x1b[2J"),
    option("group-long", "--group", "hook", "list", "--group", "asg-" + "x" * 100_000),
    option("group-query", "--group", *PLAN[:3], "--group", "asg-x&RegionId=evil", "-p", "commandContent=x"),
]
