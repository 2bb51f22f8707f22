"""Run every benchmark side by side and print one table: `python -m bench [--readme]`.

With --readme the table also replaces the block between the bench markers in README.md, so the
published figures are always the ones this command measured.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

MODULES = [
    "template",
    "coldstart",
    "fanout",
    "package",
    "deploy",
    "load",
    "preflight",
    "leaderboard",
]
README = Path(__file__).resolve().parent.parent / "README.md"
MARKERS = ("<!-- bench:start -->", "<!-- bench:end -->")


def collect(names: list[str], console: Console) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for name in names:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError:
            continue  # a benchmark not written yet is simply absent from the table
        console.print(f"[dim]running bench.{name} …[/dim]")
        rows.extend((name, what, figure) for what, figure in module.run())
    return rows


def as_markdown(rows: list[tuple[str, str, str]]) -> str:
    lines = ["| benchmark | measurement | figure |", "| --- | --- | --- |"]
    lines += [f"| {group} | {what} | {figure} |" for group, what, figure in rows]
    return "\n".join(lines)


def write_readme(markdown: str) -> None:
    text = README.read_text()
    start, end = MARKERS
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no {start} … {end} block to fill")
    README.write_text(pattern.sub(f"{start}\n{markdown}\n{end}", text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    parser.add_argument("only", nargs="*", help=f"benchmarks to run (default: {MODULES})")
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    rows = collect(args.only or MODULES, console)
    table = Table("benchmark", "measurement", "figure", title="Pixel Prompt benchmarks")
    for row in rows:
        table.add_row(*row)
    Console().print(table)
    if args.readme:
        write_readme(as_markdown(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
