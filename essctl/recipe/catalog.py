"""Where recipes are found: the built-ins shipped with essctl, or a file the user names."""
from __future__ import annotations

import difflib
from pathlib import Path

from essctl.errors import clip
from essctl.recipe.load import load_recipe
from essctl.recipe.model import Recipe, RecipeError
from essctl.yamldoc import listing, shown_path


def builtin_recipes_dir() -> Path:
    """essctl/recipes in an installed wheel; the repo's recipes/ in a checkout (see pyproject force-include)."""
    package = Path(__file__).resolve().parent.parent
    shipped = package / "recipes"
    return shipped if shipped.is_dir() else package.parent / "recipes"


def builtin_recipe_paths() -> dict[str, Path]:
    """Built-in recipe name (the file name without .yaml) -> path."""
    directory = builtin_recipes_dir()
    return {path.stem: path for path in sorted(directory.glob("*.yaml"))} if directory.is_dir() else {}


def builtin_recipes() -> list[Recipe]:
    """Every built-in recipe, by name."""
    return [load_recipe(path) for path in builtin_recipe_paths().values()]


def find_recipe(name_or_path: str) -> Recipe:
    """A built-in recipe by name, or a recipe file."""
    builtins = builtin_recipe_paths()
    if name_or_path in builtins:
        return load_recipe(builtins[name_or_path])
    path = Path(name_or_path)
    try:
        is_file, exists = path.is_file(), path.exists()
    except (OSError, ValueError):     # a name too long for a file name, or holding a NUL
        is_file = exists = False
    if exists or "/" in name_or_path or path.suffix in (".yaml", ".yml"):
        if not is_file:
            raise RecipeError(f"{shown_path(name_or_path)}: no such recipe file")
        return load_recipe(path)
    close = difflib.get_close_matches(name_or_path, list(builtins), n=1)
    raise RecipeError(f"{clip(name_or_path)}: not a built-in recipe or a file"
                      + (f" (did you mean {close[0]}?)" if close else "")
                      + f"; built-ins: {listing(builtins)}")


def recipe_reference(recipe: Recipe) -> str:
    """How to name the recipe on a command line: a built-in's name, else its file."""
    builtin = builtin_recipe_paths().get(recipe.name)
    if recipe.path is None or (builtin is not None and builtin.resolve() == recipe.path.resolve()):
        return recipe.name
    return str(recipe.path)
