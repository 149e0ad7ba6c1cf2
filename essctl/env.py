"""The terminal as essctl sees it: streams, TTY, colour, output format, verbosity (httpie's Environment).

Passed down from the CLI to rendering; the core never sees it.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO


@dataclass
class Environment:
    output: str | None = None        # explicit --output; None = table on a TTY, json otherwise
    query: str | None = None         # JMESPath applied to the json form
    color: bool = True
    verbose: bool = False
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    _consoles: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        from essctl.render.safe import ShownStream

        if not isinstance(self.stderr, ShownStream):   # stderr carries free-form lines only: each shows itself
            self.stderr = ShownStream(self.stderr)

    @classmethod
    def from_options(cls, *, output: str | None, query: str | None, no_color: bool, verbose: bool) -> "Environment":
        color = not no_color and not os.environ.get("NO_COLOR")     # no-color.org: set and not empty
        return cls(output=output, query=query, color=color, verbose=verbose)

    @property
    def stdout_isatty(self) -> bool:
        return bool(getattr(self.stdout, "isatty", lambda: False)())

    @property
    def stdout_colour(self) -> bool:
        """Colour on stdout: asked for (no --no-color, no NO_COLOR), a terminal, and one that can show it."""
        return self.color and self.stdout_isatty and os.environ.get("TERM") != "dumb"

    @property
    def stdout_width(self) -> int | None:
        """The terminal's width in columns; None off a terminal (a file or a pipe takes lines of any length)."""
        return self.console().width if self.stdout_isatty else None

    @property
    def output_format(self) -> str:
        return self.output or ("table" if self.stdout_isatty else "json")

    def console(self, stream: str = "stdout") -> Any:
        """A rich Console on stdout or stderr that shows data as text (rich is imported only when something is
        drawn)."""
        if stream not in self._consoles:
            from essctl.render.console import ShownConsole

            file = self.stdout if stream == "stdout" else getattr(self.stderr, "raw", self.stderr)
            tty = bool(getattr(file, "isatty", lambda: False)())
            self._consoles[stream] = ShownConsole(
                file=file, no_color=not self.color, highlight=False, soft_wrap=False, markup=False, emoji=False,
                force_terminal=tty and self.color and os.environ.get("TERM") != "dumb", width=None if tty else 200,
            )
        return self._consoles[stream]

    def log(self, line: str) -> None:
        """A diagnostic line on stderr (verbose mode, warnings, notes): one line, whatever the values in it."""
        from essctl.render.safe import printable

        print(f"essctl: {printable(line)}", file=self.stderr, flush=True)


def prepare_streams() -> None:
    """Whatever the locale or PYTHONIOENCODING says, a character the terminal's encoding lacks is written as a
    backslash escape (`\\u2713`) instead of failing the command."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def quiet_stdout() -> None:
    """The reader of stdout has gone (`essctl ... | head -1`): send what is still buffered, and what the
    interpreter flushes at exit, to the null device, so that nothing complains on stderr."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):   # not a real file (a test's capture): nothing to quiet
        pass
