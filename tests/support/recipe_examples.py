"""The inputs a recipe dry-run uses when the user gives none: the ones its tape was recorded with."""
from __future__ import annotations

import json


def example_arguments(recipe) -> list[str]:
    """-p NAME=EXAMPLE for each required input: what a dry-run uses when the user gives none."""
    args = []
    for item in recipe.inputs:
        if item.required and item.example is not None:
            value = item.example if isinstance(item.example, str) else json.dumps(item.example)
            args += ["-p", f"{item.name}={value}"]
    return args
