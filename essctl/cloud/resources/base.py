"""The typed-object base: one declaration per field says which API field it is read from and written to."""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import re
from typing import Any, Callable, ClassVar, Mapping, TypeVar

T = TypeVar("T", bound="ApiObject")


def api(name: str, *, convert: Callable[[Any], Any] | None = None, default: Any = None) -> Any:
    """A field read from the API field `name` (through `convert` when the API's shape differs)."""
    return dataclasses.field(default=default, metadata={"api": name, "convert": convert})


def raw_field() -> Any:
    return dataclasses.field(default_factory=dict, repr=False, compare=False)


@dataclasses.dataclass(frozen=True)
class ApiObject:
    """A resource as an API describes it. `raw` is the API's own map (empty when essctl built the object)."""

    raw: Mapping[str, Any] = raw_field()
    _api_fields: ClassVar[dict[str, tuple[str, Any, Any]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._api_fields = {}

    @classmethod
    def _fields(cls) -> dict[str, tuple[str, Any, Any]]:
        if not cls._api_fields:
            cls._api_fields = {f.name: (f.metadata["api"], f.metadata["convert"], f.default)
                               for f in dataclasses.fields(cls) if "api" in f.metadata}
        return cls._api_fields

    @classmethod
    def from_api(cls: type[T], data: Mapping[str, Any]) -> T:
        """Read an API map (the SDK model's to_map())."""
        values = {}
        for attribute, (name, convert, default) in cls._fields().items():
            value = data.get(name)
            values[attribute] = convert(value) if convert is not None else default if value is None else value
        return cls(raw=dict(data), **values)

    @classmethod
    def api_name(cls, attribute: str) -> str:
        """The API's name of an attribute (heartbeat_timeout -> HeartbeatTimeout)."""
        return cls._fields()[attribute][0]

    def to_api(self) -> dict[str, Any]:
        """The API's map of this object: what the API gave, else the fields essctl set."""
        if self.raw:
            return dict(self.raw)
        return {name: _plain(getattr(self, attribute)) for attribute, (name, _, _) in self._fields().items()
                if getattr(self, attribute) is not None}


def _plain(value: Any) -> Any:
    if isinstance(value, ApiObject):
        return value.to_api()
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


# --- converters ------------------------------------------------------------------------------------------------

def as_int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def as_tuple(value: Any) -> tuple:
    return tuple(value or ())


def as_mapping(value: Any) -> dict[str, Any]:
    """A map the API may give as JSON text (OOS Parameters, Outputs)."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def json_or_text(value: Any) -> Any:
    """JSON text as its value; other text as it is; empty as None."""
    if isinstance(value, str):
        try:
            return json.loads(value) if value.strip() else None
        except ValueError:
            return value
    return value


_MINUTES = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(\+00:00)?")


def parse_time(value: Any) -> _dt.datetime | None:
    """An API timestamp (OOS 2019-05-16T10:26:14Z or with milliseconds; ESS 2014-08-17T16:52Z) in UTC."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if _MINUTES.fullmatch(text):
        text = text.replace("+00:00", "") + ":00+00:00"
    try:
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.timezone.utc)
