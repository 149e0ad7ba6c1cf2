"""Builds SDK clients: endpoint rules, timeouts, retries (sdk-internals.md §3-§4)."""
from __future__ import annotations

import importlib
import os
from typing import Any, Callable

from essctl import __version__
from essctl.cloud.lazy import plain_http
from essctl.cloud.services import ServiceSpec
from essctl.cloud.settings import split_endpoint
from essctl.errors import UsageError

CONNECT_TIMEOUT_MS = 5_000
READ_TIMEOUT_MS = 15_000
MAX_ATTEMPTS = 4                 # counting the first
BACKOFF_PERIOD_MS = 500          # exponential with equal jitter: ~0.5 s, 1 s, 2 s ...
BACKOFF_CAP_MS = 10_000
MAX_RETRY_AFTER_MS = 30_000      # the most we wait when the server asks for it (x-acs-retry-after)
_PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy")
_LOOPBACK_HOSTS = ("127.", "localhost", "[::1]")


class ThrottlingCodes:
    """Every throttling error code (Throttling, Throttling.User, Throttling.Api, Rejected.Throttling, ...).

    The SDK's retry policy only asks `code in condition.error_code`, so a container answers for the family.
    """

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and "Throttling" in code


RetryObserver = Callable[[int, Any, float], None]     # (the attempt about to be made, the error, seconds to wait)


def _observe_backoff() -> None:
    """Let a client's retry options hear of each retry. The SDK's retry loop (tea-openapi's do_rpc_request) asks
    DaraCore.get_backoff_time how long to wait before each further attempt, with the error that caused it; the
    wrapper returns the same wait and tells the options' `observer`, which only options essctl built carry."""
    from darabonba.core import DaraCore

    original = DaraCore.get_backoff_time
    if getattr(original, "essctl_observed", False):
        return

    def get_backoff_time(options: Any, ctx: Any) -> int:
        wait_ms = original(options, ctx)
        observer = getattr(options, "observer", None)
        if observer is not None:
            observer(int(ctx.retries_attempted) + 1, ctx.exception, wait_ms / 1000)
        return wait_ms

    get_backoff_time.essctl_observed = True     # type: ignore[attr-defined]
    DaraCore.get_backoff_time = staticmethod(get_backoff_time)


def retry_options(observer: RetryObserver | None = None) -> Any:
    """Retry throttling (honouring x-acs-retry-after) and 5xx with backoff; never another 4xx or a network error.
    `observer` hears of each retry (the -v log)."""
    from darabonba.policy.retry import RetryCondition, RetryOptions

    condition = RetryCondition({
        "maxAttempts": MAX_ATTEMPTS,
        "exception": ["ThrottlingException", "ServerException"],
        "errorCode": ThrottlingCodes(),
        "backoff": {"policy": "ExponentialWithEqualJitter", "period": BACKOFF_PERIOD_MS, "cap": BACKOFF_CAP_MS},
        "maxDelay": MAX_RETRY_AFTER_MS,
    })
    options = RetryOptions({"retryable": True, "retryCondition": [condition], "noRetryCondition": []})
    if observer is not None:
        _observe_backoff()
        options.observer = observer
    return options


def no_retry_options() -> Any:
    """One attempt, whatever the answer: `DaraCore.should_retry` returns False for any retry once `retryable` is
    False. For the calls in facts/idempotence.py, which the gateways check and resend themselves."""
    from darabonba.policy.retry import RetryOptions

    return RetryOptions({"retryable": False})


def build_client(spec: ServiceSpec, *, region: str, credential: Any = None, endpoint: str | None = None,
                 retries: bool = True, on_retry: RetryObserver | None = None) -> Any:
    """An SDK client for one service. `credential` may be None only when `call_api` is replaced (tape replay).
    With `retries=False` it sends every call once: tea-openapi reads the retry options from the client's Config
    only (its `do_request` ignores `RuntimeOptions.retry_options`), so a call that must not be retried goes
    through a second client built this way."""
    try:
        client_module = importlib.import_module(f"{spec.package}.client")
    except ImportError as exc:
        raise UsageError(f"{spec.name}: the SDK is not installed: pip install {spec.distribution}") from exc
    from alibabacloud_tea_openapi import models as open_api_models

    config = open_api_models.Config(
        credential=credential,
        region_id=region,
        connect_timeout=CONNECT_TIMEOUT_MS,
        read_timeout=READ_TIMEOUT_MS,
        user_agent=f"essctl/{__version__}",
        retry_options=retry_options(on_retry) if retries else no_retry_options(),
    )
    if not endpoint and spec.global_endpoint:
        config.endpoint = spec.global_endpoint
    elif endpoint:
        protocol, host = split_endpoint(endpoint)
        # A bare host:port keeps the signed `host` header right (sdk-internals.md §3).
        config.endpoint, config.protocol = host, protocol
        if protocol == "http":
            plain_http()
        if protocol == "http" and host.startswith(_LOOPBACK_HOSTS):
            # The SDK hands HTTP_PROXY to requests explicitly, ignoring NO_PROXY: a loopback
            # endpoint (a sandbox or a test server) must not go through a proxy.
            for name in _PROXY_VARIABLES:
                os.environ.pop(name, None)
    return client_module.Client(config)
