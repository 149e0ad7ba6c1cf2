"""The check every recorded or served response body passes: the SDK's own response model reads it and writes
back exactly the same JSON (no unknown field dropped, no list field missing)."""
import importlib

from essctl.cloud.services import SERVICES


def round_trip_problem(service: str, action: str, body: dict) -> str | None:
    """None when `body` round-trips through <Action>ResponseBody; else what differs."""
    models = importlib.import_module(f"{SERVICES[service].package}.models")
    try:
        again = getattr(models, f"{action}ResponseBody")().from_map(body).to_map()
    except (AttributeError, TypeError, KeyError) as exc:   # the SDK's client swallows these: resp.body is None
        return f"{service}:{action}: the model cannot read the body: {type(exc).__name__}: {exc}"
    if again == body:
        return None
    keys = sorted(k for k in set(body) | set(again) if body.get(k) != again.get(k))
    return f"{service}:{action}: unknown or missing fields under {keys}"
