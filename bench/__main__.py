"""Run every benchmark side by side and print one table: `python -m bench [--readme]`.

With --readme the table also goes into the block between the bench markers in README.md, so the
published figures are always ones this command measured. Naming benchmarks (`python -m bench
--readme paint`) replaces only their rows; the others keep the figures of their own last run.
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
    "paint",
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


def published_rows(text: str) -> list[tuple[str, str, str]]:
    """The rows of the table in README.md now."""
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0] not in ("benchmark", "---"):
            rows.append((cells[0], cells[1], cells[2]))
    return rows


def merged(old: list[tuple[str, str, str]], new: list[tuple[str, str, str]]):
    """The published rows with every benchmark that ran now replaced by its new rows, in place;
    a benchmark that did not run keeps the figures of its own last run."""
    ran = {group for group, _, _ in new}
    out: list[tuple[str, str, str]] = []
    for row in old:
        if row[0] not in ran:
            out.append(row)
        elif not any(r[0] == row[0] for r in out):
            out.extend(r for r in new if r[0] == row[0])
    placed = {group for group, _, _ in out}
    out.extend(r for r in new if r[0] not in placed)
    return out


def write_readme(rows: list[tuple[str, str, str]]) -> None:
    text = README.read_text()
    start, end = MARKERS
    pattern = re.compile(re.escape(start) + "(.*?)" + re.escape(end), re.S)
    found = pattern.search(text)
    if not found:
        raise SystemExit(f"README.md has no {start} … {end} block to fill")
    markdown = as_markdown(merged(published_rows(found.group(1)), rows))
    README.write_text(pattern.sub(lambda _: f"{start}\n{markdown}\n{end}", text))


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
        write_readme(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
