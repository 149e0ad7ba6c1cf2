"""Tables that fit the terminal: an id or a short value (a state, a number, a time) is never wrapped or cut, so it
can be copied; free text takes the room that is left, one line with an ellipsis (or wrapped, where a view asks).
Columns marked `wide` show only with --wide, which also lets a table be wider than the terminal."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from essctl.render.style import DETAIL, ERROR, RICH, WARNING, state_style

ID, FIXED, TEXT, WRAP = "id", "fixed", "text", "wrap"
MIN_TEXT = 10          # a one-line free-text column narrower than this says too little: it is hidden instead
MIN_WRAP = 6           # a wrapped column narrower than this is mostly line breaks: the table overflows instead


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    kind: str = TEXT               # ID, FIXED: whole, never wrapped; TEXT: one line, cut with ...; WRAP: wrapped
    max_width: int | None = None   # TEXT, WRAP: at most this wide
    wide: bool = False             # shown only with --wide
    state: str | None = None       # the kind of resource whose state the column holds (its colour says what it means)
    detail: bool = False           # shown dim (red or yellow in a row whose state failed)
    optional: bool = False         # the first to go (before free text is cut too short) when the terminal is narrow
    min_width: int | None = None   # TEXT: narrower than this says too little (default MIN_TEXT): the column goes


Cell = tuple[str, "str | None"]     # the text, and its meaning (style.ERROR ...) or None


class FittedTable:
    """A rich renderable: rows of cells laid out at the width the console offers when it is drawn."""

    def __init__(self, title: str | None, columns: list[Column], rows: list[list[Cell]], *, wide: bool = False,
                 hidden: Iterable[str] = (), may_drop: bool = True, hint: bool = True):
        self.title, self.columns, self.rows, self.wide, self.hidden = title, columns, rows, wide, list(hidden)
        self.may_drop = may_drop       # a column that does not fit goes (else the table overflows)
        self.hint = hint and may_drop  # and the caption names it for --wide (not the live watch: it has no --wide)

    def __rich_console__(self, console: Any, options: Any) -> Iterable[Any]:
        from rich.table import Table

        from essctl.render.safe import printable

        cells = [[console.render_str(printable(text), style=RICH.get(style or "", "")) for text, style in row]
                 for row in self.rows]
        columns, widths = self.widths(options.max_width, [[cell.cell_len for cell in row] for row in cells])
        shown = [self.columns.index(column) for column in columns]
        hidden = self.hidden + [column.header for column in self.columns if column not in columns]
        table = Table(title=self.title, title_justify="left", header_style="bold", caption_justify="left",
                      caption=f"--wide adds {', '.join(hidden)}" if hidden and self.hint else None, caption_style="dim")
        for column, width in zip(columns, widths):
            table.add_column(column.header, width=width, no_wrap=column.kind != WRAP,
                             overflow="ellipsis" if column.kind == TEXT else "fold")
        for row in cells:
            table.add_row(*(row[index] for index in shown))
        needed = sum(widths) + 3 * len(widths) + 1
        if needed <= options.max_width:
            yield table
        else:       # --wide, or ids alone wider than the terminal: the terminal wraps the lines, nothing is cut
            yield from console.render(table, options.update_width(needed))

    def widths(self, max_width: int, lengths: list[list[int]]) -> tuple[list[Column], list[int]]:
        """The columns shown and their widths: ids and fixed values as wide as their longest value; free text
        shares what is left, the shortest first. When free text would get less than its minimum, an optional
        column goes (the rightmost first), then free text. With --wide every column stays, each value whole (up
        to its column's max_width), wider than the terminal if need be; a view with no --wide keeps its columns
        and cuts (or wraps) free text no shorter than its least."""
        columns = list(self.columns)
        natural = {column: max([len(column.header)] + [row[i] for row in lengths])
                   for i, column in enumerate(self.columns)}
        natural = {column: min(width, column.max_width) if column.max_width and column.kind in (TEXT, WRAP)
                   else width for column, width in natural.items()}
        if self.wide:
            return columns, [natural[column] for column in columns]
        while True:
            room = max_width - (3 * len(columns) + 1) - sum(natural[c] for c in columns if c.kind in (ID, FIXED))
            flexible = sorted((c for c in columns if c.kind in (TEXT, WRAP)), key=lambda c: natural[c])
            given: dict[Column, int] = {}
            for number, column in enumerate(flexible):
                given[column] = max(min(natural[column], (room - sum(given.values())) // (len(flexible) - number)),
                                    min(natural[column], _least(column)))
            optional = [c for c in columns if c.optional] or [c for c in columns if c in given]
            if sum(given.values()) <= room or not self.may_drop or not optional:
                return columns, [given.get(column, natural[column]) for column in columns]
            columns.remove(optional[-1])


def _least(column: Column) -> int:
    return column.min_width or (MIN_TEXT if column.kind == TEXT else MIN_WRAP)


def rows_of(columns: list[Column], items: list[dict[str, Any]]) -> list[list[Cell]]:
    """Each item's cells: its text, and its meaning from the state column (a failed row's details share it)."""
    rows = []
    for item in items:
        states = [state_style(c.state, item.get(c.key)) for c in columns if c.state]
        alarm = next((style for style in states if style in (ERROR, WARNING)), None)
        rows.append([(cell_text(item.get(c.key)),
                      state_style(c.state, item.get(c.key)) if c.state else (alarm or DETAIL) if c.detail else None)
                     for c in columns])
    return rows


def cell_text(value: Any) -> str:
    import json

    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, list):
        return ", ".join(json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, (dict, list)) else str(v)
                         for v in value)
    return str(value)


def fitted(title: str | None, columns: list[Column], items: list[dict[str, Any]], *, wide: bool = False,
           has_wide: bool = True) -> FittedTable:
    """The table of `items` with the columns for the chosen width; for a command that has --wide (`has_wide`), what
    it would add is named below the table."""
    shown = [column for column in columns if wide or not column.wide]
    return FittedTable(title, shown, rows_of(shown, items), wide=wide, may_drop=has_wide, hint=has_wide,
                       hidden=[column.header for column in columns if column not in shown])
