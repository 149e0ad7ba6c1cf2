"""The RAM system policies essctl knows (essctl/data/system_policies.yaml): name -> a document of what it allows."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=1)
def system_policy_documents() -> dict[str, dict[str, Any]]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    table = yaml.load((resources.files("essctl") / "data" / "system_policies.yaml").read_text(encoding="utf-8"),
                      Loader=loader)
    return {name: {"Version": "1", "Statement": [{"Effect": "Allow", "Action": entry["actions"], "Resource": "*"}]}
            for name, entry in table.items()}
