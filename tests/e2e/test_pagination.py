"""All pages by default, or --max-items; OOS token paging with an exact template filter."""
import json


def _group_page(start, count, total):
    from alibabacloud_ess20220222 import models

    return models.DescribeScalingGroupsResponseBody(
        total_count=total, page_size=50, page_number=start // 50 + 1,
        scaling_groups=[models.DescribeScalingGroupsResponseBodyScalingGroups(scaling_group_id=f"asg-{i:03d}")
                        for i in range(start, start + count)]).to_map()


def test_all_pages_are_fetched(stub, cli):
    stub.on("DescribeScalingGroups", _group_page(0, 50, 120), _group_page(50, 50, 120), _group_page(100, 20, 120))
    result = cli("--endpoint", stub.url, "--region", "cn-hangzhou", "-o", "json", "group", "list")
    ids = [g["ScalingGroupId"] for g in json.loads(result.out)]
    assert ids == [f"asg-{i:03d}" for i in range(120)]
    assert [c.query["PageNumber"] for c in stub.calls("DescribeScalingGroups")] == ["1", "2", "3"]


def test_max_items_stops_early(stub, cli):
    stub.on("DescribeScalingGroups", _group_page(0, 5, 120))
    result = cli("--endpoint", stub.url, "--region", "cn-hangzhou", "-o", "json", "group", "list", "--max-items", "5")
    assert len(json.loads(result.out)) == 5
    [call] = stub.calls("DescribeScalingGroups")
    assert call.query["PageSize"] == "5"


def test_executions_follow_next_token_and_filter_the_template_exactly(stub, cli):
    from alibabacloud_oos20190601 import models

    def page(names, token):
        return models.ListExecutionsResponseBody(next_token=token, max_results=100, executions=[
            models.ListExecutionsResponseBodyExecutions(execution_id=f"exec-{n}-{i}", template_name=n)
            for i, n in enumerate(names)]).to_map()

    stub.on("ListExecutions", page(["ACS-ESS-LifeCycleRunCommand", "ACS-ESS-LifeCycleRunCommandV2"], "t2"),
            page(["ACS-ESS-LifeCycleRunCommand"], None))
    result = cli("--endpoint", stub.url, "--region", "cn-hangzhou", "-o", "json", "execution", "list",
                 "--template", "ACS-ESS-LifeCycleRunCommand", "--max-items", "0")
    assert [e["ExecutionId"] for e in json.loads(result.out)] == ["exec-ACS-ESS-LifeCycleRunCommand-0",
                                                                  "exec-ACS-ESS-LifeCycleRunCommand-0"]
    calls = stub.calls("ListExecutions")
    assert [c.query.get("NextToken") for c in calls] == [None, "t2"]
    assert calls[0].query["TemplateName"] == "ACS-ESS-LifeCycleRunCommand"
