"""The fleet's parts that need no cloud: the rate limiter's arithmetic on a fake clock, and reading group lists."""
import pytest

from essctl.cloud.ratelimit import MIN_RATE, RateLimiter
from essctl.errors import UsageError
from essctl.fleet.targets import Target, parse_group_list, regions_of

KEY = ("cn-hangzhou", "ess", "CreateLifecycleHook")


class Clock:
    def __init__(self):
        self.now = 0.0
        self.slept = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_a_burst_of_one_second_then_calls_are_spaced_at_the_rate():
    clock = Clock()
    limiter = RateLimiter(rate=4, clock=clock, sleep=clock.sleep)
    waits = [limiter.acquire(KEY) for _ in range(8)]
    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4:] == pytest.approx([0.25, 0.25, 0.25, 0.25])
    assert clock.now == pytest.approx(1.0)


def test_throttling_halves_the_rate_once_a_window_and_it_grows_back():
    clock = Clock()
    limiter = RateLimiter(rate=8, clock=clock, sleep=clock.sleep)
    rate = lambda: limiter.stats()["cn-hangzhou ess:CreateLifecycleHook"]["Rate"]  # noqa: E731
    limiter.throttled(KEY)
    limiter.throttled(KEY)       # refused with the first: the same congestion, one cut
    assert rate() == 4
    clock.now += 1.0             # a window later: grown back by 5% of 8, then cut again
    limiter.throttled(KEY)
    assert rate() == pytest.approx(2.2)
    assert limiter.acquire(KEY) == pytest.approx(1 / 2.2)     # no tokens saved after a cut: one call at the rate
    clock.now += 100
    limiter.acquire(KEY)
    assert rate() == 8
    assert limiter.stats()["cn-hangzhou ess:CreateLifecycleHook"]["Throttled"] == 3


def test_the_rate_never_falls_to_nothing_and_keys_are_apart():
    clock = Clock()
    limiter = RateLimiter(rate=2, clock=clock, sleep=clock.sleep)
    for _ in range(20):
        limiter.throttled(KEY)
        clock.now += 2.0         # a window apart each: every one a cut
    assert limiter.stats()["cn-hangzhou ess:CreateLifecycleHook"]["Rate"] == MIN_RATE
    assert limiter.acquire(("cn-shanghai", "ess", "CreateLifecycleHook")) == 0


def _valid(value):
    return value.startswith("asg-") and "$" not in value


def test_a_list_of_ids_skips_comments_and_keeps_the_first_of_each():
    text = "# prod\nasg-a\n\n  asg-b   # web\nasg-a\n"
    assert parse_group_list(text, "g.txt", _valid) == [Target(None, "asg-a"), Target(None, "asg-b")]


def test_group_list_json_carries_regions():
    text = '[{"ScalingGroupId": "asg-a", "RegionId": "cn-shanghai"}, "asg-b"]'
    targets = parse_group_list(text, "g.json", _valid)
    assert targets == [Target("cn-shanghai", "asg-a"), Target(None, "asg-b")]
    assert regions_of(targets, [], "cn-hangzhou") == ["cn-hangzhou", "cn-shanghai"]
    with pytest.raises(UsageError, match="which no --region names"):
        regions_of(targets, ["cn-beijing"], "cn-hangzhou")


@pytest.mark.parametrize("text, message", [
    ("asg-a\n  asg-$(x)\n", "g:2:3: group id"),
    ('[\n {"ScalingGroupId": 3}\n]', "item 0: ScalingGroupId"),
    ('[{"ScalingGroupId": "asg-a", "RegionId": "../x"}]', "RegionId: must be a region id"),
    ('{"ScalingGroups": []}', "expected a JSON list"),
    ("[1,", "g:1:4: not JSON"),
    ("# nothing\n\n", "names no scaling group"),
    ('[{"ScalingGroupId": "asg-a", "RegionId": "cn-a"}, {"ScalingGroupId": "asg-a", "RegionId": "cn-b"}]',
     "given in two regions"),
    ("[" * 100_000, "nested too deep"),
])
def test_bad_lists_are_usage_errors_naming_where(text, message):
    with pytest.raises(UsageError, match=message.replace("$", r"\$").replace("(", r"\(").replace(")", r"\)")):
        parse_group_list(text, "g", _valid)


def test_ids_go_twenty_a_call_in_order():
    from essctl.cloud.paging import by_ids

    calls = []

    def fetch(chunk):
        calls.append(chunk)
        return [value.upper() for value in chunk if value != "asg-gone"]

    ids = [f"asg-{n}" for n in range(45)] + ["asg-gone"]
    assert by_ids(ids, 20, fetch) == [value.upper() for value in ids[:-1]]
    assert [len(chunk) for chunk in calls] == [20, 20, 6]
    assert by_ids([], 20, fetch) == [] and len(calls) == 3
