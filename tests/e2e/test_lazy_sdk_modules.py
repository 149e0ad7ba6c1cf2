"""What the SDKs import for their asynchronous side (aiohttp, asyncio, aiofiles, APScheduler) stays unloaded while
essctl's calls go through the real SDK clients (essctl/cloud/lazy.py), and loads, unchanged, when used."""
import json
import subprocess
import sys

from tests.support.cli import REPO, clean_env, run_essctl
from tests.support.fake_credentials import FAKE_KEY_ID, FAKE_KEY_SECRET, FAKE_STS_TOKEN

DEFERRED = ("aiohttp", "asyncio", "aiofiles", "apscheduler", "yarl", "multidict")

# Three commands, one per service, through the CLI in one process; then what was imported, and how many TLS
# contexts were built (the endpoint is http://); then one asynchronous call through the real SDK.
CHILD = r"""
import json, ssl, sys
contexts = []
create = ssl.create_default_context
ssl.create_default_context = lambda *a, **k: contexts.append(1) or create(*a, **k)
from essctl.cli.app import run
endpoint = sys.argv[1]
codes = [run(["--endpoint", endpoint, "--region", "cn-hangzhou", "-o", "json", *args])
         for args in (["group", "list"], ["execution", "list"], ["role", "show", "OOSServiceRole"])]
from essctl.cloud import lazy
report = {"codes": codes, "contexts": len(contexts),
          "loaded": sorted(m for m in sys.modules if m.split(".")[0] in %(deferred)r and lazy.loaded(m))}
import asyncio
from alibabacloud_ess20220222 import models
from essctl.cloud.credentials import resolve_credential
from essctl.cloud.factory import build_client
from essctl.cloud.services import SERVICES
client = build_client(SERVICES["ess"], region="cn-hangzhou", credential=resolve_credential(None).client,
                      endpoint=endpoint)
answer = asyncio.run(client.describe_scaling_groups_async(models.DescribeScalingGroupsRequest(region_id="cn-hangzhou")))
import aiohttp
report["async_groups"] = len(answer.body.scaling_groups)
report["aiohttp_loaded"] = lazy.loaded("aiohttp") and type(sys.modules["aiohttp"]).__name__ == "module"
print(json.dumps(report))
""" % {"deferred": DEFERRED}


def imported(stderr: str) -> list[str]:
    return [line.split("|")[-1].strip() for line in stderr.splitlines() if line.startswith("import time:")]


def test_a_replay_loads_no_async_module(tmp_path):
    result = run_essctl("--tape", "demo", "group", "list", env=clean_env(tmp_path), python_flags=("-X", "importtime"))
    assert result.code == 0 and "asg-" in result.out
    modules = imported(result.err)
    assert "alibabacloud_tea_openapi.client" in modules    # the SDK did load
    assert [m for m in modules if m.split(".")[0] in DEFERRED] == []


def test_a_dry_run_loads_no_async_module(tmp_path):
    result = run_essctl("recipe", "run", "run-command", "--dry-run", "-o", "json", env=clean_env(tmp_path),
                        python_flags=("-X", "importtime"))
    assert result.code == 0
    assert [m for m in imported(result.err) if m.split(".")[0] in DEFERRED] == []


def test_calls_to_a_sandbox_load_no_async_module_and_build_no_tls_context(sandbox, tmp_path):
    env = clean_env(tmp_path, ALIBABA_CLOUD_ACCESS_KEY_ID=FAKE_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET=FAKE_KEY_SECRET,
                    ALIBABA_CLOUD_SECURITY_TOKEN=FAKE_STS_TOKEN)
    proc = subprocess.run([sys.executable, "-c", CHILD, sandbox.endpoint], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["codes"] == [0, 0, 0]
    assert report["loaded"] == []
    assert report["contexts"] == 0
    # The SDK's asynchronous side still works: its first use imports the real aiohttp.
    assert report["async_groups"] == 1 and report["aiohttp_loaded"] is True


def test_a_submodule_imported_by_name_is_the_packages_own(tmp_path):
    code = ("import essctl.cloud, sys; import aiohttp.client, aiohttp.web; import asyncio.subprocess; "
            "from darabonba.response import ClientResponse; "
            "print(aiohttp.client.ClientSession is aiohttp.ClientSession, aiohttp.web.Application.__module__, "
            "sys.modules['aiohttp.client'].__spec__.loader.__class__.__name__, "
            "issubclass(aiohttp.ClientResponse, ClientResponse), asyncio.subprocess.Process.__module__)")
    proc = subprocess.run([sys.executable, "-c", code], env=clean_env(tmp_path), cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["True", "aiohttp.web_app", "SourceFileLoader", "True", "asyncio.subprocess"]


def test_a_models_package_loads_each_class_when_first_used(tmp_path):
    code = r"""
import sys, essctl.cloud
from alibabacloud_ess20220222 import models
def loaded():
    return sorted(m for m in sys.modules if m.startswith("alibabacloud_ess20220222.models."))
before = loaded()
request = models.DescribeScalingGroupsRequest
from alibabacloud_ess20220222.models import CreateLifecycleHookRequest
after = loaded()
missing = not hasattr(models, "NoSuchModel")
everything = len(models.__all__)
same = request is models.DescribeScalingGroupsRequest and CreateLifecycleHookRequest.__name__ in dir(models)
from alibabacloud_tea_openapi import models as openapi
print(before, after, missing, everything, same, type(openapi.__spec__.loader).__name__, len(loaded()) > 300)
"""
    proc = subprocess.run([sys.executable, "-c", code], env=clean_env(tmp_path), cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == [
        "[]", "['alibabacloud_ess20220222.models._create_lifecycle_hook_request',",
        "'alibabacloud_ess20220222.models._describe_scaling_groups_request']",
        # an unknown name runs the package's own __init__.py: then it holds all it lists
        "True", "601", "True",
        "SourceFileLoader",   # a package written another way loads as usual
        "True"]
