"""What reaches the terminal from outside (recipe files, tapes, API answers, the command line) is shown, never
obeyed: control characters, escape sequences and bidi overrides become visible backslash escapes, and an error is
one line. JSON and YAML output never come through here: they stay exact."""
from __future__ import annotations

import re
from typing import Any, TextIO

# C0 (but see `newlines`), DEL and C1 controls (ESC starts every ANSI/OSC sequence, and U+009B is CSI on its own);
# the bidi marks, embeddings, overrides and isolates that reorder what is shown; the line and paragraph separators;
# lone surrogates (undecodable bytes of a file name), which no encoding can write.
_INVISIBLE = "\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")
_UNSAFE_BUT_NEWLINE = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(value: Any, *, newlines: bool = False) -> str:
    """`value` as text that shows itself: `\\x1b[31m` stays those characters instead of turning the terminal red.
    With `newlines`, a newline stays a line break (a multi-line view); otherwise it shows as `\\n`."""
    text = value if isinstance(value, str) else str(value)
    return (_UNSAFE_BUT_NEWLINE if newlines else _UNSAFE).sub(_escape, text)


class ShownStream:
    """A text stream for free-form lines (stderr): whatever is written shows itself, line breaks kept."""

    def __init__(self, stream: TextIO):
        self.raw = stream

    def write(self, text: str) -> int:
        return self.raw.write(printable(text, newlines=True))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)
