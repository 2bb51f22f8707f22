"""The stack's outputs: a table for people, a flat JSON object for scripts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from rich.table import Table


def table(values: Mapping[str, str], descriptions: Mapping[str, str], title: str) -> Table:
    """Pure: key, value, description — in the order given."""
    view = Table(title=title, expand=True)
    view.add_column("Key", style="bold", no_wrap=True)
    view.add_column("Value", ratio=3, overflow="fold")  # long URLs fold, never "…"
    view.add_column("Description", ratio=2)
    for key, value in values.items():
        view.add_row(key, value, descriptions.get(key, ""))
    return view


def write_file(path: Path, values: Mapping[str, str]) -> None:
    """Flat JSON object {key: value}, written atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(dict(values), indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
