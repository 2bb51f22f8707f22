"""Function output made readable for the terminal."""

from __future__ import annotations

import io
import re

from rich.console import Console

from local.run.logs import LogSink, format_function_line


def test_structured_json_inside_the_lambda_text_prefix() -> None:
    line = (
        '[INFO]\t2026-11-25T20:31:02.123Z\treq-1\t{"level": "INFO", "message": "generate accepted",'
        ' "job": "j-1", "corr": "c-9", "timestamp": "2026-11-25T20:31:02Z"}'
    )
    assert format_function_line(line) == "20:31:02 INFO generate accepted job=j-1 corr=c-9"


def test_plain_json_line_and_plain_text() -> None:
    out = format_function_line('{"levelname": "warning", "msg": "slow", "ms": 1200}\n')
    assert re.fullmatch(r"\d\d:\d\d:\d\d WARNING slow ms=1200", out)
    text = format_function_line("[ERROR]\t2026-11-25T20:31:02Z\treq\tplain words")
    assert re.fullmatch(r"\d\d:\d\d:\d\d ERROR plain words", text)
    assert format_function_line("hello").endswith(" hello")


def test_the_handlers_own_json_format() -> None:
    line = (
        '{"time": "2026-11-25T20:31:02.120Z", "level": "INFO", "message": "job created",'
        ' "correlationId": "c-1", "logger": "pixelprompt.api", "jobId": "j-9", "models": 9}'
    )
    assert format_function_line(line) == "20:31:02 INFO job created corr=c-1 job=j-9 models=9"
    failed = format_function_line(
        '{"level": "ERROR", "message": "x", "correlationId": "", "exception": "Traceback\\nBoom"}'
    )
    assert failed.endswith("ERROR x\n    Traceback\n    Boom")


def test_long_values_are_shortened() -> None:
    out = format_function_line('{"message": "m", "prompt": "' + "x" * 500 + '"}')
    assert len(out) < 120
    assert out.endswith("…")


class _Console:
    def __init__(self) -> None:
        self.printed: list[str] = []

    def print(self, text: str) -> None:
        self.printed.append(text)


def test_sink_writes_plain_lines_to_any_console() -> None:
    console = _Console()
    sink = LogSink(console)
    sink.access("api", "POST", "/generate", 202, 12.4)
    sink.function("fn", "[not markup] text\n")
    sink.function("fn", "   \n")  # blank output is not a line
    assert len(console.printed) == 2
    assert re.fullmatch(r"\[api\] \d\d:\d\d:\d\d POST /generate 202 12ms", console.printed[0])
    assert console.printed[1].endswith("[not markup] text")


def test_rich_console_gets_styles_but_never_parses_the_functions_words() -> None:
    buf = io.StringIO()
    sink = LogSink(Console(file=buf, force_terminal=True, width=200))
    sink.function("fn", "[red]literal[/red] and [bold]")
    sink.access("api", "GET", "/status/1", 500, 3)
    sink.access("api", "GET", "/status/1", 200, 3)
    lines = buf.getvalue().splitlines()
    assert "[red]literal[/red] and [bold]" in lines[0]
    assert "\x1b[31m" in lines[1]  # a 5xx stands out
    assert "\x1b[31m" not in lines[2]


def test_escape_sequences_in_a_request_path_never_reach_the_terminal() -> None:
    # GIVEN a request whose path carries terminal escapes (colour, bell, title, line reset)
    out = io.StringIO()
    sink = LogSink(Console(file=out, force_terminal=True, width=200))
    path = "/status/\x1b[2J\x1b]0;owned\x07\r\nfake line\u202e"
    # WHEN the access log and the function's JSON log about it are printed
    sink.access("api", "GET", path, 404, 3.0)
    sink.function("fn", '{"level": "INFO", "message": "request", "path": "\\u001b[31mred"}')
    text = out.getvalue()
    # THEN the terminal receives the characters written out, never the codes themselves
    shown = re.sub(r"\x1b\[[0-9;]*m", "", text)  # the sink's own colours are fine
    assert "\x1b" not in shown and "\x07" not in shown and "\r" not in shown
    assert "\u202e" not in shown
    assert "/status/\\x1b[2J\\x1b]0;owned\\x07\\x0d\\x0afake line\\u202e" in shown
    assert "\\x1b[31mred" in shown
    assert len(shown.strip().splitlines()) == 2  # one line each: no forged log line
