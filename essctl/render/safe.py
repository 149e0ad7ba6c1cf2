"""What reaches the terminal from outside (recipe files, tapes, API answers, the command line) is shown, never
obeyed: control characters, escape sequences and bidi overrides become visible backslash escapes, and an error is
one line of bounded length. JSON and YAML output never come through here: they stay exact."""
from __future__ import annotations

import re
from typing import Any, TextIO

MAX_ERROR_LINE = 300
ELLIPSIS = " ... "        # ASCII: it keeps its length on any terminal encoding
_WORD = 24                # a cut moves back (or on) this far at most, to a space, to keep a value whole

# C0 (but see `newlines`), DEL and C1 controls (ESC starts every ANSI/OSC sequence, and U+009B is CSI on its own);
# the bidi marks, embeddings, overrides and isolates that reorder what is shown; the line and paragraph separators;
# lone surrogates (undecodable bytes of a file name), which no encoding can write.
_INVISIBLE = "\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_INVISIBLE}]")
_UNSAFE_BUT_NEWLINE = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_INVISIBLE}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_LINE_BREAKS = re.compile("[ \t]*[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+[ \t]*")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(value: Any, *, newlines: bool = False) -> str:
    """`value` as text that shows itself: `\\x1b[31m` stays those characters instead of turning the terminal red.
    With `newlines`, a newline stays a line break (a multi-line view); otherwise it shows as `\\n`."""
    text = value if isinstance(value, str) else str(value)
    return (_UNSAFE_BUT_NEWLINE if newlines else _UNSAFE).sub(_escape, text)


def error_line(text: str, *, encoding: str | None = None, limit: int = MAX_ERROR_LINE) -> str:
    """An error as one printable line of at most `limit` characters as the terminal shows it: line breaks become
    spaces, and a longer line keeps its start (what and where: file:line:col, the field, the call) and its end (the
    request id, the hint), with ` ... ` between, cut at spaces where it can."""
    line = printable(_LINE_BREAKS.sub(" ", text).strip())
    if encoding:   # what the stream cannot encode shows as a backslash escape: count those characters too
        line = line.encode(encoding, "backslashreplace").decode(encoding, "replace")
    if len(line) <= limit:
        return line
    room = limit - len(ELLIPSIS)
    head, tail = line[:room * 3 // 4], line[len(line) - (room - room * 3 // 4):]
    space = head.rfind(" ", len(head) - _WORD)
    head = head[:space] if space > 0 else head
    space = tail.find(" ", 0, _WORD)
    tail = tail[space + 1:] if space >= 0 else tail
    return head.rstrip() + ELLIPSIS + tail.lstrip()


class ShownStream:
    """A text stream for free-form lines (stderr): whatever is written shows itself, line breaks kept."""

    def __init__(self, stream: TextIO):
        self.raw = stream

    def write(self, text: str) -> int:
        return self.raw.write(printable(text, newlines=True))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)
