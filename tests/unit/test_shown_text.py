"""essctl.render.safe: a value from outside shows itself on the terminal instead of driving it, and an error is one
bounded line."""
import io

import pytest

from essctl.render.safe import MAX_ERROR_LINE, error_line, printable

HOSTILE = ("\x1b[31mred\x1b[0m \x1b]0;pwned\x07 \x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\ \x9b2J \x7f \x00"
           " \u202eevil\u202c \u2066iso\u2069 \u200f \u2028")
RAW = ["\x1b", "\x07", "\x9b", "\x7f", "\x00", "\u202e", "\u202c", "\u2066", "\u2069", "\u200f", "\u2028"]


def test_escape_sequences_and_control_characters_show_as_text():
    shown = printable(HOSTILE)
    assert not any(char in shown for char in RAW)
    for text in ("\\x1b[31mred\\x1b[0m", "\\x1b]0;pwned\\x07", "\\x1b]8;;http://evil/\\x1b\\link", "\\x9b2J",
                 "\\x7f", "\\x00", "\\u202eevil\\u202c", "\\u2066iso\\u2069", "\\u200f", "\\u2028"):
        assert text in shown


def test_a_newline_is_a_line_break_only_where_the_view_allows_it():
    assert printable("a\nb\r\tc") == "a\\nb\\r\\tc"
    assert printable("a\nb\r\tc", newlines=True) == "a\nb\\r\\tc"


def test_ordinary_text_is_left_alone():
    text = "Run a script (在ECS实例中自动执行脚本) café ✓ 🚀 [bold]not markup[/] C:\\path"
    assert printable(text) == text


def test_undecodable_bytes_of_a_file_name_show_as_escapes():
    name = b"recipe-\xff.yaml".decode("utf-8", "surrogateescape")
    assert printable(name) == "recipe-\\udcff.yaml"
    printable(name).encode("utf-8")    # writable on any stream


def test_an_error_is_one_line_with_its_start_and_end():
    message = "x.yaml:3:5: title: " + "A" * 5000 + "\nsecond line\r\n (request id 1234)"
    line = error_line(message)
    assert "\n" not in line and len(line) <= MAX_ERROR_LINE
    assert line.startswith("x.yaml:3:5: title: AAAA") and line.endswith("second line (request id 1234)")
    assert " ... " in line


def test_a_short_error_is_unchanged_but_for_its_line_breaks():
    assert error_line("essctl: error: a\n  b\x1b[2J") == "essctl: error: a b\\x1b[2J"


def test_a_cut_keeps_values_whole_where_there_are_spaces():
    words = " ".join(f"asg-{n:020d}" for n in range(40))
    line = error_line(words)
    head, tail = line.split(" ... ")
    assert all(len(word) == 24 for word in head.split() + tail.split())


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_the_length_counts_what_an_ascii_or_latin1_terminal_shows(encoding):
    line = error_line("essctl: error: " + "é中" * 400, encoding=encoding)
    assert len(line) <= MAX_ERROR_LINE
    line.encode(encoding)


def test_the_console_shows_markup_and_escapes_in_cells_as_text():
    from rich.table import Table

    from essctl.env import Environment

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    env = Environment(output="table", color=True, stdout=out)
    table = Table(title=f"title {HOSTILE}")
    table.add_column("Message")
    table.add_row(f"[bold red]boom[/] [/] {HOSTILE}")
    env.console().print(table)
    env.console().print(f"line [link=http://evil]x[/link] {HOSTILE}")
    text = out.getvalue()
    assert "[bold red]boom[/] [/]" in text and "[link=http://evil]x[/link]" in text
    assert "\\x1b]0;pwned\\x07" in text
    for raw in ("\x1b]0;pwned", "\x1b[31mred", "\x1b]8;;http://evil", "\x9b", "\u202e", "\x07", "\x00", "\x7f"):
        assert raw not in text
