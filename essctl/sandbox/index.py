"""Tables of the world's records by id that keep their own indexes, so a handler reads what one group, one rule
ARI, one activity or one execution tag holds without scanning the world.

An index is by fields a record never changes once it is in its table (its group, its ARI, its activity, its
tags): every insert and delete goes through the table, the one place the indexes are maintained. A bucket keeps
the order of the table, so what a handler finds through it is what a full scan would find, in the same order."""
from __future__ import annotations

from typing import Any, Callable, Hashable, Iterable

Keys = Callable[[dict], Iterable[Hashable]]
_MISSING = object()


class Table(dict):
    """A dict of records by id, indexed by `keys` (index name -> the record's keys in that index)."""

    def __init__(self, records: dict | None = None, **keys: Keys):
        super().__init__()
        self._keys = keys
        self._buckets: dict[str, dict[Hashable, dict[str, None]]] = {name: {} for name in keys}
        for record_id, record in (records or {}).items():
            self[record_id] = record

    def find(self, index: str, key: Hashable) -> list[dict]:
        """The records whose `index` holds `key`, in the table's order."""
        return [self[record_id] for record_id in self._buckets[index].get(key, ())]

    def __setitem__(self, record_id: str, record: dict) -> None:
        old = self.get(record_id, _MISSING)
        if old is not _MISSING:
            if all(list(keys(old)) == list(keys(record)) for keys in self._keys.values()):
                super().__setitem__(record_id, record)
                return
            self._unindex(record_id, old)
            super().__setitem__(record_id, record)
            self._rebuild()      # rare: a record replaced under new keys keeps its place in the table's order
            return
        super().__setitem__(record_id, record)
        for name, keys in self._keys.items():
            for key in keys(record):
                self._buckets[name].setdefault(key, {})[record_id] = None

    def __delitem__(self, record_id: str) -> None:
        record = self[record_id]
        super().__delitem__(record_id)
        self._unindex(record_id, record)

    def pop(self, record_id: str, *default: Any) -> Any:
        if record_id not in self:
            if default:
                return default[0]
            raise KeyError(record_id)
        record = self[record_id]
        del self[record_id]
        return record

    def popitem(self) -> tuple[str, dict]:
        record_id = next(reversed(self))
        return record_id, self.pop(record_id)

    def setdefault(self, record_id: str, default: Any = None) -> Any:
        if record_id not in self:
            self[record_id] = default
        return self[record_id]

    def update(self, *others: Any, **more: Any) -> None:
        for other in (*others, more):
            for record_id, record in (other.items() if hasattr(other, "items") else other):
                self[record_id] = record

    def clear(self) -> None:
        super().clear()
        self._buckets = {name: {} for name in self._keys}

    def _unindex(self, record_id: str, record: dict) -> None:
        for name, keys in self._keys.items():
            for key in keys(record):
                bucket = self._buckets[name].get(key)
                if bucket is not None:
                    bucket.pop(record_id, None)
                    if not bucket:
                        del self._buckets[name][key]

    def _rebuild(self) -> None:
        self._buckets = {name: {} for name in self._keys}
        for record_id, record in self.items():
            for name, keys in self._keys.items():
                for key in keys(record):
                    self._buckets[name].setdefault(key, {})[record_id] = None


def _hashable_tags(record: dict) -> list[Hashable]:
    return [(key, value) for key, value in record.get("Tags", {}).items()
            if isinstance(value, (str, int, float, bool))]


def index_world(ess_state: dict, oos_state: dict) -> None:
    """Make the world's hot tables indexed Tables (a fresh world, or one loaded from a state file)."""
    def by(field: str) -> Keys:
        return lambda record: (record[field],)

    ess_state["instances"] = Table(ess_state["instances"], group=by("ScalingGroupId"))
    ess_state["activities"] = Table(ess_state["activities"], group=by("ScalingGroupId"))
    ess_state["rules"] = Table(ess_state["rules"], ari=by("ScalingRuleAri"))
    ess_state["hooks"] = Table(ess_state["hooks"], group=by("ScalingGroupId"))
    ess_state["actions"] = Table(ess_state["actions"], activity=by("ScalingActivityId"))
    oos_state["executions"] = Table(oos_state["executions"], tag=_hashable_tags)
