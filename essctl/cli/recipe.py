"""recipe list | show | validate | init: the recipe files, read and checked locally (no cloud call, except init
reading a template from OOS)."""
from pathlib import Path
from typing import Annotated, Optional

import typer

from essctl.cli import recipe_actions
from essctl.cli.options import Invocation, cloud_command

recipe_app = typer.Typer(no_args_is_help=True)

RecipeName = Annotated[str, typer.Argument(metavar="NAME|FILE", help="A built-in recipe name or a recipe file.")]


@recipe_app.command("list")
@cloud_command
def recipe_list(run: Invocation) -> None:
    """The built-in recipes: name, title, template, hook transitions, policy kind."""
    from essctl.core.recipe_report import summary
    from essctl.core.recipes import builtin_recipe_paths, load_recipe
    from essctl.render import emit, views

    emit(run.env, [summary(load_recipe(path)) for path in builtin_recipe_paths().values()], views.RECIPES)


@recipe_app.command("show")
@cloud_command
def recipe_show(run: Invocation, recipe: RecipeName) -> None:
    """A recipe's inputs, the steps it takes in order, and the policy it grants."""
    from essctl.core.recipe_report import describe
    from essctl.core.recipes import find_recipe
    from essctl.render import emit, views

    emit(run.env, describe(find_recipe(recipe)), views.recipe_view)


@recipe_app.command("validate")
@cloud_command
def recipe_validate(
    run: Invocation, recipe: RecipeName,
    template_file: Annotated[Optional[Path], typer.Option(
        "--template-file", metavar="FILE", help="Also check the parameters against this template file.")] = None,
    template_dir: Annotated[Optional[Path], typer.Option(
        "--template-dir", metavar="DIR", help="Also check the parameters against DIR/TEMPLATE.yml.")] = None,
) -> None:
    """Check a recipe file (and its parameters against templates): 'ok: FILE', or one error line and exit 2."""
    from essctl.core.recipe_report import templates_for_validation
    from essctl.core.recipes import check_against_template, find_recipe

    loaded = find_recipe(recipe)
    templates = templates_for_validation(loaded, template_file, template_dir)
    for index, template in sorted(templates.items()):
        check_against_template(loaded, loaded.stages[index], template)
    checked = sorted({template.name for template in templates.values()})
    run.env.stdout.write(f"ok: {loaded.path}" + (f" (parameters checked against {', '.join(checked)})"
                                                 if checked else "") + "\n")


@recipe_app.command("init")
@cloud_command
def recipe_init(
    run: Invocation,
    template: Annotated[Optional[str], typer.Option(
        "--template", metavar="NAME", help="The OOS template (read with GetTemplate unless --template-file).")] = None,
    template_file: Annotated[Optional[Path], typer.Option(
        "--template-file", metavar="FILE", help="Read the template from this file instead of OOS.")] = None,
    output_file: Annotated[Optional[Path], typer.Option(
        "--output-file", metavar="FILE", help="Write the recipe here (default: stdout).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing --output-file.")] = False,
) -> None:
    """Write a commented recipe skeleton for a lifecycle template."""
    import dataclasses

    from essctl.core.recipe_report import skeleton
    from essctl.errors import UsageError

    if template is None and template_file is None:
        raise UsageError("give --template NAME (and --template-file FILE to read it from a file)")
    if output_file is not None and output_file.exists() and not force:
        raise UsageError(f"--output-file: {output_file} exists (add --force to overwrite it)")
    if template_file is not None:
        from essctl.core.templates import load_template_file

        loaded = load_template_file(template_file)
        if template is not None:
            loaded = dataclasses.replace(loaded, name=template)
    else:
        from essctl.core.templates import load_template_from_oos

        loaded = load_template_from_oos(run.session(), template)
    text = skeleton(loaded)
    if output_file is None:
        run.env.stdout.write(text)
        return
    try:
        output_file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--output-file: cannot write {output_file}: {exc.strerror}") from exc
    run.env.log(f"wrote {output_file}; check it with: essctl recipe validate {output_file}"
                + (f" --template-file {template_file}" if template_file else ""))

recipe_actions.register(recipe_app)   # plan, run, teardown: the commands that call the cloud
