"""The rich Console essctl draws with: every string it renders (a table cell, a title, a line, a live row) is shown
as text, with no markup, no emoji codes and its control characters escaped (essctl.render.safe)."""
from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text

from essctl.render.safe import printable


class ShownConsole(Console):
    """A Console for data from outside: `[bold]` and `\\x1b[31m` in a value are printed as those characters."""

    def render_str(self, text: str, **options: Any) -> Text:
        text = printable(text, newlines=True)
        if not self.encoding.replace("-", "").startswith("utf"):
            # escaped before it is measured, so that the columns line up on an ASCII or Latin-1 terminal
            try:
                text = text.encode(self.encoding, "backslashreplace").decode(self.encoding, "replace")
            except LookupError:      # an encoding Python does not know: the stream's own errors handler decides
                pass
        return super().render_str(text, **{**options, "markup": False, "emoji": False})
